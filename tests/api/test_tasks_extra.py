"""What the task list page needs from the API: tabs (scope), text search, sort by due time, counts,
row labels, `may_work`, and the messages an instance waits for."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import DATA

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
GOOD = {"resident_name": "张三", "phone": "13800138000", "category": "repair",
        "received_at": "2026-11-02T09:00:00+08:00"}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def deployed(api, clock):
    assert api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form").status_code == 201
    return api


def repair_case(api, received_at: str, ticket: str | None = None) -> dict:
    """A case registered as a repair: its open task is the engineering department's 工程部处理."""
    case = api.start("core_flow", {"ticket_no": ticket} if ticket else {}).get_json()
    resp = api.complete(case["tasks"][0]["id"], {**GOOD, "received_at": received_at}, as_="desk")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.get_json()
    return [t["id"] for t in resp.get_json()["items"]]


def test_scopes_are_the_tabs_of_the_task_list(deployed):
    api = deployed
    task_id = api.start("core_flow").get_json()["tasks"][0]["id"]
    assert ids(api.get("/api/v1/tasks?scope=mine", as_="desk")) == []
    assert ids(api.get("/api/v1/tasks?scope=groups", as_="desk")) == [task_id]
    assert ids(api.get("/api/v1/tasks?scope=groups", as_="eng")) == []
    api.post(f"/api/v1/tasks/{task_id}/claim", as_="desk")
    assert ids(api.get("/api/v1/tasks?scope=mine", as_="desk")) == [task_id]
    assert ids(api.get("/api/v1/tasks?scope=groups", as_="desk2")) == [task_id]  # colleagues see who holds it
    assert ids(api.get("/api/v1/tasks?scope=all", as_="boss")) == [task_id]
    assert ids(api.get("/api/v1/tasks?scope=groups", as_="boss")) == []
    assert api.get("/api/v1/tasks?scope=all", as_="desk").status_code == 403
    assert api.get("/api/v1/tasks?scope=nobody", as_="desk").status_code == 422


def test_rows_name_the_process_ticket_and_whether_i_may_work_it(deployed):
    api = deployed
    case = api.start("core_flow").get_json()  # the service numbers every case (WF-… without a prefix)
    row = api.get("/api/v1/tasks?scope=groups", as_="desk").get_json()["items"][0]
    assert row["process_name"] == "核心测试流程" and row["ticket_no"] == case["ticket"]
    assert row["instance_id"] == case["id"] and row["may_work"] is True
    boss_row = api.get("/api/v1/tasks?scope=all", as_="boss").get_json()["items"][0]
    assert boss_row["may_work"] is False
    assert api.get("/api/v1/tasks", as_="desk").get_json()["items"][0]["ticket_no"] == case["ticket"]


def test_text_search_in_task_names(deployed):
    api = deployed
    api.start("core_flow")
    assert len(ids(api.get("/api/v1/tasks?scope=groups&q=登记", as_="desk"))) == 1
    assert ids(api.get("/api/v1/tasks?scope=groups&q=回复", as_="desk")) == []
    assert ids(api.get("/api/v1/tasks?scope=groups&q=%25", as_="desk")) == []  # % is a character, not a wildcard


def test_sort_by_due_time_pages_with_the_cursor(deployed, clock):
    api = deployed
    received = ["2026-11-02T09:00:00+08:00", "2026-10-30T09:00:00+08:00", "2026-11-02T08:30:00+08:00"]
    done = []
    for at in received:
        done.append(repair_case(api, at))
        clock.shift(timedelta(minutes=1))
    undated = api.start("core_flow").get_json()["tasks"][0]["id"]  # 登记投诉 has no due time
    api.user("eng_desk", "staff", groups=["工程部", "客服部"])
    by_due = [done[1], done[2], done[0]]
    expected = [t["next_tasks"][0]["id"] for t in by_due] + [undated]
    seen, cursor = [], None
    for _ in range(5):
        url = "/api/v1/tasks?scope=groups&sort=due&limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(url, as_="eng_desk").get_json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    assert ids(api.get("/api/v1/tasks?scope=groups&sort=-due&limit=10", as_="eng_desk")) == \
        [*reversed(expected[:3]), undated]
    newest_first = ids(api.get("/api/v1/tasks?scope=groups&sort=-created&limit=10", as_="eng_desk"))
    assert newest_first[0] == undated and len(newest_first) == 4
    assert api.get("/api/v1/tasks?sort=priority", as_="desk").status_code == 422
    first = api.get("/api/v1/tasks?scope=groups&sort=due&limit=1", as_="eng_desk").get_json()["next_cursor"]
    assert api.get(f"/api/v1/tasks?scope=groups&cursor={first}", as_="eng_desk").status_code == 422


