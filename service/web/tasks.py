"""/tasks (我的待办 / 部门待办 / 全部) and /tasks/<id> (办理: the form, the case, the diagram)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import clock
from ..usecases import instances as instances_uc
from ..usecases import tasks as tasks_uc
from . import case_summary as cs
from .auth import login_required, page_actor
from .pages import WORKER_ROLES, bp, iso_local
from .photos import case_photo_urls


def today_end() -> datetime:
    """Midnight at the end of today, Beijing time (what 今日到期 means)."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    today = clock.now().astimezone(zone).date()
    return datetime.combine(today + timedelta(days=1), time(), tzinfo=zone)


@bp.route("/tasks")
@login_required
def tasks():
    actor = page_actor()
    actor.require(*WORKER_ROLES)
    tabs = [("mine", _("我的待办")), ("groups", _("部门待办"))]
    if actor.sees_all:
        tabs.append(("all", _("全部")))
    config = {"username": actor.username, "tabs": [key for key, _label in tabs], "timezone": _timezone(),
              "now": iso_local(clock.now())}
    return render_template("tasks.html", tabs=tabs, config=config, groups=sorted(actor.group_names()))


@bp.route("/tasks/<task_id>")
@login_required
def task(task_id: str):
    actor = page_actor()
    task = tasks_uc.visible_task(actor, task_id)
    parts = instances_uc.instance_view(actor, task.instance_id)
    instance, version = parts["instance"], parts["process_version"]
    infos = cs.field_infos(version)
    history = parts["history"]
    may_work = actor.may_work(task) and task.state in ("ready", "claimed")
    config = {
        "task": {"id": task.id, "name": task.name, "state": task.state, "assignee": task.assignee,
                 "element_id": task.element_id, "instance_id": task.instance_id, "form_id": task.form_id},
        "username": actor.username, "mayWork": may_work,
        "bpmnUrl": f"/api/v1/processes/{version.process_id}/versions/{version.version}/bpmn",
        # An element of a called process is marked as the call activity that calls it (the caller's diagram).
        "current": cs.on_diagram([task.element_id], version) if task.state in ("ready", "claimed") else [],
        "others": cs.on_diagram([t.element_id for t in parts["tasks"] if t.state in ("ready", "claimed")
                                 and t.id != task.id], version),
        "finished": cs.on_diagram(cs.finished_elements(history), version),
        "doneUrl": url_for("pages.task_done", task_id=task.id), "timezone": _timezone(),
        "language": str(get_locale()),  # form-js's own words (required field, 请选择 …) follow the page
    }
    return render_template(
        "task.html", task=task, instance=instance, version=version, config=config, may_work=may_work,
        due=cs.due_state(task.due_at, clock.now(), today_end()), summary=cs.summary_rows(instance.data, infos),
        events=cs.timeline(history, version, infos), groups=", ".join(g for g in task.groups.split(",") if g),
        photos=case_photo_urls(actor, instance.id))


@bp.route("/tasks/<task_id>/done")
@login_required
def task_done(task_id: str):
    """After 提交: open the case's next task when this user may work it, else back to the list."""
    actor = page_actor()
    task = tasks_uc.visible_task(actor, task_id)
    if task.state == "completed":
        flash(_("已提交「%(name)s」。", name=task.name), "success")
    mine = [t for t in tasks_uc.open_tasks_of(task.instance_id) if actor.may_work(t)]
    mine.sort(key=lambda t: (t.assignee != actor.username, t.created_at))
    if mine:
        flash(_("下一步：%(name)s", name=mine[0].name), "info")
        return redirect(url_for("pages.task", task_id=mine[0].id))
    return redirect(url_for("pages.tasks"))


def _timezone() -> str:
    return current_app.config["TIMEZONE"]
