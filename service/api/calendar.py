"""The working-day calendar: deadlines, days, schedules and overrides; deadline extensions and SLA records."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import INCLUDE, Schema, fields, validate

from ..calendar import ScheduleError, parse_schedule
from ..calendar.functions import MAX_HOURS, MAX_WORKDAYS
from ..errors import Invalid
from ..usecases import calendar as uc
from ..usecases import deadlines
from .auth import current_actor
from .instances import view as instance_view
from .schemas import In, InstanceSchema, LocalDateTime

blp = Blueprint("calendar", __name__, url_prefix="/api/v1", description="Working-day calendar and deadlines")
_SPACED_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")


class Instant(fields.DateTime):
    """ISO-8601 date-time; naive means WUYEFLOW_TIMEZONE. An offset whose '+' arrived as a space in a
    query string (`?start=2026-09-30T10:00:00+08:00` unencoded) is read as '+'."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = _SPACED_OFFSET.sub(r"+\1", value.strip())
        result = super()._deserialize(value, attr, data, **kwargs)
        if result.tzinfo is None:
            result = result.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
        return result


class WorkdaysArgs(In):
    start = Instant(required=True)
    days = fields.Integer(required=True, validate=validate.Range(0, MAX_WORKDAYS))
    compound = fields.String(load_default=None)


class WorkHoursArgs(In):
    start = Instant(required=True)
    hours = fields.Float(required=True, validate=validate.Range(0, MAX_HOURS))
    compound = fields.String(load_default=None)


class DeadlineSchema(Schema):
    due = LocalDateTime()
    provisional = fields.Boolean()


class DaysArgs(In):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    compound = fields.String(load_default=None)


class DaySchema(Schema):
    date = fields.Date()
    working = fields.Boolean()
    reason = fields.String(metadata={"description": "weekday, weekend, holiday:<name>, makeup_workday, "
                                                    "override:<name>"})
    provisional = fields.Boolean()
    source = fields.String()


class DayList(Schema):
    items = fields.List(fields.Nested(DaySchema))


class ScheduleBody(Schema):
    """A year's official schedule, the format of `wuyeflow calendar import` (service/calendar/schedule.py)."""

    class Meta:
        unknown = INCLUDE

    year = fields.Raw(required=True)
    source = fields.Raw(required=True)
    url = fields.Raw()
    holidays = fields.Raw(required=True)
    workdays = fields.Raw()


class ChangeSchema(Schema):
    year = fields.Integer()
    days = fields.Integer()
    recomputed = fields.Integer(metadata={"description": "pending deadlines that moved"})


class OverrideBody(In):
    date = fields.Date(required=True)
    working = fields.Boolean(required=True)
    name = fields.String(required=True)
    compound = fields.String(load_default=None, allow_none=True)
    notes = fields.String(load_default="")


class OverrideArgs(In):
    date = fields.Date(required=True)
    compound = fields.String(load_default=None)


class OverrideSchema(Schema):
    date = fields.Date(attribute="day")
    working = fields.Boolean()
    name = fields.String()
    compound = fields.String(allow_none=True)
    notes = fields.String()
    created_by = fields.String()
    created_at = LocalDateTime()


class ImportedSchema(Schema):
    source = fields.String()
    url = fields.String(allow_none=True)
    imported_at = LocalDateTime()
    imported_by = fields.String()


class YearSchema(Schema):
    year = fields.Integer()
    provisional = fields.Boolean()
    compound = fields.String(allow_none=True)
    schedule = fields.Nested(ImportedSchema, allow_none=True)
    days = fields.List(fields.Nested(DaySchema))
    overrides = fields.List(fields.Nested(OverrideSchema))


class YearArgs(In):
    compound = fields.String(load_default=None)


class ExtendBody(In):
    new_due = Instant(required=True)
    reason = fields.String(required=True)


class SlaSchema(Schema):
    commitment = fields.String()
    element_id = fields.String()
    kind = fields.String()
    started_at = LocalDateTime()
    due_at = LocalDateTime(allow_none=True)
    completed_at = LocalDateTime(allow_none=True)
    met = fields.Boolean(allow_none=True)
    working_seconds = fields.Integer(allow_none=True)
    paused_seconds = fields.Integer()
    paused = fields.Function(lambda r: r.paused_since is not None)
    extended = fields.Boolean()
    provisional = fields.Boolean()