def test_counts_per_tab_with_overdue_and_due_today(deployed, clock):
    api = deployed
    repair_case(api, "2026-10-30T09:00:00+08:00")  # due 2026-10-30 13:00: overdue
    repair_case(api, "2026-11-02T09:00:00+08:00")  # due today 13:00
    repair_case(api, "2026-11-03T09:00:00+08:00")  # due tomorrow
    task_id = api.start("core_flow").get_json()["tasks"][0]["id"]
    api.post(f"/api/v1/tasks/{task_id}/claim", as_="desk")
    eng = api.get("/api/v1/tasks/counts", as_="eng").get_json()
    assert eng == {"mine": {"open": 0, "overdue": 0, "due_today": 0},
                   "groups": {"open": 3, "overdue": 1, "due_today": 1}}
    desk = api.get("/api/v1/tasks/counts", as_="desk").get_json()
    assert desk["mine"]["open"] == 1 and desk["groups"]["open"] == 1 and "all" not in desk
    assert api.get("/api/v1/tasks/counts", as_="boss").get_json()["all"] == {"open": 4, "overdue": 1,
                                                                              "due_today": 1}
    clock.move_to(T0 + timedelta(days=1))
    api._tokens.clear()
    assert api.get("/api/v1/tasks/counts", as_="eng").get_json()["groups"] == {"open": 3, "overdue": 2,
                                                                                "due_today": 1}
    assert api.get("/api/v1/tasks/counts").status_code == 401


def test_next_tasks_say_whether_i_may_work_them(deployed):
    api = deployed
    done = repair_case(api, "2026-11-02T09:00:00+08:00")
    assert [(t["element_id"], t["may_work"]) for t in done["next_tasks"]] == [("repair", False)]
    other = api.start("core_flow").get_json()
    resp = api.complete(other["tasks"][0]["id"], {**GOOD, "category": "other"}, as_="desk").get_json()
    assert [(t["element_id"], t["may_work"]) for t in resp["next_tasks"]] == [("reply", True)]


def test_a_task_without_a_form_takes_a_comment(deployed):
    api = deployed
    repair = repair_case(api, "2026-11-02T09:00:00+08:00")["next_tasks"][0]
    resp = api.complete(repair["id"], {"comment": "已更换灯具 <b>"}, as_="eng")
    assert resp.status_code == 200, resp.get_json()
    view = api.instance(repair["instance_id"])
    assert view["data"]["comment"] == "已更换灯具 <b>"
    assert view["history"][-1]["data"] == {"comment": "已更换灯具 <b>"}


def test_instance_view_lists_the_messages_it_waits_for(deployed):
    api = deployed
    case = api.start("core_flow").get_json()
    assert case["waiting"] == []
    api.complete(case["tasks"][0]["id"], {**GOOD, "category": "other"}, as_="desk")
    waiting = api.instance(case["id"])["waiting"]
    assert [(w["name"], w["element_id"]) for w in waiting] == [("withdraw", "withdrawn")]
    assert "Message" in waiting[0]["event_type"]
    api.post(f"/api/v1/instances/{case['id']}/cancel", as_="boss", json={"reason": "重复"})
    assert api.instance(case["id"])["waiting"] == []
