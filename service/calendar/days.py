"""Official Chinese working days (工作日) and deadlines in working days or office hours.

A day is decided by the first source that knows it: an override for the compound asked
about > a company override > an imported official schedule (``official=True``) >
``chinesecalendar`` (2004-2026 in 1.11.0) > the weekday rule for a year in
``official_years`` (its imported schedule lists every exception) > the ``holidays``
package (statutory holidays; make-up days only where it lists them) > the weekday rule.

A day is ``provisional`` when its year is covered by neither ``chinesecalendar``, nor
make-up days known to ``holidays``, nor ``official_years``: that year's 调休 is not yet
published or imported. A day decided by an override is never provisional.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from holidays import country_holidays

ONE_DAY = timedelta(days=1)
MAX_REST_RUN = 3660  # consecutive rest days before we stop looking for a working day
_FULL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
_CHINESE_NAMES = {h.value: _FULL_NAMES.get(h.chinese, h.chinese) for h in chinese_calendar.Holiday}


@dataclass(frozen=True)
class DayInfo:
    """What one calendar day is, and which source said so."""

    date: date
    working: bool
    reason: str  # weekday|weekend|holiday:国庆节|makeup_workday|override:公司年会
    provisional: bool
    source: str  # chinesecalendar|holidays|override|weekday-rule


@dataclass(frozen=True)
class DayOverride:
    """An administrator's decision for one date; ``compound=None``: company-wide."""

    date: date
    working: bool
    name: str
    compound: str | None = None
    official: bool = False  # imported State Council schedule (see schedule.py)


@dataclass(frozen=True)
class Deadline:
    """A due instant, aware in the calendar's time zone."""

    due: datetime
    provisional: bool


@cache
def _chinese_calendar_knows(year: int) -> bool:
    """Whether chinesecalendar ships the year (it raises NotImplementedError if not)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except Exception:
        return False
    return True


def _from_chinese_calendar(d: date) -> tuple[bool, str]:
    """Working flag and reason from chinesecalendar."""
    on_holiday, name = chinese_calendar.get_holiday_detail(d)
    if not on_holiday:
        return True, "makeup_workday" if d.weekday() >= 5 else "weekday"
    if not name:
        return False, "weekend"
    return False, f"holiday:{_CHINESE_NAMES.get(name, name)}"


@lru_cache(maxsize=512)
def _package_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Statutory days off and known make-up days of a year from ``holidays``."""
    try:  # next year too: its schedule may put a make-up day in this December
        table = country_holidays("CN", years=[year, year + 1], language="zh_CN")
        rest = {d: name for d, name in table.items() if d.year == year}
        makeup = frozenset(d for d in table.weekend_workdays if d.year == year)
    except Exception:
        return {}, frozenset()
    return rest, makeup


@lru_cache(maxsize=1 << 16)
def _published(d: date) -> tuple[bool, str, str]:
    """Working flag, reason and source from the packages or the weekday rule."""
    if _chinese_calendar_knows(d.year):
        return (*_from_chinese_calendar(d), "chinesecalendar")
    rest, makeup = _package_year(d.year)
    if d in makeup:
        return True, "makeup_workday", "holidays"
    if d in rest:
        return False, f"holiday:{rest[d]}", "holidays"
    return (*_by_weekday(d), "holidays" if rest or makeup else "weekday-rule")


def _by_weekday(d: date) -> tuple[bool, str]:
    """Working flag and reason from the weekday alone."""
    return (False, "weekend") if d.weekday() >= 5 else (True, "weekday")


def _from_override(override: DayOverride) -> DayInfo:
    """DayInfo for a date an override decides."""
    if not override.official:
        reason = f"override:{override.name}"
    elif not override.working:
        reason = f"holiday:{override.name}"
    else:
        reason = "makeup_workday" if override.date.weekday() >= 5 else "weekday"
    return DayInfo(override.date, override.working, reason, False, "override")


