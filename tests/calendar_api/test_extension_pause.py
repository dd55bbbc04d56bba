"""Extension (延期) of a pending deadline, and the SLA clock paused while the case waits for the resident."""

from datetime import timedelta

import pytest

from service.calendar import WorkCalendar
from service.usecases.sla import working_seconds
from tests.calendar_api.conftest import HERE, bj, fire


@pytest.fixture
def waiting_case(api, travel):
    """A complaint whose 15-working-day resolve timer waits (due 2026-11-23 10:00)."""
    clock = travel(bj(2026, 11, 2, 10))
    assert api.deploy(HERE / "complaint_sla.bpmn").status_code == 201
    case = api.start("complaint_sla").get_json()
    api.complete(api.task(case["id"], "register")["id"], {"accepted_at": "2026-11-02T10:00:00+08:00"})
    api.complete(api.task(case["id"], "acknowledge")["id"])
    return case, clock


def extend(api, case_id: int, body: dict, as_: str = "boss", element: str = "resolve_late"):
    return api.post(f"/api/v1/instances/{case_id}/deadlines/{element}/extend", as_=as_, json=body)


def test_extension_moves_the_timer_and_it_fires_then_not_before(app, api, waiting_case):
    case, clock = waiting_case
    body = {"new_due": "2026-11-30T17:00:00+08:00", "reason": "需等待开发商提供维修配件"}
    resp = extend(api, case["id"], body)
    assert resp.status_code == 200, resp.get_json()
    view = resp.get_json()
    assert [t["due_at"] for t in view["timers"]] == ["2026-11-30T17:00:00+08:00"]
    extension = view["data"]["extension"]
    assert extension["reason"] == "需等待开发商提供维修配件" and extension["new_due"] == "2026-11-30T17:00:00+08:00"
    assert extension["previous_due"] == "2026-11-23T10:00:00+08:00" and extension["by"] == "boss"
    entry = next(h for h in view["history"] if h["action"] == "deadline_extended")
    assert (entry["actor"], entry["element_id"], entry["data"]["reason"]) == ("boss", "resolve_late", body["reason"])
    records = api.get(f"/api/v1/instances/{case['id']}/sla", as_="boss").get_json()["items"]
    resolve = next(r for r in records if r["commitment"] == "resolve")
    assert resolve["extended"] is True and resolve["due_at"] == "2026-11-30T17:00:00+08:00"

    clock.move_to(bj(2026, 11, 23, 10, 0, 1))  # the old due time passes quietly
    assert fire(app) == 0
    clock.move_to(bj(2026, 11, 30, 17) - timedelta(seconds=1))
    assert fire(app) == 0
    clock.move_to(bj(2026, 11, 30, 17, 0, 1))
    assert fire(app) == 1
    view = api.instance(case["id"])
    assert [t["element_id"] for t in view["tasks"]] == ["escalate"]
    # The "tell the resident" step receives the extension with the case data.
    api.complete(api.task(case["id"], "escalate")["id"], as_="boss")
    tell = api.get(f"/api/v1/tasks/{api.task(case['id'], 'tell')['id']}", as_="desk").get_json()
    assert tell["instance_data"]["extension"]["reason"] == body["reason"]


def test_extension_of_a_task_due_date(api, travel):
    travel(bj(2026, 11, 2, 10))
    api.deploy(HERE / "complaint_sla.bpmn")
    case = api.start("complaint_sla").get_json()
    api.complete(api.task(case["id"], "register")["id"], {"accepted_at": "2026-11-02T10:00:00+08:00"})
    resp = extend(api, case["id"], {"new_due": "2026-11-05T10:00:00", "reason": "业户出差"}, element="acknowledge")
    assert resp.status_code == 200, resp.get_json()
    assert api.task(case["id"], "acknowledge")["due_at"] == "2026-11-05T10:00:00+08:00"  # naive: Beijing time


