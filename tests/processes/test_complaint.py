"""客户投诉处理 (bpmn/complaint.bpmn) end to end through the HTTP API, with a controlled clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from service.usecases.timers import fire_due
from tests.conftest import ROOT
from tests.processes.helpers import FOLLOWUP_FILES  # the visit is the shared call activity

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday, far from any holiday
ACCEPTED = "2026-11-02T10:00+08:00"
FORM_IDS = ("register", "acknowledge", "dispatch", "handle", "major", "manager_plan", "company_report", "feedback",
            "preventive", "archive", "extension", "supervise", "withdraw")
PROCESS_FILES = [ROOT / "bpmn" / "complaint.bpmn", ROOT / "bpmn" / "complaint_classification.dmn",
                 *(ROOT / "forms" / f"complaint_{name}.form" for name in FORM_IDS), *FOLLOWUP_FILES]

REGISTER = {
    "resident_name": "张三", "phone": "13800138000", "unit": "3栋2单元501", "channel": "phone",
    "category": "repair", "content": "楼道灯坏了一周，晚上看不见路", "occurred_at": "2026-11-01T20:00+08:00",
    "location": "3栋2单元5楼楼道", "accepted_at": ACCEPTED, "urgent": False, "escalated_over_head": False,
    "repeated_complaint": False, "serious_impact": False,
}
ACK = {"handler_name": "李客服", "progress_channel": "hotline", "ack_method": "phone",
       "acknowledged_at": "2026-11-02T10:30+08:00"}
HANDLE = {"investigation": "现场核实属实", "handling_result": "已更换灯具", "handler": "王师傅",
          "handled_at": "2026-11-02T15:00+08:00", "beyond_authority": False}
FEEDBACK = {"feedback_method": "phone", "feedback_content": "已电话告知处理结果",
            "fed_back_at": "2026-11-02T16:00+08:00"}
VISIT = {"visit_method": "phone", "visitor": "李客服", "visited_at": "2026-11-03T09:00+08:00", "satisfaction": "满意",
         "visit_comments": "谢谢"}
DESK_VISIT, MANAGER_VISIT = "followup_visit_desk", "followup_visit_manager"  # tasks of the called followup_visit
PREVENT = {"cause_analysis": "巡检不到位", "preventive_measures": "楼道灯纳入每周巡检"}
ARCHIVE = {"archive_no": "TS-2026-0001", "archived_at": "2026-11-03T09:00+08:00"}
SUPERVISE = {"supervision_note": "请工程部今日内处理完毕"}

DEPARTMENTS = {  # category → (department, its handling task, its preventive task, a member of it)
    "repair": ("工程部", "handle_eng", "preventive_eng", "eng"),
    "security": ("保安部", "handle_sec", "preventive_sec", "sec"),
    "cleaning": ("清洁绿化部", "handle_clean", "preventive_clean", "clean"),
    "service": ("客服部", "handle_desk", "preventive_desk", "desk"),
}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def wf(api, clock):
    """The complaint process deployed, with one member in each department."""
    api.user("sec", "staff", groups=["保安部"])
    api.user("clean", "staff", groups=["清洁绿化部"])
    resp = api.deploy(*PROCESS_FILES)
    assert resp.status_code == 201, resp.get_json()
    return api


# --- helpers -----------------------------------------------------------------------------------
def open_tasks(api, iid: int) -> dict[str, dict]:
    return {t["element_id"]: t for t in api.instance(iid)["tasks"]}


def do(api, iid: int, element_id: str, data: dict, as_: str, group: str | None = None) -> None:
    """Complete the open task of this element, checking who it is offered to."""
    task = api.task(iid, element_id)
    if group is not None:
        assert task["group"] == group, task
    resp = api.complete(task["id"], data, as_=as_)
    assert resp.status_code == 200, resp.get_json()
    assert api.instance(iid)["status"] != "incident", api.instance(iid)["incident"]


def register(api, **changes) -> int:
    """Start a complaint by phone and register it; returns the instance id."""
    started = api.start("complaint", {"channel": "phone"}, as_="desk")
    assert started.status_code == 201, started.get_json()
    iid = started.get_json()["id"]
    do(api, iid, "register", {**REGISTER, **changes}, "desk", "客服部")
    return iid


def move(clock, api, app, when: datetime) -> int:
    """Move the clock, fire what is due, return how many instances woke up."""
    clock.move_to(when)
    api._tokens.clear()  # bearer tokens live 12 h; sign in again after a jump
    with app.app_context():
        return fire_due()


def finish_after_handling(api, iid: int, visit_by: str = "desk", preventive=("preventive_eng", "eng")) -> None:
    do(api, iid, "feedback", FEEDBACK, "desk", "客服部")
    assert api.instance(iid)["timers"] == []  # handling stage over: its deadlines are cancelled
    visit, group = (MANAGER_VISIT, "物业经理") if visit_by == "boss" else (DESK_VISIT, "客服部")
    do(api, iid, visit, VISIT, visit_by, group)
    assert api.instance(iid)["data"]["satisfied"] is True
    do(api, iid, preventive[0], PREVENT, preventive[1])
    do(api, iid, "archive", ARCHIVE, "desk", "客服部")


def end_events(api, iid: int) -> set[str]:
    """The end events the completed instance reached."""
    view = api.instance(iid)
    assert view["status"] == "completed", view
    done = next(h for h in reversed(view["history"]) if h["action"] == "completed")
    return set(done["data"]["end_events"])


# --- deployment ----------------------------------------------------------------------------------
def test_every_process_file_deploys_together(api):
    files = [*sorted((ROOT / "bpmn").glob("*.bpmn")), *sorted((ROOT / "bpmn").glob("*.dmn")),
             *sorted((ROOT / "forms").glob("*.form"))]
    resp = api.deploy(*files)
    assert resp.status_code == 201, resp.get_json()
    assert "complaint" in {p["process_id"] for p in resp.get_json()["processes"]}


def test_the_visit_is_the_shared_followup_visit_deployed_with_it(api):
    resp = api.deploy(*PROCESS_FILES)
    assert resp.status_code == 201, resp.get_json()
    assert {p["process_id"] for p in resp.get_json()["processes"]} == {"complaint", "followup_visit"}
    alone = api.deploy(*[f for f in PROCESS_FILES if f != FOLLOWUP_FILES[0]])
    assert alone.status_code == 422, alone.get_json()  # the called process must come in the same deployment
    assert any("followup_visit" in e["message"] for e in alone.get_json()["errors"])


def test_lanes_forms_and_the_classification_reach_the_tasks(wf):
    iid = register(wf)
    view = wf.instance(iid)
    assert {k: view["data"][k] for k in ("path", "department", "major", "case_type")} == {
        "path": "service", "department": "工程部", "major": False, "case_type": "complaint"}
    assert view["data"]["ticket_no"].startswith("TS-")  # with major and case_type: the visit's inputs
    ack = wf.task(iid, "acknowledge")
    assert (ack["group"], ack["form_id"], ack["name"]) == ("客服部", "complaint_acknowledge", "受理回复")
    assert [(t["element_id"], t["due_at"]) for t in view["timers"]] == [("timer_ack", "2026-11-03T10:00:00+08:00")]


# --- the four paths and the four departments ----------------------------------------------------
@pytest.mark.parametrize("category", DEPARTMENTS)
def test_service_failure_is_dispatched_to_the_responsible_department(wf, category):
    department, handle, preventive, member = DEPARTMENTS[category]
    iid = register(wf, category=category)
    do(wf, iid, "acknowledge", ACK, "desk", "客服部")
    assert set(open_tasks(wf, iid)) == {"dispatch"}
    assert {t["element_id"] for t in wf.instance(iid)["timers"]} == {"timer_initial", "timer_resolve"}
    do(wf, iid, "dispatch", {"department": department, "requirements": "请尽快处理", "work_order_no": "PG-1"},
       "desk", "客服部")
    task = wf.task(iid, handle)
    assert (task["group"], task["form_id"]) == (department, "complaint_handle")
    assert task["due_at"] == "2026-11-05T10:00:00+08:00"  # 3 working days after acceptance
    do(wf, iid, handle, HANDLE, member, department)
    finish_after_handling(wf, iid, preventive=(preventive, member))
    assert end_events(wf, iid) == {"end_closed"}


def test_the_desk_may_reassign_the_work_order(wf):
    iid = register(wf, category="repair")  # the table suggests 工程部
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "dispatch", {"department": "保安部", "requirements": "车辆堵塞消防通道"}, "desk")
    assert set(open_tasks(wf, iid)) == {"handle_sec"}
    do(wf, iid, "handle_sec", HANDLE, "sec", "保安部")
    finish_after_handling(wf, iid, preventive=("preventive_sec", "sec"))
    assert end_events(wf, iid) == {"end_closed"}


@pytest.mark.parametrize(("category", "task", "group", "member", "preventive"), [
    ("construction", "rework_developer", "工程部", "eng", ("preventive_eng", "eng")),
    ("external", "coordinate_external", "客服部", "desk", ("preventive_desk", "desk")),
    ("other", "handle_request", "客服部", "desk", ("preventive_desk", "desk")),
])
def test_developer_external_and_other_paths(wf, category, task, group, member, preventive):
    iid = register(wf, category=category)
    do(wf, iid, "acknowledge", ACK, "desk")
    assert set(open_tasks(wf, iid)) == {task}  # no work order outside the service-failure path
    do(wf, iid, task, HANDLE, member, group)
    finish_after_handling(wf, iid, preventive=preventive)
    assert end_events(wf, iid) == {"end_closed"}


# --- major and urgent complaints -----------------------------------------------------------------
@pytest.mark.parametrize("flag", ["escalated_over_head", "repeated_complaint", "serious_impact"])
def test_major_complaint_is_organised_and_visited_by_the_manager(wf, flag):
    iid = register(wf, category="cleaning", **{flag: True})
    assert wf.instance(iid)["data"]["major"] is True
    do(wf, iid, "acknowledge", ACK, "desk")
    major = {"meeting_participants": "物业经理、清洁绿化部主管", "major_measures": "增加保洁频次",
             "responsible_person": "赵主管", "major_deadline": "2026-11-04T17:00+08:00", "major_reported": True}
    do(wf, iid, "organize_major", major, "boss", "物业经理")
    do(wf, iid, "dispatch", {"department": "清洁绿化部", "requirements": "按经理措施执行"}, "desk")
    do(wf, iid, "handle_clean", HANDLE, "clean", "清洁绿化部")
    do(wf, iid, "feedback", FEEDBACK, "desk")
    assert set(open_tasks(wf, iid)) == {MANAGER_VISIT}
    visit = wf.task(iid, MANAGER_VISIT)
    assert (visit["group"], visit["form_id"]) == ("物业经理", "followup_visit")
    assert wf.get("/api/v1/tasks?group=客服部", as_="desk").get_json()["items"] == []  # not the desk's visit
    assert wf.complete(visit["id"], VISIT, as_="desk").status_code == 403  # the manager visits himself
    do(wf, iid, MANAGER_VISIT, {**VISIT, "visitor": "赵经理", "visit_method": "on_site"}, "boss")
    assert wf.instance(iid)["data"]["visitor"] == "赵经理"
    do(wf, iid, "preventive_clean", PREVENT, "clean", "清洁绿化部")
    do(wf, iid, "archive", ARCHIVE, "desk")
    assert end_events(wf, iid) == {"end_closed"}


def test_major_complaint_must_be_reported_to_head_office(wf):
    iid = register(wf, escalated_over_head=True)
    do(wf, iid, "acknowledge", ACK, "desk")
    task = wf.task(iid, "organize_major")
    data = {"meeting_participants": "物业经理", "major_measures": "x" * 5, "responsible_person": "赵",
            "major_deadline": "2026-11-04T17:00+08:00", "major_reported": False}
    resp = wf.complete(task["id"], data, as_="boss")
    assert resp.status_code == 422 and "major_reported" in resp.get_json()["errors"]


def test_urgent_complaint_skips_the_acknowledgement_and_is_due_first(wf):
    iid = register(wf, urgent=True, category="security")
    tasks = open_tasks(wf, iid)
    assert set(tasks) == {"dispatch"}  # straight to handling, no separate 受理回复
    assert tasks["dispatch"]["due_at"] == "2026-11-02T11:00:00+08:00"  # 1 office hour
    do(wf, iid, "dispatch", {"department": "保安部", "requirements": "立即到场"}, "desk")
    assert wf.task(iid, "handle_sec")["due_at"] == "2026-11-02T12:00:00+08:00"  # 2 office hours
    normal = register(wf, category="security")
    do(wf, normal, "acknowledge", ACK, "desk")
    do(wf, normal, "dispatch", {"department": "保安部", "requirements": "巡查"}, "desk")
    assert wf.task(normal, "handle_sec")["due_at"] == "2026-11-05T10:00:00+08:00"
    do(wf, iid, "handle_sec", HANDLE, "sec")
    finish_after_handling(wf, iid, preventive=("preventive_sec", "sec"))
    assert end_events(wf, iid) == {"end_closed"}


# --- the follow-up visit and 返单 ----------------------------------------------------------------------
def test_dissatisfied_resident_sends_the_case_back_until_satisfied(wf):
    iid = register(wf, category="other")
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "handle_request", HANDLE, "desk")
    do(wf, iid, "feedback", FEEDBACK, "desk")
    visit = wf.task(iid, DESK_VISIT)
    assert (visit["group"], visit["form_id"]) == ("客服部", "followup_visit")
    assert visit["due_at"] == "2026-11-03T10:00:00+08:00"  # one working day (decided in followup_visit)
    do(wf, iid, DESK_VISIT, {**VISIT, "satisfaction": "不满意", "rework_reason": "问题仍未解决"}, "desk")
    data = wf.instance(iid)["data"]
    assert (data["satisfaction"], data["satisfied"], data["rework_reason"]) == ("不满意", False, "问题仍未解决")
    assert set(open_tasks(wf, iid)) == {"handle_request"}  # 返单: handled again
    assert {t["element_id"] for t in wf.instance(iid)["timers"]} == {"timer_initial", "timer_resolve"}
    do(wf, iid, "handle_request", {**HANDLE, "handling_result": "第二次处理"}, "desk")
    do(wf, iid, "feedback", FEEDBACK, "desk")
    do(wf, iid, DESK_VISIT, {**VISIT, "satisfaction": "基本满意"}, "desk")
    assert wf.instance(iid)["data"]["satisfied"] is True  # 基本满意 counts as satisfied
    assert set(open_tasks(wf, iid)) == {"preventive_desk"}
    do(wf, iid, "preventive_desk", PREVENT, "desk")
    do(wf, iid, "archive", ARCHIVE, "desk")
    assert end_events(wf, iid) == {"end_closed"}
    visits = [h["data"]["satisfaction"] for h in wf.instance(iid)["history"]
              if h["action"] == "task_completed" and h["element_id"] == DESK_VISIT]
    assert visits == ["不满意", "基本满意"]


def test_the_resident_portal_sees_the_called_visit_as_the_visit_step(wf, app):
    from service.usecases import portal

    iid = register(wf, category="other")
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "handle_request", HANDLE, "desk")
    ticket, phone = wf.instance(iid)["data"]["ticket_no"], REGISTER["phone"]
    with app.app_context():
        assert portal.case_view(ticket, phone).status == "in_progress"
    do(wf, iid, "feedback", FEEDBACK, "desk")
    with app.app_context():  # the task of the called followup_visit is what the resident may rate
        view = portal.case_view(ticket, phone)
        assert view.status == "visit" and view.visit_task.element_id == DESK_VISIT


# --- beyond the department's authority ------------------------------------------------------------------
@pytest.mark.parametrize("report", [True, False])
def test_beyond_authority_goes_to_the_manager_for_a_plan(wf, report):
    iid = register(wf, category="repair")
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "dispatch", {"department": "工程部", "requirements": "检查外墙渗水"}, "desk")
    do(wf, iid, "handle_eng", {**HANDLE, "beyond_authority": True, "difficulty": "需动用维修基金"}, "eng")
    plan = {"plan": "申请动用专项维修基金", "plan_result": "已立项", "report_to_company": report}
    do(wf, iid, "manager_plan", plan, "boss", "物业经理")
    if report:
        company = {"company_report": "外墙渗水需大修", "company_instruction": "同意立项",
                   "reported_at": "2026-11-03T10:00+08:00"}
        do(wf, iid, "report_company", company, "boss", "物业经理")
    assert set(open_tasks(wf, iid)) == {"feedback"}
    finish_after_handling(wf, iid)
    assert end_events(wf, iid) == {"end_closed"}


# --- deadlines ----------------------------------------------------------------------------------------
def test_initial_solution_escalates_after_three_working_days_not_a_second_early(wf, app, clock):
    """Accepted 2026-09-30 10:00: National Day week, then the make-up Saturday 2026-10-10 is day 3."""
    clock.move_to(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    iid = register(wf, category="repair", accepted_at="2026-09-30T10:00+08:00")
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "dispatch", {"department": "工程部", "requirements": "请尽快处理"}, "desk")
    timers = {t["element_id"]: t["due_at"] for t in wf.instance(iid)["timers"]}
    assert timers == {"timer_initial": "2026-10-10T10:00:00+08:00", "timer_resolve": "2026-10-27T10:00:00+08:00"}
    assert wf.task(iid, "handle_eng")["due_at"] == "2026-10-10T10:00:00+08:00"

    assert move(clock, wf, app, datetime(2026, 10, 10, 9, 59, 59, tzinfo=SHANGHAI)) == 0
    assert set(open_tasks(wf, iid)) == {"handle_eng"}
    assert move(clock, wf, app, datetime(2026, 10, 10, 10, 0, 1, tzinfo=SHANGHAI)) == 1
    tasks = open_tasks(wf, iid)
    assert set(tasks) == {"handle_eng", "supervise_overdue"}  # non-interrupting: handling goes on
    assert tasks["supervise_overdue"]["group"] == "物业经理"
    assert [t["element_id"] for t in wf.instance(iid)["timers"]] == ["timer_resolve"]
    do(wf, iid, "supervise_overdue", SUPERVISE, "boss")
    do(wf, iid, "handle_eng", HANDLE, "eng")
    finish_after_handling(wf, iid)
    assert end_events(wf, iid) == {"end_supervised", "end_closed"}


def test_rework_after_the_deadline_is_escalated_again_at_once(wf, app, clock):
    """Deadlines count from acceptance, so a 返单 past day 3 re-enters handling already overdue."""
    iid = register(wf, category="other")
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "handle_request", HANDLE, "desk")
    do(wf, iid, "feedback", FEEDBACK, "desk")
    move(clock, wf, app, datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI))  # 4 working days later
    do(wf, iid, DESK_VISIT, {**VISIT, "satisfaction": "不满意", "rework_reason": "仍有异味"}, "desk")
    assert set(open_tasks(wf, iid)) == {"handle_request", "supervise_overdue"}
    assert [t["element_id"] for t in wf.instance(iid)["timers"]] == ["timer_resolve"]


def test_unresolved_after_fifteen_working_days_the_resident_is_told_why_and_when(wf, app, clock):
    iid = register(wf, category="construction")
    do(wf, iid, "acknowledge", ACK, "desk")
    due = {t["element_id"]: t["due_at"] for t in wf.instance(iid)["timers"]}["timer_resolve"]
    assert due == "2026-11-23T10:00:00+08:00"  # 15 working days after Monday 2026-11-02
    assert move(clock, wf, app, datetime(2026, 11, 5, 10, 0, 1, tzinfo=SHANGHAI)) == 1  # day 3
    do(wf, iid, "supervise_overdue", SUPERVISE, "boss")
    assert move(clock, wf, app, datetime(2026, 11, 23, 9, 59, 59, tzinfo=SHANGHAI)) == 0
    assert move(clock, wf, app, datetime(2026, 11, 23, 10, 0, 1, tzinfo=SHANGHAI)) == 1
    tasks = open_tasks(wf, iid)
    assert set(tasks) == {"rework_developer", "extend"}
    assert (tasks["extend"]["group"], tasks["extend"]["form_id"]) == ("客服部", "complaint_extension")
    bad = wf.complete(tasks["extend"]["id"], {"extension_reason": "发展商返修排期"}, as_="desk")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"new_date", "extension_notice_method"}
    extension = {"extension_reason": "发展商返修排期", "new_date": "2026-12-10", "extension_notice_method": "phone"}
    do(wf, iid, "extend", extension, "desk", "客服部")
    assert wf.instance(iid)["data"]["new_date"] == "2026-12-10"
    do(wf, iid, "rework_developer", HANDLE, "eng", "工程部")
    finish_after_handling(wf, iid)
    assert end_events(wf, iid) == {"end_supervised", "end_extended", "end_closed"}


def test_acknowledgement_late_by_24_hours_reminds_the_manager(wf, app, clock):
    iid = register(wf)
    assert move(clock, wf, app, T0 + timedelta(hours=24) - timedelta(seconds=1)) == 0
    assert move(clock, wf, app, T0 + timedelta(hours=24, seconds=1)) == 1
    tasks = open_tasks(wf, iid)
    assert set(tasks) == {"acknowledge", "supervise_ack"}
    assert tasks["supervise_ack"]["group"] == "物业经理"
    do(wf, iid, "supervise_ack", SUPERVISE, "boss")
    do(wf, iid, "acknowledge", ACK, "desk")
    assert set(open_tasks(wf, iid)) == {"dispatch"}


# --- withdrawal -----------------------------------------------------------------------------------------
def test_resident_withdraws_while_the_complaint_is_handled(wf):
    iid = register(wf, category="repair")
    early = wf.post(f"/api/v1/instances/{iid}/messages/complaint_withdrawn", as_="desk", json={"data": {}})
    assert early.status_code == 409  # only while it is being handled
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "dispatch", {"department": "工程部", "requirements": "请尽快处理"}, "desk")
    resp = wf.post(f"/api/v1/instances/{iid}/messages/complaint_withdrawn", as_="desk",
                   json={"data": {"withdraw_reason": "业户已自行修好"}})
    assert resp.status_code == 200, resp.get_json()
    view = wf.instance(iid)
    assert [t["element_id"] for t in view["tasks"]] == ["record_withdrawal"]
    assert view["timers"] == []  # both deadlines cancelled with the handling
    withdrawal = {"withdraw_reason": "业户已自行修好", "withdraw_channel": "phone", "withdraw_confirmed": True}
    do(wf, iid, "record_withdrawal", withdrawal, "desk", "客服部")
    assert end_events(wf, iid) == {"end_withdrawn"}


# --- who may do what, and form validation -------------------------------------------------------------
def test_staff_of_another_department_gets_403(wf):
    iid = register(wf, category="repair")
    ack = wf.task(iid, "acknowledge")
    assert wf.complete(ack["id"], ACK, as_="eng").status_code == 403
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "dispatch", {"department": "工程部", "requirements": "请尽快处理"}, "desk")
    handle = wf.task(iid, "handle_eng")
    assert wf.complete(handle["id"], HANDLE, as_="sec").status_code == 403
    assert wf.complete(handle["id"], HANDLE, as_="desk").status_code == 403
    assert wf.complete(handle["id"], HANDLE, as_="eng").status_code == 200


@pytest.mark.parametrize(("changes", "key"), [
    ({"phone": "12800138000"}, "phone"),
    ({"phone": "1380013800"}, "phone"),
    ({"resident_name": ""}, "resident_name"),
    ({"category": "noise"}, "category"),
    ({"channel": "fax"}, "channel"),
    ({"accepted_at": "2026-11-02 10:00"}, "accepted_at"),
    ({"ticket_no": "TS-20261102-0001"}, "ticket_no"),
])
def test_invalid_registration_is_refused_with_the_field_key(wf, changes, key):
    started = wf.start("complaint", {"channel": "phone"}, as_="desk").get_json()
    task = wf.task(started["id"], "register")
    resp = wf.complete(task["id"], {**REGISTER, **changes}, as_="desk")
    assert resp.status_code == 422, resp.get_json()
    assert set(resp.get_json()["errors"]) == {key}
    assert set(open_tasks(wf, started["id"])) == {"register"}


def test_invalid_satisfaction_is_refused(wf):
    iid = register(wf, category="other")
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "handle_request", HANDLE, "desk")
    do(wf, iid, "feedback", FEEDBACK, "desk")
    resp = wf.complete(wf.task(iid, DESK_VISIT)["id"], {**VISIT, "satisfaction": "一般"}, as_="desk")
    assert resp.status_code == 422 and set(resp.get_json()["errors"]) == {"satisfaction"}


# --- service bugs found while modelling, now fixed: these guard against their return -----------------------
def test_a_subprocess_in_a_lane_keeps_the_lanes_of_its_tasks(api, clock):
    bpmn = PROCESS_FILES[0].read_text(encoding="utf-8").replace(
        "<bpmn:flowNodeRef>gw_to_handling</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>gw_to_handling</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>handling</bpmn:flowNodeRef>")
    assert "<bpmn:flowNodeRef>handling</bpmn:flowNodeRef>" in bpmn  # what Camunda Modeler does on a move
    resp = api.deploy(("complaint.bpmn", bpmn.encode()), *PROCESS_FILES[1:])
    assert resp.status_code == 201, resp.get_json()
    iid = register(api, category="repair")
    do(api, iid, "acknowledge", ACK, "desk")
    do(api, iid, "dispatch", {"department": "工程部", "requirements": "请尽快处理"}, "desk")
    assert api.task(iid, "handle_eng")["group"] == "工程部"


def test_checkboxes_left_out_of_a_submission_count_as_unchecked(wf):
    started = wf.start("complaint", {"channel": "phone"}, as_="desk").get_json()
    flags = ("urgent", "escalated_over_head", "repeated_complaint", "serious_impact")
    data = {k: v for k, v in REGISTER.items() if k not in flags}
    resp = wf.complete(wf.task(started["id"], "register")["id"], data, as_="desk")
    assert resp.status_code in (200, 422)  # either read them as false or refuse the submission
    assert wf.instance(started["id"])["status"] != "incident"


def test_completion_names_the_end_event_the_case_closed_at(wf, app, clock):
    iid = register(wf, category="repair")
    do(wf, iid, "acknowledge", ACK, "desk")
    do(wf, iid, "dispatch", {"department": "工程部", "requirements": "请尽快处理"}, "desk")
    assert move(clock, wf, app, datetime(2026, 11, 5, 10, 0, 1, tzinfo=SHANGHAI)) == 1
    do(wf, iid, "supervise_overdue", SUPERVISE, "boss")  # the escalation branch ends first
    do(wf, iid, "handle_eng", HANDLE, "eng")
    finish_after_handling(wf, iid)  # the case closes last, at 已关闭
    done = next(h for h in reversed(wf.instance(iid)["history"]) if h["action"] == "completed")
    assert done["element_id"] == "end_closed"


# --- SLA records: the service commitments of the case ------------------------------------------------
def sla(api, iid: int) -> dict[str, dict]:
    return {r["commitment"]: r for r in api.get(f"/api/v1/instances/{iid}/sla", as_="boss").get_json()["items"]}


def test_each_service_commitment_is_recorded_with_its_due_time_and_whether_it_was_kept(wf, app, clock):
    iid = register(wf, category="other")
    assert {k: (r["due_at"], r["met"]) for k, r in sla(wf, iid).items()} == {
        "acknowledge": ("2026-11-03T10:00:00+08:00", None)}  # 24 hours
    do(wf, iid, "acknowledge", ACK, "desk")
    records = sla(wf, iid)
    assert records["acknowledge"]["met"] is True
    assert {k: (r["element_id"], r["due_at"], r["met"]) for k, r in records.items() if k != "acknowledge"} == {
        "initial_solution": ("timer_initial", "2026-11-05T10:00:00+08:00", None),  # 3 working days
        "resolve": ("timer_resolve", "2026-11-23T10:00:00+08:00", None)}  # 15 working days
    do(wf, iid, "handle_request", HANDLE, "desk")
    clock.move_to(T0 + timedelta(hours=2))
    do(wf, iid, "feedback", FEEDBACK, "desk")
    records = sla(wf, iid)
    for name in ("initial_solution", "resolve"):
        assert (records[name]["met"], records[name]["working_seconds"]) == (True, 7200), records[name]


def test_a_missed_initial_solution_is_recorded_as_breached(wf, app, clock):
    iid = register(wf, category="construction")
    do(wf, iid, "acknowledge", ACK, "desk")
    assert move(clock, wf, app, datetime(2026, 11, 5, 10, 0, 1, tzinfo=SHANGHAI)) == 1  # day 3 passed
    records = sla(wf, iid)
    assert (records["initial_solution"]["met"], records["resolve"]["met"]) == (False, None)
    assert records["initial_solution"]["working_seconds"] == 3 * 8.5 * 3600 + 1  # three office days and a second
