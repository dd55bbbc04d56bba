"""Working tasks through the API: visibility, claiming, validation, conflicts, paging."""

import threading

import pytest

from tests.conftest import DATA

GOOD = {"resident_name": "张三", "phone": "13800138000", "category": "repair",
        "received_at": "2026-11-27T10:00:00+08:00"}


@pytest.fixture
def case(api):
    assert api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form").status_code == 201
    return api.start("core_flow").get_json()


def test_group_sees_task_other_department_does_not(api, case):
    task_id = case["tasks"][0]["id"]
    assert [t["id"] for t in api.get("/api/v1/tasks", as_="desk").get_json()["items"]] == [task_id]
    assert api.get("/api/v1/tasks", as_="eng").get_json()["items"] == []
    assert api.get("/api/v1/tasks?group=客服部", as_="eng").status_code == 403
    assert api.get(f"/api/v1/tasks/{task_id}", as_="eng").status_code == 403
    assert api.complete(task_id, GOOD, as_="eng").status_code == 403
    assert api.get("/api/v1/tasks/00000000-0000-0000-0000-000000000000", as_="desk").status_code == 404
    detail = api.get(f"/api/v1/tasks/{task_id}", as_="desk").get_json()
    assert detail["form"]["id"] == "register_form" and detail["group"] == "客服部"


def test_managers_see_all_tasks_of_their_compound_but_cannot_complete_others(api, case):
    task_id = case["tasks"][0]["id"]
    assert [t["id"] for t in api.get("/api/v1/tasks", as_="boss").get_json()["items"]] == [task_id]
    assert api.complete(task_id, GOOD, as_="boss").status_code == 403


def test_invalid_data_is_refused_and_changes_nothing(api, case):
    task_id = case["tasks"][0]["id"]
    resp = api.complete(task_id, {**GOOD, "phone": "12345", "extra": 1}, as_="desk")
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert "phone" in errors and "extra" in errors
    view = api.instance(case["id"])
    assert [t["id"] for t in view["tasks"]] == [task_id] and "phone" not in view["data"]


def test_claim_unclaim_and_conflicts(api, case):
    task_id = case["tasks"][0]["id"]
    claimed = api.post(f"/api/v1/tasks/{task_id}/claim", as_="desk")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "desk"
    assert api.post(f"/api/v1/tasks/{task_id}/claim", as_="desk2").status_code == 409
    assert api.complete(task_id, GOOD, as_="desk2").status_code == 409
    mine = api.get("/api/v1/tasks?assignee=me", as_="desk").get_json()["items"]
    assert [t["id"] for t in mine] == [task_id]
    assert api.post(f"/api/v1/tasks/{task_id}/unclaim", as_="desk").get_json()["assignee"] is None
    assert api.complete(task_id, GOOD, as_="desk2").status_code == 200
    assert api.complete(task_id, GOOD, as_="desk2").status_code == 409
    assert api.post(f"/api/v1/tasks/{task_id}/claim", as_="desk").status_code == 409


def test_history_records_who_did_what(api, case):
    api.complete(case["tasks"][0]["id"], GOOD, as_="desk")
    history = api.instance(case["id"])["history"]
    actions = [(h["actor"], h["action"], h["element_id"]) for h in history]
    assert actions[0] == ("desk", "started", None) and history[0]["data"]["version"] == 1
    assert ("desk", "task_completed", "register") in actions
    completed = next(h for h in history if h["action"] == "task_completed")
    assert completed["data"]["phone"] == "13800138000" and completed["at"].endswith("+08:00")


def test_due_date_expression_sets_task_due_time(api, case):
    api.complete(case["tasks"][0]["id"], GOOD, as_="desk")
    repair = api.task(case["id"], "repair")
    assert repair["group"] == "工程部"
    assert repair["due_at"] == "2026-11-27T14:00:00+08:00"  # 4 office hours after 10:00


