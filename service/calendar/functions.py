"""Calendar functions for BPMN expressions (timer dates, due dates, scripts).

Every function returns an ISO-8601 string with the calendar's UTC offset, for example
``2026-10-10T10:00:00+08:00``, which ``datetime.fromisoformat`` (and so SpiffWorkflow's
``timeDate``) reads back. Inputs are ISO-8601 strings or datetimes (naive = local time).
Bad input raises ValueError naming the function and the argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from .days import WorkCalendar

MAX_WORKDAYS = 10_000  # about 40 years: more is a typo in a process model, not a deadline
MAX_HOURS = 100_000.0


def expression_functions(
    calendar_provider: Callable[[], WorkCalendar], clock: Callable[[], datetime]
) -> dict[str, Callable[..., str]]:
    """``now``, ``add_workdays``, ``add_work_hours`` bound to a calendar and clock."""

    def now() -> str:
        """The clock's current instant."""
        return calendar_provider().localize(clock()).isoformat()

    def add_workdays(start: Any, n: Any, compound: str | None = None) -> str:
        """Same clock time n working days later (see WorkCalendar.add_workdays)."""
        when = _instant("add_workdays", start)
        count = _whole_number("add_workdays", "n", n)
        return calendar_provider().add_workdays(when, count, compound).due.isoformat()

    def add_work_hours(start: Any, h: Any, compound: str | None = None) -> str:
        """Start plus h office hours (see WorkCalendar.add_work_hours)."""
        when = _instant("add_work_hours", start)
        hours = _hours("add_work_hours", h)
        return calendar_provider().add_work_hours(when, hours, compound).due.isoformat()

    def add_hours(start: Any, h: Any) -> str:
        """Start plus h clock hours (day and night, holidays included): repair and on-site promises."""
        when = calendar_provider().localize(_instant("add_hours", start))
        return (when + timedelta(hours=_hours("add_hours", h))).isoformat()

    def add_minutes(start: Any, m: Any) -> str:
        """Start plus m clock minutes (e.g. an urgent repair on site within 30 minutes)."""
        when = calendar_provider().localize(_instant("add_minutes", start))
        return (when + timedelta(minutes=_hours("add_minutes", m))).isoformat()

    return {"now": now, "add_workdays": add_workdays, "add_work_hours": add_work_hours, "add_hours": add_hours,
            "add_minutes": add_minutes}


def _instant(function: str, value: Any) -> datetime:
    """A datetime from an ISO-8601 string, a datetime, or a date (its midnight)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise ValueError(f"{function}: start must be an ISO-8601 date-time string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{function}: start {value!r} is not an ISO-8601 date-time") from None


def _whole_number(function: str, name: str, value: Any) -> int:
    """A non-negative whole number from an int, a whole float or a numeric string."""
    number = _number(function, name, value)
    if not number.is_integer() or not 0 <= number <= MAX_WORKDAYS:
        raise ValueError(f"{function}: {name} must be a whole number 0-{MAX_WORKDAYS}, got {value!r}")
    return int(number)


def _hours(function: str, value: Any) -> float:
    """A non-negative number of hours."""
    number = _number(function, "hours", value)
    if not 0 <= number <= MAX_HOURS:
        raise ValueError(f"{function}: hours must be 0-{MAX_HOURS:g}, got {value!r}")
    return number


def _number(function: str, name: str, value: Any) -> float:
    """A finite float from an int, a float or a numeric string (form fields)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{function}: {name} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{function}: {name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{function}: {name} must be a finite number, got {value!r}")
    return number
