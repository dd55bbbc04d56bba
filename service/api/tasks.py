"""The task list and the task actions: claim, unclaim, complete."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..db import db
from ..models import Instance
from ..usecases import tasks as uc
from .auth import current_actor
from .schemas import CompletedTask, DataRequest, TaskDetail, TaskFilter, TaskList, TaskSchema

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="User tasks")


@blp.route("")
class TaskListView(MethodView):
    @blp.arguments(TaskFilter, location="query")
    @blp.response(200, TaskList)
    def get(self, args):
        """Tasks of my groups and mine; filters group, assignee (me), process_id, state, due_before."""
        query = uc.TaskQuery(**args)
        items, cursor = uc.list_tasks(current_actor(), query)
        return {"items": items, "next_cursor": cursor}


def _detail(task) -> dict:
    body = {name: getattr(task, name) for name in TaskSchema().fields if hasattr(task, name)}
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
        task = uc.complete(actor, task_id, body.get("data"))
        body = {name: getattr(task, name) for name in TaskSchema().fields if hasattr(task, name)}
        body["groups"] = task.groups
        body["next_tasks"] = uc.open_tasks_of(task.instance_id)
        return _TaskLike(body)
