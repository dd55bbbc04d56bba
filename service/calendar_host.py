"""The working-day calendar the running service uses, and the functions it publishes to expressions.

The calendar is the packaged data plus the database's overrides and imported schedules
(`calendar_day`, `calendar_year`), cached per app. Every change also bumps the one
`calendar_revision` row in its own transaction; a process compares that number with the one it
built from at most every CHECK_SECONDS (one primary-key read) and rebuilds when it moved, so web
workers and schedulers see a change within seconds, and the process that made it at once
(`forget()`). A use case that must compute with its own, not yet committed, change pins the
calendar it built for that transaction (`pinned()`).

The engine evaluates `add_workdays` inside use cases, which run in an app context. Outside one
(a plain script) the last calendar this process built is used, or the packaged data alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import time as clock_time

from flask import current_app, has_app_context
from sqlalchemy import select, update

from . import clock
from .calendar import DayOverride, WorkCalendar
from .calendar import expression_functions as calendar_functions
from .db import db
from .models import CalendarDay, CalendarRevision, CalendarYear

CHECK_SECONDS = 2.0
DEFAULT_OFFICE_HOURS = "08:30-17:00"  # the handbook's reception hours
_EXTENSION = "wuyeflow.calendar"
_pinned: ContextVar[WorkCalendar | None] = ContextVar("pinned_calendar", default=None)
_last_built: dict[str, WorkCalendar | None] = {"calendar": None}


@dataclass
class _Cache:
    calendar: WorkCalendar | None = None
    revision: int | None = None
    checked: float = float("-inf")


def work_calendar() -> WorkCalendar:
    """The calendar to compute with now (see the module docstring)."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    if not has_app_context():
        return _last_built["calendar"] or WorkCalendar(tz=_timezone(), office_hours=_office_hours())
    cache: _Cache = current_app.extensions.setdefault(_EXTENSION, _Cache())
    now = time.monotonic()
    if cache.calendar is not None and now - cache.checked < CHECK_SECONDS:
        return cache.calendar
    revision = current_revision()
    if cache.calendar is None or revision != cache.revision:
        cache.calendar, cache.revision = build_calendar(), revision
        _last_built["calendar"] = cache.calendar
    cache.checked = now
    return cache.calendar


def build_calendar() -> WorkCalendar:
    """A calendar from the rows the current session sees (its own uncommitted changes included)."""
    with db.session.no_autoflush:
        rows = db.session.scalars(select(CalendarDay).order_by(CalendarDay.id)).all()
        years = db.session.scalars(select(CalendarYear.year)).all()
    overrides = [DayOverride(r.day, r.working, r.name, r.compound, r.official) for r in rows]
    return WorkCalendar(overrides, official_years=years, tz=_timezone(), office_hours=_office_hours())


def current_revision() -> int:
    """The committed number of calendar changes (0 before the first)."""
    with db.session.no_autoflush:
        revision = db.session.scalar(select(CalendarRevision.revision).where(CalendarRevision.id == 1))
    return revision or 0


def bump_revision(session) -> int:
    """Count one calendar change, inside the changing transaction (the row lock orders writers)."""
    now = clock.now()
    result = session.execute(update(CalendarRevision).where(CalendarRevision.id == 1)
                             .values(revision=CalendarRevision.revision + 1, changed_at=now))
    if result.rowcount == 0:
        session.add(CalendarRevision(id=1, revision=1, changed_at=now))
        session.flush()
    return current_revision()


def forget() -> None:
    """Drop this app's cached calendar (after a change commits, or when it rolled back)."""
    if has_app_context():
        current_app.extensions.pop(_EXTENSION, None)


@contextmanager
def pinned(calendar: WorkCalendar) -> Iterator[WorkCalendar]:
    """Compute with this calendar inside the block (this thread or task only)."""
    token = _pinned.set(calendar)
    try:
        yield calendar
    finally:
        _pinned.reset(token)


def _timezone() -> str:
    if has_app_context():
        return current_app.config.get("TIMEZONE", "Asia/Shanghai")
    return os.environ.get("WUYEFLOW_TIMEZONE", "Asia/Shanghai")


def _office_hours() -> tuple[clock_time, clock_time]:
    """`OFFICE_HOURS` config or `WUYEFLOW_OFFICE_HOURS`, as "HH:MM-HH:MM"."""
    text = current_app.config.get("OFFICE_HOURS") if has_app_context() else None
    text = text or os.environ.get("WUYEFLOW_OFFICE_HOURS") or DEFAULT_OFFICE_HOURS
    opening, closing = (clock_time.fromisoformat(part.strip()) for part in text.split("-", 1))
    return opening, closing


def expression_functions() -> dict:
    """now(), add_workdays(start, n), add_work_hours(start, h): the published expression functions."""
    return calendar_functions(work_calendar, clock.now)


PUBLISHED_FUNCTIONS = ("now", "add_workdays", "add_work_hours", "add_hours", "add_minutes")
