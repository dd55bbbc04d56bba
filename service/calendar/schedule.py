"""Official holiday schedule files, one per year, for ``wuyeflow calendar import FILE``.

Each November or December the General Office of the State Council publishes the next
year's holidays and make-up working days (调休); an administrator types them into a
UTF-8 JSON file::

    {
      "year": 2027,
      "source": "国务院办公厅关于2027年部分节假日安排的通知",
      "url": "https://www.gov.cn/...",
      "holidays": [
        {"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
        {"name": "清明节", "start": "2027-04-05"}
      ],
      "workdays": [
        {"date": "2027-02-07", "name": "春节调休"}
      ]
    }

- ``year`` (1900-2200) and ``source`` (the notice's title) are required; ``url`` is
  optional.
- ``holidays``: the days off, ``start`` to ``end`` inclusive (``end`` defaults to
  ``start``); list whole breaks, weekends included, so each day's reason names the
  festival. At least one entry.
- ``workdays``: the make-up working days (usually a Saturday or Sunday); may be empty.
- Dates are ``YYYY-MM-DD`` inside ``year``; December of the previous year is accepted
  too, as a notice sometimes starts the 元旦 break or a make-up day there (2008 did).
- A date may appear only once; unknown keys are rejected, so a typo cannot drop data.

The result is a list of ``DayOverride(official=True)``. The importer stores them and
adds the year to ``WorkCalendar(official_years=...)``: unlisted days of that year then
follow the weekday rule. ``data/2026.json`` is the real 2026 schedule in this format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from os import PathLike
from pathlib import Path
from typing import Any

from .days import DayOverride

DATA_DIR = Path(__file__).parent / "data"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TOP_KEYS = {"year", "source", "url", "holidays", "workdays"}
_HOLIDAY_KEYS = {"name", "start", "end"}
_WORKDAY_KEYS = {"name", "date"}


class ScheduleError(ValueError):
    """A schedule file that cannot be imported; the message names the bad entry."""


@dataclass(frozen=True)
class OfficialSchedule:
    """One year's official schedule, ready to store as overrides."""

    year: int
    source: str
    overrides: tuple[DayOverride, ...]
    url: str | None = None


def load_schedule(path: str | PathLike[str]) -> OfficialSchedule:
    """Read and validate a schedule file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScheduleError(f"{path}: cannot read: {error}") from error
    try:
        return parse_schedule(text)
    except ScheduleError as error:
        raise ScheduleError(f"{path}: {error}") from error


def parse_schedule(data: Mapping[str, Any] | str | bytes) -> OfficialSchedule:
    """Validate a schedule (JSON text or decoded object); turn it into overrides."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise ScheduleError(f"not valid JSON: {error}") from error
    if not isinstance(data, Mapping):
        raise ScheduleError("the schedule must be a JSON object")
    _check_keys("schedule", data, _TOP_KEYS, required={"year", "source", "holidays"})
    year = data["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        raise ScheduleError(f"year: expected a whole number 1900-2200, got {year!r}")
    source = _text("source", data["source"])
    url = None if data.get("url") is None else _text("url", data["url"])
    seen: dict[date, str] = {}
    overrides = [
        *_holiday_days(year, _entries("holidays", data["holidays"]), seen),
        *_make_up_days(year, _entries("workdays", data.get("workdays", [])), seen),
    ]
    if not any(not override.working for override in overrides):
        raise ScheduleError("holidays: the schedule lists no day off")
    return OfficialSchedule(year, source, tuple(sorted(overrides, key=_by_date)), url)


def _by_date(override: DayOverride) -> date:
    """Sort key."""
    return override.date


def _holiday_days(year: int, entries: list[Mapping[str, Any]], seen: dict[date, str]) -> list[DayOverride]:
    """Overrides for every day of every holiday range."""
    days = []
    for index, entry in enumerate(entries):
        label = _label("holidays", index, entry)
        _check_keys(label, entry, _HOLIDAY_KEYS, required={"name", "start"})
        start = _day(label, "start", entry["start"], year)
        end = _day(label, "end", entry.get("end", entry["start"]), year)
        if end < start:
            raise ScheduleError(f"{label}: end {end} is before start {start}")
        for offset in range((end - start).days + 1):
            d = start + timedelta(days=offset)
            _claim(seen, d, label)
            days.append(DayOverride(d, False, entry["name"].strip(), None, official=True))
    return days


def _make_up_days(year: int, entries: list[Mapping[str, Any]], seen: dict[date, str]) -> list[DayOverride]:
    """Overrides for the make-up working days."""
    days = []
    for index, entry in enumerate(entries):
        label = _label("workdays", index, entry)
        _check_keys(label, entry, _WORKDAY_KEYS, required={"name", "date"})
        d = _day(label, "date", entry["date"], year)
        _claim(seen, d, label)
        days.append(DayOverride(d, True, entry["name"].strip(), None, official=True))
    return days


def _entries(key: str, value: Any) -> list[Mapping[str, Any]]:
    """A list of JSON objects."""
    if not isinstance(value, list):
        raise ScheduleError(f"{key}: expected a list, got {type(value).__name__}")
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise ScheduleError(f"{key}[{index}]: expected an object, got {entry!r}")
    return value


def _label(key: str, index: int, entry: Mapping[str, Any]) -> str:
    """An entry's name in errors, ``holidays[3] (国庆节)``; checks the name too."""
    label = f"{key}[{index}]"
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScheduleError(f"{label}: name must be a non-empty string, got {name!r}")
    return f"{label} ({name})"


def _check_keys(label: str, entry: Mapping[str, Any], allowed: set[str], required: set[str]) -> None:
    """Reject unknown and missing keys."""
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ScheduleError(f"{label}: unknown key(s) {', '.join(unknown)}")
    missing = sorted(required - set(entry))
    if missing:
        raise ScheduleError(f"{label}: missing key(s) {', '.join(missing)}")


def _text(key: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ScheduleError(f"{key}: must be a non-empty string, got {value!r}")
    return value.strip()


def _day(label: str, key: str, value: Any, year: int) -> date:
    """A YYYY-MM-DD date belonging to the schedule's year."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ScheduleError(f"{label}: {key} {value!r} is not a YYYY-MM-DD date")
    try:
        d = date.fromisoformat(value)
    except ValueError as error:
        raise ScheduleError(f"{label}: {key} {value!r} is not a valid date ({error})") from None
    if not date(year - 1, 12, 1) <= d <= date(year, 12, 31):
        raise ScheduleError(f"{label}: {key} {d} is outside {year}")
    return d


def _claim(seen: dict[date, str], d: date, label: str) -> None:
    """Record that an entry lists the date; a date listed twice is an error."""
    if d in seen:
        same_list = seen[d].split("[")[0] == label.split("[")[0]
        both = "listed twice" if same_list else "both a holiday and a workday"
        raise ScheduleError(f"{d} is {both}: {seen[d]} and {label}")
    seen[d] = label