class WorkCalendar:
    """Working days and office hours (on working days only); overrides passed in."""

    def __init__(
        self,
        overrides: Iterable[DayOverride] = (),
        official_years: Iterable[int] = (),
        tz: str = "Asia/Shanghai",
        office_hours: tuple[time, time] = (time(8, 30), time(17, 0)),
    ) -> None:
        """Index the overrides; within a tier a later override for a date wins."""
        self.tz = ZoneInfo(tz)
        self.opening, self.closing = office_hours
        if not self.opening < self.closing:
            raise ValueError(f"office hours {self.opening}-{self.closing}: bad order")
        self.official_years = frozenset(official_years)
        self._compound: dict[tuple[str, date], DayOverride] = {}
        self._company: dict[date, DayOverride] = {}
        self._official: dict[date, DayOverride] = {}
        for o in overrides:
            if o.compound is not None:
                self._compound[(o.compound, o.date)] = o
            else:
                (self._official if o.official else self._company)[o.date] = o
        self._compounds = {compound for compound, _ in self._compound}
        self._cache: dict[tuple[date, str | None], DayInfo] = {}

    def day(self, d: date, compound: str | None = None) -> DayInfo:
        """What the date is (a datetime is read in the calendar's time zone)."""
        if isinstance(d, datetime):
            d = self.localize(d).date()
        if compound not in self._compounds:
            compound = None  # no overrides of its own: share the company-wide entries
        info = self._cache.get((d, compound))
        if info is None:
            info = self._cache[(d, compound)] = self._lookup(d, compound)
        return info

    def is_working_day(self, d: date, compound: str | None = None) -> bool:
        """Whether the date is a working day (see ``day``)."""
        return self.day(d, compound).working

    def days(self, from_: date, to: date, compound: str | None = None) -> list[DayInfo]:
        """Every day from ``from_`` to ``to``, both included."""
        if to < from_:
            raise ValueError(f"days: end {to} is before start {from_}")
        return [self.day(from_ + i * ONE_DAY, compound) for i in range((to - from_).days + 1)]

    def next_working_day(self, d: date, compound: str | None = None) -> date:
        """The first working day strictly after the date."""
        return self._next_working(d, compound)[0]

    def is_provisional(self, year: int) -> bool:
        """Whether the year's make-up working days are not known yet."""
        return not (_chinese_calendar_knows(year) or year in self.official_years or _package_year(year)[1])

    def _lookup(self, d: date, compound: str | None) -> DayInfo:
        """Decide a date by source precedence (see the module docstring)."""
        override = self._compound.get((compound, d)) if compound else None
        override = override or self._company.get(d) or self._official.get(d)
        if override is not None:
            return _from_override(override)
        provisional = self.is_provisional(d.year)
        if d.year in self.official_years and not _chinese_calendar_knows(d.year):
            return DayInfo(d, *_by_weekday(d), provisional, "weekday-rule")
        working, reason, source = _published(d)
        return DayInfo(d, working, reason, provisional, source)

    def _next_working(self, d: date, compound: str | None) -> tuple[date, bool]:
        """Next working day after d, and whether any day looked at was provisional."""
        provisional, after = False, d
        for _ in range(MAX_REST_RUN):
            d += ONE_DAY
            info = self.day(d, compound)
            provisional = provisional or info.provisional
            if info.working:
                return d, provisional
        raise ValueError(f"no working day within {MAX_REST_RUN} days after {after}")

    def localize(self, value: datetime) -> datetime:
        """Aware, in the calendar's zone; a naive datetime is read as local time."""
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=self.tz)
        return value.astimezone(self.tz)

    def add_workdays(self, start: datetime, n: int, compound: str | None = None) -> Deadline:
        """Same clock time on the n-th working day after start.

        A working-day start keeps its clock time, even outside office hours. A rest-day
        start counts as the opening of the next working day W: due n working days after
        W at opening time (n=0: W at opening).
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"add_workdays: n must be a whole number >= 0, got {n!r}")
        local = self.localize(start)
        first = self.day(local.date(), compound)
        d, clock, provisional, steps = local.date(), local.time(), first.provisional, n
        if not first.working:  # the first step lands on W, the next working day
            clock, steps = self.opening, n + 1
        for _ in range(steps):
            d, later_provisional = self._next_working(d, compound)
            provisional = provisional or later_provisional
        return Deadline(self._at(d, clock), provisional)

    def add_work_hours(self, start: datetime, hours: float, compound: str | None = None) -> Deadline:
        """Start plus office hours; a start outside them begins at the next opening."""
        if isinstance(hours, bool) or not isinstance(hours, int | float):
            raise ValueError(f"add_work_hours: hours must be a number, got {hours!r}")
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"add_work_hours: hours must be >= 0, got {hours!r}")
        remaining = timedelta(hours=hours)
        cursor, provisional = self._clock_in(self.localize(start), compound)
        while True:
            left_today = self._at(cursor.date(), self.closing) - cursor
            if remaining <= left_today:  # landing exactly on closing stays at closing
                return Deadline(cursor + remaining, provisional)
            remaining -= left_today
            d, later_provisional = self._next_working(cursor.date(), compound)
            cursor = self._at(d, self.opening)
            provisional = provisional or later_provisional

    def working_time_between(self, a: datetime, b: datetime, compound: str | None = None) -> timedelta:
        """Office time from a to b; negative (the same amount) when b is before a."""
        a, b = self.localize(a), self.localize(b)
        if b < a:
            return -self.working_time_between(b, a, compound)
        total, d = timedelta(), a.date()
        while d <= b.date():
            if self.day(d, compound).working:
                opened = max(a, self._at(d, self.opening))
                closed = min(b, self._at(d, self.closing))
                total += max(closed - opened, timedelta())
            d += ONE_DAY
        return total

    def _at(self, d: date, clock: time) -> datetime:
        """The instant of a local clock time on a date."""
        return datetime.combine(d, clock, tzinfo=self.tz)

    def _clock_in(self, local: datetime, compound: str | None) -> tuple[datetime, bool]:
        """The start itself while the office is open, else the next opening."""
        today = self.day(local.date(), compound)
        if today.working and local.time() < self.closing:
            return max(local, self._at(today.date, self.opening)), today.provisional
        d, later_provisional = self._next_working(today.date, compound)
        return self._at(d, self.opening), today.provisional or later_provisional