def test_concurrent_completion_exactly_one_wins(app, api, case):
    task_id = case["tasks"][0]["id"]
    headers = {u: api.headers(u) for u in ("desk", "desk2")}
    results = []

    def attempt(user):
        with app.test_client() as client:
            resp = client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers[user], json={"data": GOOD})
            results.append(resp.status_code)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in ("desk", "desk2", "desk", "desk2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409, 409, 409]
    assert [t["element_id"] for t in api.instance(case["id"])["tasks"]] == ["repair"]


def test_claim_between_reading_and_writing_a_completion_wins(app, api, case, monkeypatch):
    """desk2 claims the task while desk's completion is computing: desk gets 409, nothing of desk's is written."""
    from service.usecases import tasks as usecase

    task_id = case["tasks"][0]["id"]
    real_engine = usecase.engine

    class ClaimFirst:
        def complete(self, *args):
            claims = []

            def claim():  # another thread: its own app context, session and transaction
                with app.test_client() as other:
                    claims.append(other.post(f"/api/v1/tasks/{task_id}/claim", headers=api.headers("desk2")))

            thread = threading.Thread(target=claim)
            thread.start()
            thread.join()
            assert claims[0].status_code == 200, claims[0].get_json()
            return real_engine().complete(*args)

    monkeypatch.setattr(usecase, "engine", ClaimFirst)
    resp = api.complete(task_id, GOOD, as_="desk")
    assert resp.status_code == 409 and "desk2" in resp.get_json()["message"]
    monkeypatch.setattr(usecase, "engine", real_engine)
    view = api.instance(case["id"])
    assert [(t["id"], t["state"], t["assignee"]) for t in view["tasks"]] == [(task_id, "claimed", "desk2")]
    assert "phone" not in view["data"] and "task_completed" not in [h["action"] for h in view["history"]]
    assert api.complete(task_id, GOOD, as_="desk2").status_code == 200


def test_keyset_pagination(api):
    api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form")
    started = [api.start("core_flow").get_json()["tasks"][0]["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        url = "/api/v1/tasks?group=客服部&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(url, as_="desk").get_json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(started) and len(seen) == 5
    assert api.get("/api/v1/tasks?cursor=garbage", as_="desk").status_code == 422


def test_compounds_keep_cases_apart(api):
    api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form")
    api.user("desk_b", "staff", groups=["客服部"], compounds=["b-garden"])
    case_b = api.start("core_flow", as_="desk_b").get_json()
    assert api.get("/api/v1/tasks", as_="desk").get_json()["items"] == []
    assert api.get(f"/api/v1/instances/{case_b['id']}", as_="desk").status_code == 403
    assert api.complete(case_b["tasks"][0]["id"], GOOD, as_="desk").status_code == 403
    assert api.complete(case_b["tasks"][0]["id"], GOOD, as_="desk_b").status_code == 200


def test_unknown_ids(api):
    assert api.get("/api/v1/instances/999", as_="desk").status_code == 404
    assert api.start("nope", as_="desk").status_code == 404
    assert api.start("core_flow", as_="analyst").status_code == 403


def _complete_together(app, jobs: list[tuple[dict, str]]) -> list[int]:
    """Complete several tasks at the same instant from separate threads; their status codes."""
    barrier, results = threading.Barrier(len(jobs)), []

    def attempt(headers, task_id):
        with app.test_client() as client:
            barrier.wait()
            resp = client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers, json={"data": {}})
            results.append(resp.status_code)

    threads = [threading.Thread(target=attempt, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_parallel_branches_completed_at_once_both_succeed(app, api):
    """A conflict caused by another task of the same instance is retried by the server, not a 409."""
    api.deploy(DATA / "parallel_flow.bpmn")
    for _ in range(3):
        case = api.start("parallel_flow").get_json()
        tasks = {t["element_id"]: t["id"] for t in case["tasks"]}
        jobs = [(api.headers("desk"), tasks["task_a"]), (api.headers("eng"), tasks["task_b"])]
        assert _complete_together(app, jobs) == [200, 200]
        assert api.instance(case["id"])["status"] == "completed"


def test_each_case_gets_a_ticket_number(api):
    xml = (DATA / "core_flow.bpmn").read_text().replace(
        '<bpmn:laneSet id="LaneSet_core">',
        '<bpmn:extensionElements><camunda:properties><camunda:property name="ticket_prefix" value="ts" />'
        '</camunda:properties></bpmn:extensionElements>\n    <bpmn:laneSet id="LaneSet_core">')
    api.deploy(("core_flow.bpmn", xml.encode()), DATA / "register_form.form")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    with time_machine.travel(datetime(2026, 11, 27, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        first, second = (api.start("core_flow").get_json() for _ in range(2))
    assert (first["ticket"], second["ticket"]) == ("TS-20261127-0001", "TS-20261127-0002")
    assert api.instance(first["id"])["data"]["ticket_no"] == "TS-20261127-0001"
    api.deploy(DATA / "parallel_flow.bpmn")
    assert api.start("parallel_flow").get_json()["ticket"].startswith("WF-")
