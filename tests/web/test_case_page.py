"""A complaint and a repair run end to end through the API, read on the staff pages: the visit of the called
followup_visit is marked on the caller's diagram as its call activity, and the case page says everything in
words (timeline verbs, data labels from the forms and the DMN output columns), never in raw identifiers."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
import time_machine

from tests.processes import test_complaint as complaint
from tests.processes import test_repair as repair
from tests.web.test_portal import token

SHANGHAI = complaint.SHANGHAI
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@pytest.fixture
def clock():
    with time_machine.travel(complaint.T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(app, api, clock):
    return sign_in(app)


def sign_in(app):
    """A test client signed in as the desk (session cookie: the pages, not the API)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"username": "desk", "password": "pw-123456", "csrf_token": csrf})
    assert resp.status_code == 302
    return client


def page_of(client, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    return resp.get_data(as_text=True)


def config_of(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="page-config">(.*?)</script>', page, re.S).group(1))


def data_table(page: str) -> dict[str, str]:
    table = re.search(r'<table class="data-table">(.*?)</table>', page, re.S).group(1)
    return dict(re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', table, re.S))


def rate(app, ticket: str, phone: str) -> None:
    """The resident rates the open visit on the portal."""
    resident = app.test_client()
    resp = resident.post("/portal/track/rate", data={"ticket": ticket, "phone": phone, "rating": "满意",
                                                     "comment": "谢谢", "csrf_token": token(resident, "/portal/track")})
    assert "感谢您的评价" in resp.get_data(as_text=True)


def test_the_called_visit_is_marked_on_the_complaint_diagram_as_its_call_activity(api, clock, staff):
    api.deploy(*complaint.PROCESS_FILES)
    iid = complaint.register(api, category="other")
    complaint.do(api, iid, "acknowledge", complaint.ACK, "desk")
    complaint.do(api, iid, "handle_request", complaint.HANDLE, "desk")
    complaint.do(api, iid, "feedback", complaint.FEEDBACK, "desk")
    visit = api.task(iid, complaint.DESK_VISIT)

    task_page = config_of(page_of(staff, f"/tasks/{visit['id']}"))
    assert task_page["current"] == ["followup"]  # the call activity: followup_visit_desk is not on this diagram
    case_page = config_of(page_of(staff, f"/instances/{iid}"))
    assert (case_page["current"], case_page["overdue"]) == (["followup"], [])
    assert "feedback" in case_page["finished"] and "register" in case_page["finished"]

    clock.move_to(datetime(2026, 11, 5, 10, 0, tzinfo=SHANGHAI))  # the visit was due in one working day
    assert config_of(page_of(staff, f"/instances/{iid}"))["overdue"] == ["followup"]

    complaint.do(api, iid, complaint.DESK_VISIT, {**complaint.VISIT, "satisfaction": "不满意",
                                                  "rework_reason": "仍有异味"}, "desk")  # 返单
    case_page = config_of(page_of(staff, f"/instances/{iid}"))
    assert case_page["current"] == ["handle_request"]
    assert "followup" in case_page["finished"] and complaint.DESK_VISIT not in case_page["finished"]
    manager_task = api.task(iid, "handle_request")  # the caller's own elements stay as they are
    assert config_of(page_of(staff, f"/tasks/{manager_task['id']}"))["current"] == ["handle_request"]


def test_a_complaint_case_page_has_no_raw_identifiers_after_a_full_run(api, app, clock, staff):
    api.deploy(*complaint.PROCESS_FILES)
    iid = complaint.register(api)
    complaint.do(api, iid, "acknowledge", complaint.ACK, "desk")
    complaint.do(api, iid, "dispatch", {"department": "工程部", "requirements": "请尽快处理",
                                        "work_order_no": "PG-1"}, "desk")
    complaint.do(api, iid, "handle_eng", complaint.HANDLE, "eng")
    complaint.do(api, iid, "feedback", complaint.FEEDBACK, "desk")
    rate(app, api.instance(iid)["data"]["ticket_no"], complaint.REGISTER["phone"])
    complaint.do(api, iid, complaint.DESK_VISIT, complaint.VISIT, "desk")
    complaint.do(api, iid, "preventive_eng", complaint.PREVENT, "eng")
    complaint.do(api, iid, "archive", complaint.ARCHIVE, "desk")
    assert api.instance(iid)["status"] == "completed"

    page = page_of(staff, f"/instances/{iid}")
    rows = data_table(page)
    assert set(api.instance(iid)["data"]) - {"photos"} and len(rows) == len(set(api.instance(iid)["data"]) - {"photos"})
    raw = [label for label in rows if IDENTIFIER.match(label)]
    assert raw == [], f"shown as raw keys: {', '.join(raw)}"
    assert rows["是否满意"] == "是" and rows["重大投诉"] == "否"  # DMN outputs, by their column labels
    assert "处理路径" in rows and "案件类型（回访统计）" in rows
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S).group(1)
    lines = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
             for item in re.findall(r"<li[^>]*>(.*?)</li>", timeline, re.S)]
    rating = next(line for line in lines if "评价" in line)  # the resident's rating of the visit, in words
    assert "业户 评价 客服部回访" in rating and "满意度 满意" in rating and "意见 谢谢" in rating, rating
    verbs = re.findall(r'<span class="verb">(.*?)</span>', timeline)
    assert [verb for verb in verbs if IDENTIFIER.match(verb)] == [], verbs


def test_a_repair_case_page_has_no_raw_identifiers_after_a_full_run(api, app):
    api.user("fin", "staff", groups=["财务部"])
    with time_machine.travel(repair.T0, tick=False):
        staff = sign_in(app)
        repair.deploy(api)
        iid = repair.register(api)
        repair.to_visit(api, iid, paid=True)
        repair.complete(api, iid, "followup_visit_desk", repair.VISIT, as_="desk")
        repair.complete(api, iid, "archive", repair.ARCHIVE, as_="desk")
        assert api.instance(iid)["status"] == "completed"
        rows = data_table(page_of(staff, f"/instances/{iid}"))
    raw = [label for label in rows if IDENTIFIER.match(label)]
    assert raw == [], f"shown as raw keys: {', '.join(raw)}"
    assert rows["是否满意"] == "是" and "到场时限（分钟）" in rows


def test_an_element_called_through_two_levels_is_shown_by_each_call_activity_leading_to_it(app):
    from types import SimpleNamespace

    from service.engine.api import ElementInfo
    from service.web.case_summary import on_diagram

    elements = [ElementInfo("call_b", "调用 B", "callActivity", process_id="a", called_element="b"),
                ElementInfo("call_c", "调用 C", "callActivity", process_id="b", called_element="c"),
                ElementInfo("again_c", "再调用 C", "callActivity", process_id="a", called_element="c"),
                ElementInfo("task_a", "A 的任务", "userTask", process_id="a"),
                ElementInfo("task_c", "C 的任务", "userTask", process_id="c"),
                ElementInfo("legacy", "旧版本的任务", "userTask")]  # deployed before elements knew their process
    version = SimpleNamespace(id=-1, process_id="a", elements=json.dumps({e.element_id: e.as_dict() for e in elements}))
    assert on_diagram(["task_c", "task_a", "legacy", "unknown", "call_c"], version) == [
        "call_b", "again_c", "task_a", "legacy", "unknown"]
