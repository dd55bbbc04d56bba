"""The calendar's use cases: import a year's official schedule, add or remove an override, show a year,
list days, compute a deadline. Every change counts a calendar revision and recomputes the pending
deadlines that were computed on provisional data, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select

from .. import clock
from ..calendar import DayInfo, Deadline, OfficialSchedule
from ..calendar_host import build_calendar, bump_revision, forget, pinned, work_calendar
from ..db import db, unit_of_work
from ..errors import Forbidden, Invalid, NotFound
from ..models import CalendarDay, CalendarYear, Compound
from .access import Actor
from .deadlines import recompute_provisional
from .instances import with_retries

MAX_DAYS = 732  # two years per listing
PLAIN_REASONS = ("weekday", "weekend")


@dataclass(frozen=True)
class CalendarChange:
    """What a change did: the year it concerns, how many days it wrote, how many deadlines moved."""

    year: int
    days: int
    recomputed: int


def require_editor(actor: Actor, compound: str | None) -> None:
    """Admins change any day; a manager only the days of a compound he belongs to."""
    if actor.role == "admin":
        return
    if actor.role == "manager" and compound:
        row = db.session.scalar(select(Compound).where(Compound.code == compound))
        if row is not None and actor.in_compound(row.id):
            return
    raise Forbidden("changing the calendar needs the role admin (a manager: only his own compound's days)")


def import_schedule(schedule: OfficialSchedule, by: str) -> CalendarChange:
    """Store a year's official schedule, replacing that year's earlier import; the year is then firm."""
    def step() -> CalendarChange:
        with unit_of_work() as session:
            session.execute(delete(CalendarDay).where(CalendarDay.year == schedule.year))
            year = session.get(CalendarYear, schedule.year) or CalendarYear(year=schedule.year)
            year.source, year.url, year.imported_at, year.imported_by = schedule.source, schedule.url, clock.now(), by
            session.add(year)
            session.flush()
            for o in schedule.overrides:
                session.add(CalendarDay(day=o.date, working=o.working, name=o.name, compound=None, official=True,
                                        year=schedule.year, notes=schedule.source, created_by=by,
                                        created_at=clock.now()))
            moved = _changed(session, by, f"official schedule {schedule.year} imported")
            return CalendarChange(schedule.year, len(schedule.overrides), moved)
    return _committed(step)


def add_override(by: str, day: date, working: bool, name: str, compound: str | None = None,
                 notes: str = "") -> CalendarChange:
    """A company holiday or duty day (compound None), or one compound's own; replaces the same date's."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise Invalid("an override needs a name (the reason shown for the day)", {"name": ["1-200 characters"]})
    _check_compound(compound)

    def step() -> CalendarChange:
        with unit_of_work() as session:
            session.execute(delete(CalendarDay).where(*_same_override(day, compound)))
            session.add(CalendarDay(day=day, working=working, name=name, compound=compound or None, official=False,
                                    notes=notes or "", created_by=by, created_at=clock.now()))
            label = f"{compound or 'company'} {'duty day' if working else 'rest day'} {day} ({name})"
            return CalendarChange(day.year, 1, _changed(session, by, f"override added: {label}"))
    return _committed(step)


def remove_override(by: str, day: date, compound: str | None = None) -> CalendarChange:
    """Remove an override; the date follows the official schedule and packaged data again."""
    def step() -> CalendarChange:
        with unit_of_work() as session:
            removed = session.execute(delete(CalendarDay).where(*_same_override(day, compound))).rowcount
            if not removed:
                raise NotFound(f"no override for {day}" + (f" in compound '{compound}'" if compound else ""))
            label = f"{compound or 'company'} {day}"
            return CalendarChange(day.year, removed, _changed(session, by, f"override removed: {label}"))
    return _committed(step)


def year_view(year: int, compound: str | None = None) -> dict:
    """A year at a glance: provisional or not, its imported schedule, and every day that is not a plain
    weekday or weekend (holidays, make-up days, overrides) with its reason."""
    if not 1900 <= year <= 2200:
        raise Invalid("year must be 1900-2200", {"year": ["1900-2200"]})
    _check_compound(compound)
    calendar = work_calendar()
    days = [d for d in calendar.days(date(year, 1, 1), date(year, 12, 31), compound) if d.reason not in PLAIN_REASONS]
    overrides = db.session.scalars(select(CalendarDay).where(
        CalendarDay.official.is_(False), CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day, CalendarDay.compound)).all()
    return {"year": year, "provisional": calendar.is_provisional(year), "compound": compound,
            "schedule": db.session.get(CalendarYear, year), "days": days, "overrides": list(overrides)}


def days(from_: date, to: date, compound: str | None = None) -> list[DayInfo]:
    """Every day from `from_` to `to` (inclusive): working or not, why, and whether it is provisional."""
    if to < from_:
        raise Invalid(f"to {to} is before from {from_}", {"to": ["must not be before from"]})
    if (to - from_) >= timedelta(days=MAX_DAYS):
        raise Invalid(f"at most {MAX_DAYS} days per request", {"to": [f"at most {MAX_DAYS} days after from"]})
    _check_compound(compound)
    return work_calendar().days(from_, to, compound)


def add_workdays(start: datetime, days_: int, compound: str | None = None) -> Deadline:
    """Same clock time `days_` working days after start (see WorkCalendar.add_workdays)."""
    _check_compound(compound)
    return work_calendar().add_workdays(start, days_, compound)


def add_work_hours(start: datetime, hours: float, compound: str | None = None) -> Deadline:
    """Start plus office hours (see WorkCalendar.add_work_hours)."""
    _check_compound(compound)
    return work_calendar().add_work_hours(start, hours, compound)


def _changed(session, by: str, reason: str) -> int:
    """Count the change and recompute provisional deadlines with the calendar as it now stands."""
    bump_revision(session)
    session.flush()
    with pinned(build_calendar()):
        return recompute_provisional(session, by, reason)


def _committed(step: Callable[[], CalendarChange]) -> CalendarChange:
    """Run a changing transaction; this process's cached calendar is stale afterwards either way."""
    try:
        return with_retries(step)
    finally:
        forget()


def _same_override(day: date, compound: str | None) -> tuple:
    where_compound = CalendarDay.compound == compound if compound else CalendarDay.compound.is_(None)
    return CalendarDay.official.is_(False), CalendarDay.day == day, where_compound


def _check_compound(compound: str | None) -> None:
    if compound and db.session.scalar(select(Compound.id).where(Compound.code == compound)) is None:
        raise Invalid(f"unknown compound '{compound}'", {"compound": ["unknown compound"]})