def test_extension_is_refused_with_reasons(api, waiting_case):
    case, _ = waiting_case
    good = {"new_due": "2026-11-30T17:00:00+08:00", "reason": "配件未到"}
    assert extend(api, case["id"], good, as_="desk").status_code == 403
    api.user("boss_b", "manager", compounds=["b-garden"])
    assert extend(api, case["id"], good, as_="boss_b").status_code == 403
    missing = extend(api, case["id"], {"new_due": good["new_due"]})
    assert missing.status_code == 422 and "reason" in str(missing.get_json()["errors"])
    blank = extend(api, case["id"], {**good, "reason": "  "})
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]
    earlier = extend(api, case["id"], {**good, "new_due": "2026-11-20T10:00:00+08:00"})
    assert earlier.status_code == 422 and "new_due" in earlier.get_json()["errors"]
    past = extend(api, case["id"], {**good, "new_due": "2026-11-01T10:00:00+08:00"})
    assert past.status_code == 422 and "new_due" in past.get_json()["errors"]
    garbage = extend(api, case["id"], {**good, "new_due": "next week"})
    assert garbage.status_code == 422 and "new_due" in str(garbage.get_json()["errors"])
    assert extend(api, case["id"], good, element="nope").status_code == 404
    assert extend(api, 999, good).status_code == 404
    assert not any(h["action"] == "deadline_extended" for h in api.instance(case["id"])["history"])


def test_working_time_excludes_paused_intervals():
    calendar = WorkCalendar()
    start, end = bj(2026, 9, 29, 9), bj(2026, 10, 9, 12)  # Tue 9:00 .. Fri 9 Oct 12:00, National Day between
    assert working_seconds(calendar, start, end) == int((8 + 8.5 + 8.5 + 3.5) * 3600)
    pause = [(bj(2026, 9, 30, 16), bj(2026, 10, 8, 10))]  # 1 h on the 30th + 1.5 h on the 8th
    assert working_seconds(calendar, start, end, pause) == int((8 + 8.5 + 8.5 + 3.5 - 2.5) * 3600)
    night = [(bj(2026, 9, 29, 18), bj(2026, 9, 30, 8))]  # outside office hours: costs nothing
    assert working_seconds(calendar, start, end, night) == working_seconds(calendar, start, end)
    beyond = [(bj(2026, 10, 9, 11), bj(2026, 10, 12, 9))]  # clipped to the interval
    assert working_seconds(calendar, start, end, beyond) == int((8 + 8.5 + 8.5 + 2.5) * 3600)


def test_pause_stops_the_clock_and_pushes_the_deadline(app, api, travel):
    clock = travel(bj(2026, 11, 2, 10))  # Monday
    assert api.deploy(HERE / "repair_pause.bpmn").status_code == 201
    case = api.start("repair_pause").get_json()
    api.complete(api.task(case["id"], "register")["id"], {"accepted_at": "2026-11-02T10:00:00+08:00"})
    assert [t["due_at"] for t in api.instance(case["id"])["timers"]] == ["2026-11-05T10:00:00+08:00"]
    clock.move_to(bj(2026, 11, 2, 14))
    api.complete(api.task(case["id"], "investigate")["id"], as_="eng")  # now waiting for the resident
    record = api.get(f"/api/v1/instances/{case['id']}/sla", as_="admin").get_json()["items"][0]
    assert record["commitment"] == "initial_solution" and record["paused"] is True
    assert any(h["action"] == "sla_paused" for h in api.instance(case["id"])["history"])

    clock.move_to(bj(2026, 11, 3, 16))  # resident answers next day: paused Mon 14-17 + Tue 8:30-16 = 10.5 h
    api.complete(api.task(case["id"], "wait_resident")["id"], as_="eng")
    view = api.instance(case["id"])
    # Thu 10:00 + 10.5 office hours: 7 h on Thursday, 3.5 h on Friday from 8:30
    assert [t["due_at"] for t in view["timers"]] == ["2026-11-06T12:00:00+08:00"]
    assert next(h for h in view["history"] if h["action"] == "sla_resumed")["data"]["due"] == {
        "handle_late": "2026-11-06T12:00:00+08:00"}
    record = api.get(f"/api/v1/instances/{case['id']}/sla", as_="admin").get_json()["items"][0]
    assert record["paused"] is False and record["paused_seconds"] == int(10.5 * 3600)

    clock.move_to(bj(2026, 11, 5, 10, 0, 1))  # the original due time: the clock was stopped, no escalation
    assert fire(app) == 0
    clock.move_to(bj(2026, 11, 6, 11))
    api.complete(api.task(case["id"], "propose")["id"], as_="eng")
    record = api.get(f"/api/v1/instances/{case['id']}/sla", as_="admin").get_json()["items"][0]
    assert record["met"] is True
    # Mon 10-17, Tue, Wed, Thu 8:30-17, Fri 8:30-11 = 7 + 3 * 8.5 + 2.5 = 35 h, minus 10.5 h paused
    assert record["working_seconds"] == int((35 - 10.5) * 3600)
    assert api.instance(case["id"])["status"] == "completed"
