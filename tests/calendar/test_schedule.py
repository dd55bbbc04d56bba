"""Importing an official holiday schedule file."""

import json
import re
from datetime import date, timedelta

import chinese_calendar
import pytest

from service.calendar import (
    DATA_DIR,
    ScheduleError,
    WorkCalendar,
    load_schedule,
    parse_schedule,
)


def schedule(**changes):
    """A small valid 2027 schedule (test data, not the real notice), with changes."""
    data = {
        "year": 2027,
        "source": "测试用日程",
        "holidays": [
            {"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
            {"name": "清明节", "start": "2027-04-05"},
        ],
        "workdays": [{"date": "2027-01-09", "name": "元旦调休"}],
    }
    data.update(changes)
    return data


def test_bundled_2026_schedule_parses():
    parsed = load_schedule(DATA_DIR / "2026.json")
    assert parsed.year == 2026 and "2026" in parsed.source
    assert len(parsed.overrides) == 33 + 6
    assert all(o.official and o.compound is None for o in parsed.overrides)
    assert [o.date for o in parsed.overrides] == sorted(o.date for o in parsed.overrides)
    makeup = [o.date.isoformat() for o in parsed.overrides if o.working]
    assert makeup == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]


def test_bundled_2026_schedule_agrees_with_chinesecalendar_every_day():
    parsed = load_schedule(DATA_DIR / "2026.json")
    listed = {o.date: o.working for o in parsed.overrides}
    day = date(2026, 1, 1)
    while day.year == 2026:
        expected = chinese_calendar.is_workday(day)
        assert listed.get(day, day.weekday() < 5) == expected, day
        day += timedelta(days=1)


def test_parsed_schedule_drives_the_calendar():
    parsed = parse_schedule(json.dumps(schedule(), ensure_ascii=False))
    calendar = WorkCalendar(parsed.overrides, official_years={parsed.year})
    assert calendar.day(date(2027, 1, 2)).reason == "holiday:元旦"
    assert calendar.is_working_day(date(2027, 1, 9))
    assert not calendar.day(date(2027, 6, 1)).provisional


def test_december_of_the_previous_year_is_accepted():
    data = schedule(workdays=[{"date": "2026-12-26", "name": "元旦调休"}])
    assert parse_schedule(data).overrides[0].date == date(2026, 12, 26)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"workdays": [{"date": "2026-10-10", "name": "国庆节调休"}]},
            "workdays[0] (国庆节调休): date 2026-10-10 is outside 2027",
        ),
        (
            {"holidays": [{"name": "春节", "start": "2027-02-30"}]},
            "holidays[0] (春节): start '2027-02-30' is not a valid date",
        ),
        (
            {"holidays": [{"name": "春节", "start": "2027/02/06"}]},
            "holidays[0] (春节): start '2027/02/06' is not a YYYY-MM-DD date",
        ),
        (
            {
                "holidays": [
                    {"name": "元旦", "start": "2027-01-01"},
                    {"name": "国庆节", "start": "2027-10-07", "end": "2027-10-01"},
                ]
            },
            "holidays[1] (国庆节): end 2027-10-01 is before start 2027-10-07",
        ),
        (
            {"workdays": [{"date": "2027-01-02", "name": "元旦调休"}]},
            "2027-01-02 is both a holiday and a workday: holidays[0] (元旦) and workdays[0] (元旦调休)",
        ),
        (
            {
                "holidays": [
                    {"name": "中秋节", "start": "2027-09-15", "end": "2027-10-01"},
                    {"name": "国庆节", "start": "2027-10-01", "end": "2027-10-07"},
                ]
            },
            "2027-10-01 is listed twice: holidays[0] (中秋节) and holidays[1] (国庆节)",
        ),
        (
            {"holidays": [{"name": "元旦", "start": "2027-01-01", "ends": "x"}]},
            "holidays[0] (元旦): unknown key(s) ends",
        ),
        ({"holidays": [{"name": "元旦"}]}, "holidays[0] (元旦): missing key(s) start"),
        ({"holidays": [{"start": "2027-01-01"}]}, "holidays[0]: name must be"),
        ({"holidays": []}, "holidays: the schedule lists no day off"),
        ({"workdays": {"date": "2027-01-09"}}, "workdays: expected a list"),
        ({"year": "2027"}, "year: expected a whole number 1900-2200"),
        ({"source": ""}, "source: must be a non-empty string"),
        ({"holiday": []}, "schedule: unknown key(s) holiday"),
    ],
)
def test_validation_names_the_bad_entry(changes, message):
    with pytest.raises(ScheduleError, match=re.escape(message)):
        parse_schedule(schedule(**changes))


def test_bad_json_and_bad_file(tmp_path):
    with pytest.raises(ScheduleError, match="not valid JSON"):
        parse_schedule('{"year": 2027,')
    with pytest.raises(ScheduleError, match="must be a JSON object"):
        parse_schedule("[]")
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(schedule(year=1800)), encoding="utf-8")
    with pytest.raises(ScheduleError, match=re.escape(f"{path}: year")):
        load_schedule(path)
    with pytest.raises(ScheduleError, match="cannot read"):
        load_schedule(tmp_path / "missing.json")
