"""用户回访 (bpmn/followup_visit.bpmn): the reusable visit, started on its own and through its data contract.

The call-activity round trip (called by the repair case) is in test_repair.py.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # a Friday
FILES = (
    ROOT / "bpmn/repair.bpmn", ROOT / "bpmn/repair_urgency.dmn",
    ROOT / "bpmn/followup_visit.bpmn", ROOT / "bpmn/followup_satisfaction.dmn",
    *sorted((ROOT / "forms").glob("repair_*.form")), ROOT / "forms/followup_visit.form",
)
INPUTS = {"case_type": "complaint", "ticket_no": "TS-20261127-0001", "major": False,
          "resident_name": "张三", "phone": "13800138000", "unit": "3栋2单元501"}
VISIT = {"visit_method": "phone", "visitor": "王客服", "visited_at": "2026-11-27T15:00+08:00",
         "satisfaction": "满意", "visit_comments": "无"}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def visit_api(api, clock):
    resp = api.deploy(*FILES)
    if resp.status_code == 422:
        print(resp.get_json()["errors"])
    assert resp.status_code == 201, resp.get_json()
    return api


def start(api, **changes) -> dict:
    resp = api.start("followup_visit", {**INPUTS, **changes})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


@pytest.mark.parametrize(("satisfaction", "satisfied", "end_event"), [
    ("满意", True, "followup_end_satisfied"),
    ("基本满意", True, "followup_end_satisfied"),
    ("不满意", False, "followup_end_reopen"),
])
def test_desk_visit_records_satisfaction_for_the_caller(visit_api, satisfaction, satisfied, end_event):
    case = start(visit_api)
    [task] = case["tasks"]
    assert (task["element_id"], task["group"], task["form_id"]) == ("followup_visit_desk", "客服部", "followup_visit")
    assert task["due_at"] == "2026-11-30T10:00:00+08:00"  # one working day: Friday → Monday
    listed = visit_api.get("/api/v1/tasks?group=客服部", as_="desk2").get_json()["items"]
    assert [t["id"] for t in listed] == [task["id"]]
    data = {**VISIT, "satisfaction": satisfaction, "visit_comments": "维修及时"}
    if not satisfied:
        data["rework_reason"] = "问题没有解决"
    resp = visit_api.complete(task["id"], data, as_="desk2")
    assert resp.status_code == 200, resp.get_json()
    view = visit_api.instance(case["id"])
    assert view["status"] == "completed" and view["tasks"] == []
    assert view["history"][-1]["element_id"] == end_event
    out = view["data"]
    assert (out["satisfaction"], out["satisfied"], out["visit_comments"]) == (satisfaction, satisfied, "维修及时")
    # started on its own, the visit gets the service's own number; called from a case it inherits the case's
    assert (out["case_type"], out["ticket_no"], out["major"]) == ("complaint", view["ticket"], False)


def test_major_case_is_visited_by_the_project_manager(visit_api):
    case = start(visit_api, major=True)
    [task] = case["tasks"]
    assert (task["element_id"], task["group"]) == ("followup_visit_manager", "物业经理")
    assert visit_api.get("/api/v1/tasks?group=客服部", as_="desk").get_json()["items"] == []
    assert visit_api.complete(task["id"], VISIT, as_="desk").status_code == 403
    resp = visit_api.complete(task["id"], {**VISIT, "visitor": "赵经理", "visit_method": "on_site"}, as_="boss")
    assert resp.status_code == 200, resp.get_json()
    view = visit_api.instance(case["id"])
    assert view["status"] == "completed" and view["data"]["satisfied"] is True
    assert view["history"][-1]["element_id"] == "followup_end_satisfied"


def test_visit_is_due_one_working_day_later_across_national_day(visit_api, clock):
    clock.move_to(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    [task] = start(visit_api)["tasks"]
    assert task["due_at"] == "2026-10-08T10:00:00+08:00"  # 10-01..10-07 are the National Day holiday


def test_visit_form_is_validated(visit_api):
    case = start(visit_api)
    task_id = case["tasks"][0]["id"]
    bad = {**VISIT, "satisfaction": "非常满意", "visit_comments": ""}
    del bad["visit_method"]
    resp = visit_api.complete(task_id, bad, as_="desk")
    assert resp.status_code == 422
    assert set(resp.get_json()["errors"]) == {"satisfaction", "visit_comments", "visit_method"}
    resp = visit_api.complete(task_id, {**VISIT, "satisfied": False}, as_="desk")  # computed by the DMN, not typed
    assert resp.status_code == 422 and "satisfied" in resp.get_json()["errors"]
    assert visit_api.instance(case["id"])["tasks"][0]["id"] == task_id


def test_missing_input_is_an_incident_at_the_visitor_gateway(visit_api):
    resp = visit_api.start("followup_visit", {"case_type": "repair", "ticket_no": "BX-1"})
    assert resp.status_code == 201, resp.get_json()
    view = visit_api.instance(resp.get_json()["id"])
    assert view["status"] == "incident"
    assert view["incident"]["element_id"] == "followup_gw_visitor" and "major" in view["incident"]["message"]


def test_deploying_without_the_satisfaction_table_is_refused(api):
    files = [f for f in FILES if f.name != "followup_satisfaction.dmn"]
    resp = api.deploy(*files)
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert any(e["element"] == "followup_rate" and "followup_satisfaction" in e["message"] for e in errors), errors