class SlaList(Schema):
    items = fields.List(fields.Nested(SlaSchema))


def _computed(compute, *args):
    """A calendar result; a calendar that cannot answer (no working day for years) is bad input."""
    try:
        return compute(*args)
    except ValueError as exc:
        raise Invalid(str(exc), {"start": [str(exc)]}) from exc


@blp.route("/calendar/add-workdays")
class AddWorkdaysView(MethodView):
    @blp.arguments(WorkdaysArgs, location="query")
    @blp.response(200, DeadlineSchema)
    def get(self, args):
        """Same clock time `days` working days after `start`; `provisional` while a year's 调休 is unknown."""
        current_actor()
        return _computed(uc.add_workdays, args["start"], args["days"], args["compound"])


@blp.route("/calendar/add-work-hours")
class AddWorkHoursView(MethodView):
    @blp.arguments(WorkHoursArgs, location="query")
    @blp.response(200, DeadlineSchema)
    def get(self, args):
        """`start` plus `hours` office hours (8:30-17:00 on working days by default)."""
        current_actor()
        return _computed(uc.add_work_hours, args["start"], args["hours"], args["compound"])


@blp.route("/calendar/days")
class DaysView(MethodView):
    @blp.arguments(DaysArgs, location="query")
    @blp.response(200, DayList)
    def get(self, args):
        """Each day from `from` to `to` (inclusive, at most two years): working or not, and why."""
        current_actor()
        return {"items": uc.days(args["from_"], args["to"], args["compound"])}


@blp.route("/calendar/years/<int:year>")
class YearView(MethodView):
    @blp.arguments(YearArgs, location="query")
    @blp.response(200, YearSchema)
    def get(self, args, year):
        """A year's holidays, make-up days and overrides, and whether it is provisional."""
        current_actor()
        return uc.year_view(year, args["compound"])


@blp.route("/calendar/schedules")
class SchedulesView(MethodView):
    @blp.arguments(ScheduleBody)
    @blp.response(201, ChangeSchema)
    def post(self, body):
        """Import a year's official schedule (admins); provisional deadlines are recomputed."""
        actor = current_actor()
        actor.require("admin")
        try:
            schedule = parse_schedule(body)
        except ScheduleError as exc:
            raise Invalid(f"the schedule has a problem; nothing was imported: {exc}", {"schedule": [str(exc)]}) from exc
        return uc.import_schedule(schedule, actor.username)


@blp.route("/calendar/overrides")
class OverridesView(MethodView):
    @blp.arguments(OverrideBody)
    @blp.response(201, ChangeSchema)
    def post(self, body):
        """Make one date a rest day or a working day, company-wide or for one compound."""
        actor = current_actor()
        uc.require_editor(actor, body["compound"])
        return uc.add_override(actor.username, body["date"], body["working"], body["name"], body["compound"],
                               body["notes"])

    @blp.arguments(OverrideArgs, location="query")
    @blp.response(200, ChangeSchema)
    def delete(self, args):
        """Remove an override (`?date=&compound=`)."""
        actor = current_actor()
        uc.require_editor(actor, args["compound"])
        return uc.remove_override(actor.username, args["date"], args["compound"])


@blp.route("/instances/<int:instance_id>/deadlines/<element_id>/extend")
class ExtendView(MethodView):
    @blp.arguments(ExtendBody)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id, element_id):
        """Extend (延期) a pending deadline to `new_due` with a reason (managers and admins)."""
        deadlines.extend_deadline(current_actor(), instance_id, element_id, body["new_due"], body["reason"])
        return instance_view(instance_id)


@blp.route("/instances/<int:instance_id>/sla")
class SlaView(MethodView):
    @blp.response(200, SlaList)
    def get(self, instance_id):
        """The instance's SLA records: due, met or breached, working time taken, paused, extended."""
        return {"items": deadlines.sla_records(current_actor(), instance_id)}
