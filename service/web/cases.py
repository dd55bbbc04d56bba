"""/instances/<id>: one case with its diagram, timeline, deadlines and data; cancel and messages for managers."""

from __future__ import annotations

from flask import current_app, render_template

from .. import clock
from ..engine_host import elements_of
from ..usecases import instances as instances_uc
from . import case_summary as cs
from .auth import login_required, page_actor
from .pages import bp, iso_local
from .photos import case_photo_urls
from .tasks import today_end

OPEN = ("ready", "claimed")


@bp.route("/instances/<int:instance_id>")
@login_required
def instance(instance_id: int):
    actor = page_actor()
    parts = instances_uc.instance_view(actor, instance_id)
    instance, version = parts["instance"], parts["process_version"]
    infos = cs.field_infos(version)
    now, day_end = clock.now(), today_end()
    open_tasks = [t for t in parts["tasks"] if t.state in OPEN]
    deadlines = [{"name": t.name, "due": iso_local(t.due_at), "due_at": t.due_at, "kind": "task",
                  "state": cs.due_state(t.due_at, now, day_end)} for t in open_tasks if t.due_at]
    deadlines += [{"name": t.name, "due": iso_local(t.due_at), "due_at": t.due_at, "kind": "timer",
                   "state": cs.due_state(t.due_at, now, day_end)} for t in parts["timers"]]
    deadlines.sort(key=lambda d: d["due_at"])
    elements = elements_of(version)
    messages = {w.name: getattr(elements.get(w.element_id), "name", "") or w.name
                for w in parts["waiting"] if "message" in w.event_type.lower()}
    may_act = actor.role in ("admin", "manager") and instance.status in ("running", "incident")
    config = {
        "instanceId": instance.id, "timezone": current_app.config["TIMEZONE"], "now": iso_local(now),
        "bpmnUrl": f"/api/v1/processes/{version.process_id}/versions/{version.version}/bpmn",
        # Elements of a called process are marked as the call activity that calls it (the caller's diagram).
        "current": cs.on_diagram([t.element_id for t in open_tasks], version),
        "overdue": cs.on_diagram([t.element_id for t in open_tasks if t.due_at and t.due_at < now], version),
        "finished": cs.on_diagram(cs.finished_elements(parts["history"]), version),
        "timers": [{"element_id": t.element_id, "due": iso_local(t.due_at)} for t in parts["timers"]],
    }
    return render_template(
        "instance.html", instance=instance, version=version, config=config, open_tasks=open_tasks,
        deadlines=deadlines, messages=messages, may_act=may_act,
        data_rows=cs.data_rows(instance.data, infos, parts["history"]),
        events=cs.timeline(parts["history"], version, infos), ticket=instance.ticket or instance.data.get("ticket_no"),
        task_states={t.id: cs.due_state(t.due_at, now, day_end) for t in open_tasks},
        photos=case_photo_urls(actor, instance.id))
