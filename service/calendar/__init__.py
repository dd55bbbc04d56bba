"""Official Chinese working-day calendar (工作日): pure, no Flask, no database."""

from .days import DayInfo, DayOverride, Deadline, WorkCalendar
from .functions import expression_functions
from .schedule import (
    DATA_DIR,
    OfficialSchedule,
    ScheduleError,
    load_schedule,
    parse_schedule,
)

__all__ = [
    "DATA_DIR",
    "DayInfo",
    "DayOverride",
    "Deadline",
    "OfficialSchedule",
    "ScheduleError",
    "WorkCalendar",
    "expression_functions",
    "load_schedule",
    "parse_schedule",
]
