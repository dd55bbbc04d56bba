"""Fixtures for the calendar and deadline tests: a controlled clock, the test processes, a 2027 schedule."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from service.usecases.timers import fire_due

HERE = Path(__file__).resolve().parent / "data"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# A made-up 2027 notice: the 元旦 break runs Friday 1 to Monday 4 January, with no make-up day.
SCHEDULE_2027 = {
    "year": 2027,
    "source": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
    "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-04"},
                 {"name": "春节", "start": "2027-02-06", "end": "2027-02-14"}],
    "workdays": [{"date": "2027-02-20", "name": "春节调休"}],
}


def bj(*args: int) -> datetime:
    """An aware Beijing time."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def schedule_file(tmp_path) -> Path:
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def travel():
    """Call travel(start) once to freeze the clock there; move it with .move_to()."""
    travellers = []

    def start(when: datetime):
        traveller = time_machine.travel(when, tick=False)
        travellers.append(traveller)
        return traveller.start()

    yield start
    for traveller in reversed(travellers):
        traveller.stop()


def fire(app) -> int:
    """One scheduler pass, as `wuyeflow scheduler --once` does."""
    with app.app_context():
        return fire_due()
