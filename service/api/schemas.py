"""Marshmallow schemas of the HTTP API (the OpenAPI document is generated from them)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import EXCLUDE, Schema, fields


class LocalDateTime(fields.DateTime):
    """ISO-8601 with the offset of WUYEFLOW_TIMEZONE (stored as UTC)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).isoformat()


class In(Schema):
    class Meta:
        unknown = EXCLUDE


class TokenRequest(In):
    username = fields.String(required=True)
    password = fields.String(required=True)


class TokenResponse(Schema):
    token = fields.String()
    expires_at = LocalDateTime()


class ProblemSchema(Schema):
    file = fields.String()
    element = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    message = fields.String()


class DeployForm(In):
    note = fields.String(load_default="")


class DeployedSchema(Schema):
    process_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    created = fields.Boolean()


class DeployResponse(DeployedSchema):
    processes = fields.List(fields.Nested(DeployedSchema))


class ValidateResponse(Schema):
    errors = fields.List(fields.Nested(ProblemSchema))


class VersionSchema(Schema):
    version = fields.Integer()
    name = fields.String()
    checksum = fields.String()
    deployed_by = fields.String()
    created_at = LocalDateTime()
    note = fields.String()
    running_instances = fields.Integer()


class ProcessSchema(Schema):
    process_id = fields.String()
    name = fields.String()
    latest_version = fields.Integer()
    versions = fields.List(fields.Nested(VersionSchema))


class ProcessList(Schema):
    items = fields.List(fields.Nested(ProcessSchema))
    next_cursor = fields.String(allow_none=True)


class StartRequest(In):
    data = fields.Dict(load_default=dict)
    compound = fields.String(load_default=None, allow_none=True)


class DataRequest(In):
    data = fields.Raw(load_default=dict)
    correlations = fields.Dict(load_default=None, allow_none=True)


class ThrowRequest(In):
    code = fields.String(load_default=None, allow_none=True)


class TaskSchema(Schema):
    id = fields.String()
    instance_id = fields.Integer()
    process_id = fields.String()
    element_id = fields.String()
    name = fields.String()
    kind = fields.String()
    group = fields.Function(lambda t: t.groups.split(",")[0] if t.groups else None)
    groups = fields.Function(lambda t: [g for g in t.groups.split(",") if g])
    assignee = fields.String(allow_none=True)
    candidate_user = fields.String(allow_none=True)
    state = fields.String()
    form_id = fields.String(allow_none=True)
    due_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()
    completed_at = LocalDateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)


class TaskDetail(TaskSchema):
    form = fields.Raw(allow_none=True)
    instance_data = fields.Raw()


class TaskRow(TaskSchema):
    """A task in a list, with what a task list page shows beside it."""

    process_name = fields.String(allow_none=True)
    ticket_no = fields.String(allow_none=True)
    may_work = fields.Boolean(metadata={"description": "the caller may claim and complete it"})


class CompletedTask(TaskSchema):
    next_tasks = fields.List(fields.Nested(TaskRow))


class TaskList(Schema):
    items = fields.List(fields.Nested(TaskRow))
    next_cursor = fields.String(allow_none=True)


class TabCount(Schema):
    open = fields.Integer()
    overdue = fields.Integer()
    due_today = fields.Integer()


class TaskCounts(Schema):
    mine = fields.Nested(TabCount)
    groups = fields.Nested(TabCount)
    all = fields.Nested(TabCount, metadata={"description": "admins and managers only"})


class TaskFilter(In):
    group = fields.String()
    assignee = fields.String()
    process_id = fields.String()
    state = fields.String()
    due_before = fields.AwareDateTime(default_timezone=None)
    cursor = fields.String()
    limit = fields.Integer(load_default=50)
    scope = fields.String(metadata={"description": "mine | groups | all (admins, managers)"})
    q = fields.String(metadata={"description": "text in the task name"})
    sort = fields.String(load_default="created", metadata={"description": "created | -created | due | -due"})


class TimerSchema(Schema):
    element_id = fields.String()
    name = fields.String()
    due_at = LocalDateTime()


class HistorySchema(Schema):
    at = LocalDateTime()
    actor = fields.String()
    action = fields.String()
    element_id = fields.String(allow_none=True)
    data = fields.Raw(allow_none=True)


class WaitingSchema(Schema):
    element_id = fields.String()
    event_type = fields.String()
    name = fields.String()


class InstanceSchema(Schema):
    id = fields.Integer()
    ticket = fields.String(allow_none=True)
    process_id = fields.String()
    version = fields.Integer()
    status = fields.String()
    data = fields.Raw()
    compound_id = fields.Integer()
    started_by = fields.String()
    created_at = LocalDateTime()
    ended_at = LocalDateTime(allow_none=True)
    incident = fields.Raw(allow_none=True)
    tasks = fields.List(fields.Nested(TaskSchema))
    timers = fields.List(fields.Nested(TimerSchema))
    history = fields.List(fields.Nested(HistorySchema))
    waiting = fields.List(fields.Nested(WaitingSchema), metadata={"description": "messages it waits for"})


class CancelRequest(In):
    reason = fields.String(load_default="")
