"""Timers fired by the scheduler with a controlled clock; messages; incidents."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from service.usecases.timers import fire_due
from tests.conftest import DATA

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
GOOD = {"resident_name": "张三", "phone": "13800138000", "category": "repair",
        "received_at": "2026-11-27T10:00:00+08:00"}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def repair_case(api, clock):
    api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form")
    case = api.start("core_flow").get_json()
    api.complete(case["tasks"][0]["id"], GOOD, as_="desk")
    return case


def _fire(app):
    with app.app_context():
        return fire_due()


def test_boundary_timer_fires_on_time_and_never_early(app, api, clock, repair_case):
    timers = api.instance(repair_case["id"])["timers"]
    assert [(t["element_id"], t["due_at"]) for t in timers] == [("repair_late", "2026-11-28T10:00:00+08:00")]
    clock.move_to(T0 + timedelta(hours=24) - timedelta(seconds=1))
    assert _fire(app) == 0
    assert [t["element_id"] for t in api.instance(repair_case["id"])["tasks"]] == ["repair"]
    clock.move_to(T0 + timedelta(hours=24, seconds=1))
    assert _fire(app) == 1
    view = api.instance(repair_case["id"])
    assert [t["element_id"] for t in view["tasks"]] == ["escalate"] and view["timers"] == []
    assert any(h["action"] == "timer_fired" and h["element_id"] == "repair_late" for h in view["history"])
    assert _fire(app) == 0


def test_completed_task_removes_its_timer(app, api, clock, repair_case):
    repair = api.task(repair_case["id"], "repair")
    assert api.complete(repair["id"], as_="eng").status_code == 200
    assert api.instance(repair_case["id"])["timers"] == []
    clock.move_to(T0 + timedelta(days=3))
    assert _fire(app) == 0


def test_message_reaches_waiting_instance(api, clock):
    api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form")
    case = api.start("core_flow").get_json()
    url = f"/api/v1/instances/{case['id']}/messages/withdraw"
    assert api.post(url, as_="desk", json={"data": {"reason": "已自行解决"}}).status_code == 409
    api.complete(case["tasks"][0]["id"], {**GOOD, "category": "other"}, as_="desk")
    resp = api.post(url, as_="desk", json={"data": {"reason": "已自行解决"}})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "completed" and body["tasks"] == []
    assert body["data"]["reason"] == "已自行解决"
    assert api.post(url, as_="desk", json={}).status_code == 409


def test_runtime_expression_error_is_an_incident_and_the_completion_stands(api, clock):
    xml = (DATA / "core_flow.bpmn").read_text().replace("category == 'repair'", "category == repair_kind")
    api.deploy(("core_flow.bpmn", xml.encode()), DATA / "register_form.form")
    case = api.start("core_flow").get_json()
    assert api.complete(case["tasks"][0]["id"], GOOD, as_="desk").status_code == 200
    view = api.instance(case["id"])
    assert view["status"] == "incident"
    assert view["incident"]["element_id"] == "route" and "repair_kind" in view["incident"]["message"]
    assert any(h["action"] == "task_completed" for h in view["history"])


def test_cancel(api, clock, repair_case):
    assert api.post(f"/api/v1/instances/{repair_case['id']}/cancel", as_="desk", json={}).status_code == 403
    resp = api.post(f"/api/v1/instances/{repair_case['id']}/cancel", as_="boss", json={"reason": "重复登记"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "cancelled" and body["tasks"] == [] and body["timers"] == []
