"""The working-day calendar the running service uses, and the functions it publishes to expressions."""

from __future__ import annotations

import os
from functools import lru_cache

from . import clock
from .calendar import WorkCalendar
from .calendar import expression_functions as calendar_functions


@lru_cache(maxsize=1)
def work_calendar() -> WorkCalendar:
    return WorkCalendar(tz=os.environ.get("WUYEFLOW_TIMEZONE", "Asia/Shanghai"))


def expression_functions() -> dict:
    """now(), add_workdays(start, n), add_work_hours(start, h): the published expression functions."""
    return calendar_functions(work_calendar, clock.now)


PUBLISHED_FUNCTIONS = ("now", "add_workdays", "add_work_hours")
