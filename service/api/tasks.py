"""The task list and the task actions: claim, unclaim, complete."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from .. import clock
from ..db import db
from ..models import Instance
from ..usecases import tasks as uc
from .auth import current_actor
from .schemas import CompletedTask, DataRequest, TaskCounts, TaskDetail, TaskFilter, TaskList, TaskSchema

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="User tasks")
TASK_FIELDS = tuple(TaskSchema().fields)  # building a schema per row is costly; its field names never change


@blp.route("")
class TaskListView(MethodView):
    @blp.arguments(TaskFilter, location="query")
    @blp.response(200, TaskList)
    def get(self, args):
        """Tasks of my groups and mine; filters group, assignee (me), process_id, state, due_before.

        `scope` (mine, groups, all) picks a tab of the task list page, `q` searches task names and
        `sort` orders by created or due time (`-` for newest or latest first); each row says the
        process name, the case's ticket number and whether the caller may work the task.
        """
        actor = current_actor()
        items, cursor = uc.list_tasks(actor, uc.TaskQuery(**args))
        return {"items": _rows(actor, items), "next_cursor": cursor}


def _rows(actor, tasks, labels: dict | None = None) -> list:
    labels = uc.case_labels(tasks) if labels is None else labels
    rows = []
    for task in tasks:
        row = {name: getattr(task, name) for name in TASK_FIELDS if hasattr(task, name)}
        row["groups"] = task.groups
        row["process_name"], row["ticket_no"] = labels.get(task.instance_id, (None, None))
        row["may_work"] = actor.may_work(task)
        rows.append(_TaskLike(row))
    return rows


@blp.route("/counts")
class TaskCountView(MethodView):
    @blp.response(200, TaskCounts)
    def get(self):
        """Open tasks per tab (mine, groups, all for admins and managers): open, overdue, due by tonight."""
        zone = ZoneInfo(current_app.config["TIMEZONE"])
        today = clock.now().astimezone(zone).date()
        day_end = datetime.combine(today + timedelta(days=1), time(), tzinfo=zone)
        return uc.count_tasks(current_actor(), day_end)


def _detail(task) -> dict:
    body = {name: getattr(task, name) for name in TASK_FIELDS if hasattr(task, name)}
    body["groups"] = task.groups
    body["form"] = uc.task_form(task)
    body["instance_data"] = db.session.get(Instance, task.instance_id).data
    return _TaskLike(body)


class _TaskLike(dict):
    def __getattr__(self, name):
        return self.get(name)


@blp.route("/<task_id>")
class TaskView(MethodView):
    @blp.response(200, TaskDetail)
    def get(self, task_id):
        """One task with its form definition."""
        return _detail(uc.visible_task(current_actor(), task_id))


@blp.route("/<task_id>/claim")
class ClaimView(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Take the task (409 when someone else holds it)."""
        return uc.claim(current_actor(), task_id)


@blp.route("/<task_id>/unclaim")
class UnclaimView(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Give the task back to its group."""
        return uc.unclaim(current_actor(), task_id)


@blp.route("/<task_id>/complete")
class CompleteView(MethodView):
    @blp.arguments(DataRequest)
    @blp.response(200, CompletedTask)
    def post(self, body, task_id):
        """Complete with data validated against the task's form (422 names each field).

        `next_tasks` lists the open tasks of the same instance, so a page can open the next one directly.
        """
        actor = current_actor()
        done = uc.complete(actor, task_id, body.get("data"))
        task = done.task
        body = {name: getattr(task, name) for name in TASK_FIELDS if hasattr(task, name)}
        body["groups"] = task.groups
        body["next_tasks"] = _rows(actor, done.open_tasks, done.labels)
        return _TaskLike(body)
