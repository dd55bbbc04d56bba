"""Deadlines end to end: provisional due times recomputed by an import, SLA records met and breached."""

from datetime import timedelta

import pytest

from tests.calendar_api.conftest import HERE, SCHEDULE_2027, bj, fire


@pytest.fixture
def deployed(api):
    assert api.deploy(HERE / "complaint_sla.bpmn").status_code == 201


def start_case(api, accepted_at: str) -> dict:
    case = api.start("complaint_sla").get_json()
    register = api.task(case["id"], "register")
    assert api.complete(register["id"], {"accepted_at": accepted_at}).status_code == 200
    return api.instance(case["id"])


def test_import_moves_a_provisional_deadline_and_history_says_so(app, api, deployed, travel):
    travel(bj(2026, 12, 20, 10))
    case = start_case(api, "2026-12-20T10:00:00+08:00")
    ack = api.task(case["id"], "acknowledge")
    assert ack["due_at"] == "2026-12-22T08:30:00+08:00"  # Sunday: counts from Monday's opening
    assert api.complete(ack["id"]).status_code == 200
    timers = api.instance(case["id"])["timers"]
    assert [(t["element_id"], t["due_at"]) for t in timers] == [("resolve_late", "2027-01-12T08:30:00+08:00")]

    resp = api.post("/api/v1/calendar/schedules", as_="admin", json=SCHEDULE_2027)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json() == {"year": 2027, "days": 14, "recomputed": 1}

    view = api.instance(case["id"])
    assert [t["due_at"] for t in view["timers"]] == ["2027-01-13T08:30:00+08:00"]  # 4 January is now off
    entry = next(h for h in view["history"] if h["action"] == "deadline_recomputed")
    assert entry["element_id"] == "resolve_late" and entry["actor"] == "admin"
    assert entry["data"]["old_due"] == "2027-01-12T08:30:00+08:00"
    assert entry["data"]["new_due"] == "2027-01-13T08:30:00+08:00"
    assert entry["data"]["provisional"] is False and "2027" in entry["data"]["reason"]
    sla = {r["commitment"]: r for r in api.get(f"/api/v1/instances/{case['id']}/sla", as_="admin")
           .get_json()["items"]}
    assert sla["resolve"]["due_at"] == "2027-01-13T08:30:00+08:00" and sla["resolve"]["provisional"] is False

    # The recomputed timer fires at its new time, not at the old one.
    travel(bj(2027, 1, 12, 8, 31))
    assert fire(app) == 0
    travel(bj(2027, 1, 13, 8, 30, 1))
    assert fire(app) == 1
    assert [t["element_id"] for t in api.instance(case["id"])["tasks"]] == ["escalate"]

    # A second import of the same year finds nothing provisional left.
    assert api.post("/api/v1/calendar/schedules", as_="admin", json=SCHEDULE_2027).get_json()["recomputed"] == 0


def test_firm_deadlines_are_not_recomputed(api, deployed, travel):
    travel(bj(2026, 11, 2, 10))
    case = start_case(api, "2026-11-02T10:00:00+08:00")
    api.complete(api.task(case["id"], "acknowledge")["id"])
    assert [t["due_at"] for t in api.instance(case["id"])["timers"]] == ["2026-11-23T10:00:00+08:00"]
    resp = api.post("/api/v1/calendar/schedules", as_="admin", json=SCHEDULE_2027)
    assert resp.get_json()["recomputed"] == 0
    assert not any(h["action"] == "deadline_recomputed" for h in api.instance(case["id"])["history"])


def test_company_override_in_the_database_moves_new_deadlines(api, deployed, travel):
    travel(bj(2026, 11, 2, 9))
    resp = api.post("/api/v1/calendar/overrides", as_="admin",
                    json={"date": "2026-11-03", "working": False, "name": "公司年会"})
    assert resp.status_code == 201, resp.get_json()
    case = start_case(api, "2026-11-02T10:00:00+08:00")
    assert api.task(case["id"], "acknowledge")["due_at"] == "2026-11-04T10:00:00+08:00"


def sla_of(api, case_id: int) -> dict:
    return {r["commitment"]: r for r in api.get(f"/api/v1/instances/{case_id}/sla", as_="admin").get_json()["items"]}


def test_sla_met(app, api, deployed, travel):
    clock = travel(bj(2026, 11, 2, 10))  # Monday
    case = start_case(api, "2026-11-02T10:00:00+08:00")
    clock.move_to(bj(2026, 11, 2, 15))
    api.complete(api.task(case["id"], "acknowledge")["id"])
    clock.move_to(bj(2026, 11, 4, 11))
    assert api.complete(api.task(case["id"], "resolve")["id"], as_="eng").status_code == 200
    records = sla_of(api, case["id"])
    ack, resolve = records["acknowledge"], records["resolve"]
    assert (ack["kind"], ack["met"], ack["due_at"]) == ("task", True, "2026-11-03T10:00:00+08:00")
    assert ack["working_seconds"] == 5 * 3600
    assert (resolve["kind"], resolve["met"], resolve["due_at"]) == ("timer", True, "2026-11-23T10:00:00+08:00")
    assert resolve["started_at"] == "2026-11-02T15:00:00+08:00"
    # Monday 15:00-17:00, Tuesday 8:30-17:00, Wednesday 8:30-11:00
    assert resolve["working_seconds"] == int((2 + 8.5 + 2.5) * 3600)
    assert resolve["completed_at"] == "2026-11-04T11:00:00+08:00" and resolve["paused_seconds"] == 0
    assert fire(app) == 0


def test_sla_breached_when_the_timer_fires(app, api, deployed, travel):
    clock = travel(bj(2026, 11, 2, 10))
    case = start_case(api, "2026-11-02T10:00:00+08:00")
    clock.move_to(bj(2026, 11, 3, 10, 30))  # half an hour after the acknowledge due time
    api.complete(api.task(case["id"], "acknowledge")["id"])
    clock.move_to(bj(2026, 11, 23, 10) - timedelta(seconds=1))
    assert fire(app) == 0
    assert sla_of(api, case["id"])["resolve"]["completed_at"] is None
    clock.move_to(bj(2026, 11, 23, 10, 0, 1))
    assert fire(app) == 1
    records = sla_of(api, case["id"])
    assert records["acknowledge"]["met"] is False
    resolve = records["resolve"]
    assert resolve["met"] is False and resolve["completed_at"] == "2026-11-23T10:00:01+08:00"
    assert [t["element_id"] for t in api.instance(case["id"])["tasks"]] == ["escalate"]


def test_cancelled_case_closes_its_records_uncounted(api, deployed, travel):
    travel(bj(2026, 11, 2, 10))
    case = start_case(api, "2026-11-02T10:00:00+08:00")
    assert api.post(f"/api/v1/instances/{case['id']}/cancel", as_="boss", json={}).status_code == 200
    ack = sla_of(api, case["id"])["acknowledge"]
    assert ack["met"] is None and ack["completed_at"] is not None
