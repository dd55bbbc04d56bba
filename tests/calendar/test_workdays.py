"""Working days, deadlines and office hours on the real 2026 Chinese calendar."""

import re
import time as clock_time
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.calendar import DayOverride, WorkCalendar, expression_functions

SHANGHAI = ZoneInfo("Asia/Shanghai")


def bj(*args: int) -> datetime:
    """An aware Beijing time."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


def test_weekends_and_weekdays(calendar):
    saturday, monday = calendar.day(date(2026, 3, 7)), calendar.day(date(2026, 3, 9))
    assert (saturday.working, saturday.reason) == (False, "weekend")
    assert (monday.working, monday.reason) == (True, "weekday")
    assert monday.source == "chinesecalendar" and not monday.provisional
    assert calendar.add_workdays(bj(2026, 3, 6, 16), 1).due == bj(2026, 3, 9, 16)


def test_national_day_week_and_its_makeup_days(calendar):
    for day in range(1, 8):
        info = calendar.day(date(2026, 10, day))
        assert (info.working, info.reason) == (False, "holiday:国庆节")
    assert calendar.is_working_day(date(2026, 10, 8))  # Thursday: the break is Oct 1-7
    for makeup in (date(2026, 9, 20), date(2026, 10, 10)):
        assert calendar.day(makeup).reason == "makeup_workday"
    assert calendar.day(date(2026, 9, 25)).reason == "holiday:中秋节"


def test_three_working_days_after_30_september_is_the_makeup_saturday(calendar):
    deadline = calendar.add_workdays(bj(2026, 9, 30, 10), 3)
    assert deadline.due == bj(2026, 10, 10, 10)
    assert deadline.due.isoformat() == "2026-10-10T10:00:00+08:00"
    assert deadline.provisional is False


def test_spring_festival_2026(calendar):
    for offset in range(9):  # 2026-02-15 (Sun) to 2026-02-23 (Mon)
        info = calendar.day(date(2026, 2, 15) + timedelta(days=offset))
        assert (info.working, info.reason) == (False, "holiday:春节")
    for saturday in (date(2026, 2, 14), date(2026, 2, 28)):
        assert calendar.day(saturday).working and saturday.weekday() == 5
    assert calendar.add_workdays(bj(2026, 2, 13, 10), 1).due == bj(2026, 2, 14, 10)
    assert calendar.add_workdays(bj(2026, 2, 14, 10), 1).due == bj(2026, 2, 24, 10)


def test_year_boundary_into_an_unpublished_year_is_provisional(calendar):
    # 2026-12-20 is a Sunday: the clock starts Monday 21 December at 8:30.
    deadline = calendar.add_workdays(bj(2026, 12, 20, 10), 15)
    assert deadline.due == bj(2027, 1, 12, 8, 30)  # 2027-01-01 off, then a weekend
    assert deadline.provisional is True
    new_year = calendar.day(date(2027, 1, 1))
    assert (new_year.working, new_year.reason) == (False, "holiday:元旦")
    assert new_year.source == "holidays" and new_year.provisional


def test_never_raises_between_1900_and_2200(calendar):
    for year in range(1900, 2201):
        assert isinstance(calendar.day(date(year, 2, 1)).working, bool)
    assert calendar.day(date(2150, 5, 1)).source == "weekday-rule"
    far = calendar.add_workdays(bj(2199, 12, 20, 9), 30)
    assert far.due.year == 2200 and far.provisional


def test_company_override_makes_a_weekday_a_holiday():
    party = DayOverride(date(2026, 3, 10), False, "公司年会")
    calendar = WorkCalendar([party])
    info = calendar.day(date(2026, 3, 10))
    assert (info.working, info.reason, info.source) == (False, "override:公司年会", "override")
    assert calendar.add_workdays(bj(2026, 3, 9, 10), 1).due == bj(2026, 3, 11, 10)


def test_compound_override_applies_only_to_its_compound():
    rest = DayOverride(date(2026, 3, 11), False, "停水检修", compound="紫都城")
    duty = DayOverride(date(2026, 3, 14), True, "业主开放日", compound="紫都城")
    calendar = WorkCalendar([rest, duty])
    assert not calendar.is_working_day(date(2026, 3, 11), "紫都城")
    assert calendar.is_working_day(date(2026, 3, 11))
    assert calendar.is_working_day(date(2026, 3, 11), "滨江苑")
    assert calendar.is_working_day(date(2026, 3, 14), "紫都城")
    assert not calendar.is_working_day(date(2026, 3, 14))
    start = bj(2026, 3, 10, 10)
    assert calendar.add_workdays(start, 1, "紫都城").due == bj(2026, 3, 12, 10)
    assert calendar.add_workdays(start, 1).due == bj(2026, 3, 11, 10)


def test_compound_override_beats_company_override():
    day = date(2026, 3, 10)
    calendar = WorkCalendar(
        [
            DayOverride(day, True, "值班", compound="紫都城"),
            DayOverride(day, False, "公司年会"),
        ]
    )
    assert calendar.is_working_day(day, "紫都城") and not calendar.is_working_day(day)


def test_start_on_a_rest_day_counts_from_the_next_opening(calendar):
    assert calendar.add_workdays(bj(2026, 3, 7, 15), 0).due == bj(2026, 3, 9, 8, 30)
    assert calendar.add_workdays(bj(2026, 3, 7, 15), 1).due == bj(2026, 3, 10, 8, 30)
    assert calendar.add_workdays(bj(2026, 3, 9, 22), 1).due == bj(2026, 3, 10, 22)
    assert calendar.add_workdays(bj(2026, 3, 9, 10), 0).due == bj(2026, 3, 9, 10)
    with pytest.raises(ValueError, match="n must be a whole number"):
        calendar.add_workdays(bj(2026, 3, 9, 10), -1)


def test_work_hours_across_night_and_national_day(calendar):
    # 2 h on 30 Sep (15:00-17:00), Oct 1-7 off, 2 h more on Thu 8 Oct from 8:30.
    deadline = calendar.add_work_hours(bj(2026, 9, 30, 15), 4)
    assert deadline.due == bj(2026, 10, 8, 10, 30) and not deadline.provisional
    assert calendar.add_work_hours(bj(2026, 3, 9, 16), 3).due == bj(2026, 3, 10, 10, 30)


def test_work_hours_edges(calendar):
    assert calendar.add_work_hours(bj(2026, 9, 30, 13), 4).due == bj(2026, 9, 30, 17)
    assert calendar.add_work_hours(bj(2026, 10, 8, 7), 1).due == bj(2026, 10, 8, 9, 30)
    assert calendar.add_work_hours(bj(2026, 10, 9, 17), 1).due == bj(2026, 10, 10, 9, 30)
    assert calendar.add_work_hours(bj(2026, 10, 9, 18), 0.5).due == bj(2026, 10, 10, 9)
    assert calendar.add_work_hours(bj(2026, 3, 9, 10), 0).due == bj(2026, 3, 9, 10)
    assert calendar.add_work_hours(bj(2026, 3, 9, 10), 17).due == bj(2026, 3, 11, 10)
    with pytest.raises(ValueError):
        calendar.add_work_hours(bj(2026, 3, 9, 10), -1)


def test_custom_office_hours():
    calendar = WorkCalendar(office_hours=(time(9), time(18)))
    assert calendar.add_work_hours(bj(2026, 3, 9, 17), 2).due == bj(2026, 3, 10, 10)
    assert calendar.add_workdays(bj(2026, 3, 8, 12), 0).due == bj(2026, 3, 9, 9)


def test_time_zones(calendar):
    utc = datetime(2026, 9, 30, 2, tzinfo=UTC)
    naive = datetime(2026, 9, 30, 10)
    for start in (utc, naive):
        due = calendar.add_workdays(start, 3).due
        assert due == bj(2026, 10, 10, 10)
        assert due.tzinfo == SHANGHAI and due.utcoffset() == timedelta(hours=8)
    # 17:00 UTC on 30 Sep is 01:00 on 1 Oct in Beijing: a holiday.
    late = calendar.add_workdays(datetime(2026, 9, 30, 17, tzinfo=UTC), 1)
    assert late.due == bj(2026, 10, 9, 8, 30)
    assert calendar.day(datetime(2026, 9, 30, 17, tzinfo=UTC)).date == date(2026, 10, 1)


def test_working_time_between(calendar):
    a, b = bj(2026, 9, 30, 15), bj(2026, 10, 8, 10, 30)
    assert calendar.working_time_between(a, b) == timedelta(hours=4)
    assert calendar.working_time_between(b, a) == -timedelta(hours=4)
    assert calendar.working_time_between(a, a) == timedelta()
    weekend = calendar.working_time_between(bj(2026, 3, 7, 9), bj(2026, 3, 8, 16))
    assert weekend == timedelta()
    night = calendar.working_time_between(bj(2026, 3, 9, 20), bj(2026, 3, 10, 9))
    assert night == timedelta(minutes=30)
    utc_start = datetime(2026, 3, 9, 1, tzinfo=UTC)  # 09:00 Beijing
    assert calendar.working_time_between(utc_start, bj(2026, 3, 9, 17)) == timedelta(hours=8)


def test_official_years_make_2027_firm():
    schedule = [
        DayOverride(date(2027, 1, 1), False, "元旦", official=True),
        DayOverride(date(2027, 1, 9), True, "元旦调休", official=True),  # test data
    ]
    start = bj(2026, 12, 20, 10)
    imported = WorkCalendar(schedule, official_years={2027})
    deadline = imported.add_workdays(start, 15)
    assert deadline.provisional is False
    assert deadline.due == bj(2027, 1, 11, 8, 30)  # the make-up Saturday counts
    assert imported.day(date(2027, 1, 1)).reason == "holiday:元旦"
    assert imported.day(date(2027, 1, 9)).reason == "makeup_workday"
    # Unlisted days follow the weekday rule, not the package's guessed observed days.
    guessed = imported.day(date(2027, 2, 9))
    assert guessed.working and guessed.source == "weekday-rule"
    assert not WorkCalendar().is_working_day(date(2027, 2, 9))
    # Overrides without the year marked official settle only their own dates.
    partial = WorkCalendar(schedule)
    assert not partial.day(date(2027, 1, 1)).provisional
    assert partial.day(date(2027, 1, 4)).provisional


def test_days_lists_inclusive_range(calendar):
    days = calendar.days(date(2026, 10, 1), date(2026, 10, 10))
    assert [d.working for d in days] == [False] * 7 + [True, True, True]
    assert [d.date.day for d in days] == list(range(1, 11))
    with pytest.raises(ValueError):
        calendar.days(date(2026, 10, 2), date(2026, 10, 1))


def test_add_workdays_over_a_year_is_fast(calendar):
    start = bj(2026, 1, 5, 10)
    calendar.add_workdays(start, 365)  # warm the cache
    began = clock_time.perf_counter()
    for _ in range(20):
        calendar.add_workdays(start, 365)
    assert (clock_time.perf_counter() - began) / 20 < 0.005


def test_expression_functions_return_iso_strings():
    calendar = WorkCalendar()
    functions = expression_functions(lambda: calendar, lambda: datetime(2026, 9, 30, 2, tzinfo=UTC))
    assert functions["now"]() == "2026-09-30T10:00:00+08:00"
    due = functions["add_workdays"]("2026-09-30T10:00:00+08:00", 3)
    assert due == "2026-10-10T10:00:00+08:00"
    assert datetime.fromisoformat(due) == bj(2026, 10, 10, 10)
    assert functions["add_workdays"]("2026-09-30T02:00:00Z", "3") == due
    assert functions["add_workdays"](bj(2026, 9, 30, 10), 3.0) == due
    hours = functions["add_work_hours"]("2026-09-30T15:00:00", 4)
    assert hours == "2026-10-08T10:30:00+08:00"
    assert functions["add_work_hours"]("2026-09-30T15:00:00+08:00", 0.5).endswith("15:30:00+08:00")


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        (
            "add_workdays",
            ("2026-13-01", 3),
            "add_workdays: start '2026-13-01' is not an ISO-8601 date-time",
        ),
        ("add_workdays", (None, 3), "add_workdays: start must be an ISO-8601"),
        ("add_workdays", ("2026-09-30T10:00", -1), "add_workdays: n must be"),
        ("add_workdays", ("2026-09-30T10:00", 1.5), "add_workdays: n must be"),
        ("add_workdays", ("2026-09-30T10:00", "three"), "add_workdays: n must be"),
        ("add_work_hours", ("tomorrow", 2), "add_work_hours: start 'tomorrow'"),
        ("add_work_hours", ("2026-09-30T10:00", -2), "add_work_hours: hours must"),
        ("add_work_hours", ("2026-09-30T10:00", "nan"), "add_work_hours: hours must"),
    ],
)
def test_expression_functions_reject_bad_input(name, args, message):
    functions = expression_functions(WorkCalendar, lambda: datetime.now(UTC))
    with pytest.raises(ValueError, match=re.escape(message)):
        functions[name](*args)


def test_clock_hour_functions_ignore_the_working_day_calendar():
    from datetime import UTC, datetime

    from service.calendar import WorkCalendar, expression_functions

    calendar = WorkCalendar()
    functions = expression_functions(lambda: calendar, lambda: datetime(2026, 10, 1, tzinfo=UTC))
    assert functions["add_hours"]("2026-09-30T22:00:00+08:00", 24) == "2026-10-01T22:00:00+08:00"
    assert functions["add_minutes"]("2026-10-01T09:50:00", 30) == "2026-10-01T10:20:00+08:00"
    with pytest.raises(ValueError, match="add_minutes"):
        functions["add_minutes"]("yesterday", 30)
