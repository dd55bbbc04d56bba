"""业主装修 (bpmn/renovation.bpmn) end to end through the HTTP API, as 客服部 and its 主管, 工程部, 公司 and 财务部
work it.

The 7-day notice rule is checked on calendar days around month, year and leap-day ends and at local midnight; the
periodic inspection (a non-interrupting timeCycle R/P7D boundary timer on the construction stage) is fired with a
controlled clock: not a second early, every 7 days, and never again once the owner reports completion."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from service.usecases.timers import fire_due
from tests.conftest import ROOT
from tests.processes.test_move_in import check_model, complete, deploy, end_events, message, open_tasks

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)  # a Tuesday
SECOND = timedelta(seconds=1)
WEEK = timedelta(days=7)
FILES = (ROOT / "bpmn/renovation.bpmn", *sorted((ROOT / "forms").glob("renovation_*.form")))

APPLY = {"owner_name": "赵六", "phone": "13700137000", "unit": "2栋3单元803", "planned_start": "2026-12-08",
         "contract_checked": True, "id_checked": True}
HANDOUT = {"application_form_given": True, "floor_plan_given": True, "rules_explained": True}
DECLARE = {"work_items": ["plumbing_electrical", "floors", "waterproofing"],
           "work_description": "全屋水电改造，客厅铺木地板，厨卫重做防水",
           "planned_end": "2027-02-28", "fire_gas_change": False, "structural_change": False,
           "contractor_name": "安居装饰工程有限公司", "contractor_license": "D344012345", "contractor_leader": "钱工",
           "contractor_phone": "13600136000", "workers": 6, "qualification_provided": True, "agreement_signed": True}
VERIFIED = {"municipal_approval_status": "verified", "municipal_approval_no": "燃审〔2026〕88 号",
            "municipal_authority": "市燃气管理处"}
NOT_YET = {"municipal_approval_status": "missing", "municipal_note": "业主尚在办理燃气改管审批"}
PLAN = {"floor_plan": ["803-装修平面图.pdf"], "plan_notes": "厨房燃气表位置不变"}
APPROVE_1 = {"first_review": "approve", "first_review_comments": "资料齐全"}
REJECT_1 = {"first_review": "reject", "first_review_comments": "缺水电走向图"}
APPROVE_2 = {"second_review": "approve", "second_review_comments": "技术上可行", "report_to_company": False}
REJECT_2 = {"second_review": "reject", "second_review_comments": "卫生间防水范围不足", "report_to_company": False}
COMPANY_OK = {"company_decision": "approve", "company_comments": "同意，施工时加强巡查", "company_approver": "孙总"}
COMPANY_NO = {"company_decision": "reject", "company_comments": "不得开凿阳台外墙", "company_approver": "孙总"}
RETURN = {"revision_requests": "按审查意见修改后重新申报", "owner_told": True}
DEPOSIT = {"deposit_amount": 2000, "deposit_payment_method": "transfer", "deposit_receipt_no": "YJ-0001"}
PERMIT = {"permit_no": "ZX-2026-031", "permit_valid_until": "2027-02-28", "worker_passes": 6}
INSPECT_OK = {"inspected_at": "2026-12-08T10:30+08:00", "inspection_findings": "按申报项目施工，现场整洁",
              "violations_found": False}
INSPECT_BAD = {"inspected_at": "2026-12-15T10:30+08:00", "inspection_findings": "楼道堆放建筑垃圾",
               "violations_found": True, "rectification_ordered": "当日清运，楼道恢复原状"}
ACCEPT_OK = {"accepted_at": "2027-03-01T10:00+08:00", "acceptance_findings": "符合申报项目，公共部位无损坏",
             "acceptance_passed": True}
ACCEPT_FAIL = {"accepted_at": "2027-03-01T10:00+08:00", "acceptance_findings": "卫生间闭水试验渗漏",
               "acceptance_passed": False}
RECTIFY = {"rectify_items": "重做卫生间防水并闭水 48 小时", "rectify_deadline": "2027-03-10", "owner_told": True}
REFUND = {"refund_amount": 2000, "deduction": 0, "refunded_at": "2027-03-02T10:00+08:00"}
ARCHIVE = {"permit_returned": True, "records_archived": True, "archive_no": "ZX-DA-2026-031"}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reno(api, clock):
    api.user("desk_lead", "staff", groups=["客服部", "客服部主管"])
    api.user("eng_lead", "staff", groups=["工程部", "工程部主管"])
    api.user("hq", "staff", groups=["公司"])
    api.user("fin", "staff", groups=["财务部"])
    deploy(api, FILES)
    return api


def fire(app) -> int:
    with app.app_context():
        return fire_due()


def timers(api, iid: int) -> dict[str, str]:
    return {t["element_id"]: t["due_at"] for t in api.instance(iid)["timers"]}


def iso(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


def apply(api, **changes) -> int:
    case = api.start("renovation", {}).get_json()
    assert [(t["element_id"], t["group"]) for t in case["tasks"]] == [("accept_application", "客服部")]
    complete(api, case["id"], "accept_application", {**APPLY, **changes}, "desk")
    return case["id"]


def declare(api, iid: int, **changes) -> None:
    complete(api, iid, "declare", {**DECLARE, **changes}, "desk")


def to_first_review(api, iid: int) -> None:
    """From the open plan task to the open first review."""
    complete(api, iid, "receive_plan", PLAN, "desk")
    assert open_tasks(api, iid) == [("first_review", "客服部主管")]


def to_declaration(api, **changes) -> int:
    iid = apply(api, **changes)
    assert open_tasks(api, iid) == [("hand_out", "客服部")]
    complete(api, iid, "hand_out", HANDOUT, "desk")
    assert open_tasks(api, iid) == [("declare", "客服部")]
    return iid


def to_deposit(api, **declared) -> int:
    """A plain application (no fire/gas change, nothing for head office) up to the open deposit task."""
    iid = to_declaration(api)
    declare(api, iid, **declared)
    to_first_review(api, iid)
    complete(api, iid, "first_review", APPROVE_1, "desk_lead")
    complete(api, iid, "second_review", APPROVE_2, "eng_lead")
    assert open_tasks(api, iid) == [("deposit", "财务部")]
    return iid


def to_construction(api) -> int:
    iid = to_deposit(api)
    complete(api, iid, "deposit", DEPOSIT, "fin")
    assert open_tasks(api, iid) == [("issue_permit", "客服部")]
    complete(api, iid, "issue_permit", PERMIT, "desk")
    assert open_tasks(api, iid) == []  # construction: waiting for renovation_completed
    return iid


def refund_and_archive(api, iid: int) -> None:
    complete(api, iid, "refund", REFUND, "fin")
    assert open_tasks(api, iid) == [("archive", "客服部")]
    complete(api, iid, "archive", ARCHIVE, "desk")
    events = end_events(api, iid)  # finished inspection paths have reached their own end event
    assert "end_done" in events and set(events) <= {"end_done", "end_inspection"}


# ------------------------------------------------------------------------------------------------ 7 days' notice
def test_deploys(api, clock):
    body = deploy(api, FILES)
    assert [(p["process_id"], p["created"]) for p in body["processes"]] == [("renovation", True)]


def test_application_less_than_7_days_ahead_is_refused(reno):
    api = reno
    iid = apply(api, planned_start="2026-12-07")  # 6 days after 2026-12-01
    assert open_tasks(api, iid) == [("refuse", "客服部")]
    complete(api, iid, "refuse", {"owner_told": True, "refusal_note": "业主改为 12 月 10 日开工，重新申报"}, "desk")
    assert end_events(api, iid) == ["end_refused"]


@pytest.mark.parametrize(("today", "planned_start", "accepted"), [
    ("2026-12-01T10:00", "2026-12-08", True),    # exactly 7 days
    ("2026-12-01T10:00", "2026-12-07", False),   # 6 days
    ("2026-12-01T10:00", "2026-11-30", False),   # already started
    ("2026-12-01T10:00", "2027-03-01", True),
    ("2026-11-27T16:59", "2026-12-04", True),    # across a month end
    ("2026-11-27T16:59", "2026-12-03", False),
    ("2026-12-28T09:00", "2027-01-04", True),    # across a year end
    ("2026-12-28T09:00", "2027-01-03", False),
    ("2028-02-23T09:00", "2028-03-01", True),    # across 29 February
    ("2028-02-23T09:00", "2028-02-29", False),
    ("2027-02-22T09:00", "2027-03-01", True),    # across 28 February
    ("2027-02-22T09:00", "2027-02-28", False),
    ("2026-12-01T00:30", "2026-12-07", False),   # local date, not UTC (still 30 November in UTC)
    ("2026-11-30T23:30", "2026-12-07", True),
])
def test_seven_days_notice_is_counted_in_calendar_days(reno, clock, today, planned_start, accepted):
    clock.move_to(datetime.fromisoformat(today).replace(tzinfo=SHANGHAI))
    iid = apply(reno, planned_start=planned_start)
    assert open_tasks(reno, iid) == ([("hand_out", "客服部")] if accepted else [("refuse", "客服部")])


def test_application_is_refused_without_contract_and_id_checked(reno):
    case = reno.start("renovation", {}).get_json()
    task = case["tasks"][0]
    resp = reno.complete(task["id"], {**APPLY, "contract_checked": False, "planned_start": "08/12/2026"}, as_="desk")
    assert resp.status_code == 422
    assert set(resp.get_json()["errors"]) == {"contract_checked", "planned_start"}


# ------------------------------------------------------------------------------------------------ approval
def test_plain_application_is_approved_by_both_supervisors(reno):
    api = reno
    iid = to_declaration(api)
    declare(api, iid)
    assert open_tasks(api, iid) == [("receive_plan", "客服部")]  # no fire/gas change: straight to the floor plan
    to_first_review(api, iid)
    first = api.task(iid, "first_review")
    assert api.complete(first["id"], APPROVE_1, as_="desk").status_code == 403  # a clerk is not the 主管
    complete(api, iid, "first_review", APPROVE_1, "desk_lead")
    assert open_tasks(api, iid) == [("second_review", "工程部主管")]
    second = api.task(iid, "second_review")
    assert api.complete(second["id"], APPROVE_2, as_="eng").status_code == 403
    complete(api, iid, "second_review", APPROVE_2, "eng_lead")
    assert open_tasks(api, iid) == [("deposit", "财务部")]  # nothing for head office


def test_fire_or_gas_change_waits_for_the_municipal_approval(reno):
    api = reno
    iid = to_declaration(api)
    declare(api, iid, fire_gas_change=True)
    assert open_tasks(api, iid) == [("verify_municipal", "客服部")]
    assert message(api, iid, "municipal_approval_received").status_code == 409  # not waiting yet
    complete(api, iid, "verify_municipal", NOT_YET, "desk")
    assert open_tasks(api, iid) == []
    assert api.instance(iid)["status"] == "running"
    resp = message(api, iid, "municipal_approval_received", {"certificate_note": "业主交来燃气改管审批证明"})
    assert resp.status_code == 200, resp.get_json()
    assert open_tasks(api, iid) == [("verify_municipal", "客服部")]
    complete(api, iid, "verify_municipal", {**NOT_YET, "municipal_note": "证明未盖章"}, "desk")  # not valid: wait again
    assert message(api, iid, "municipal_approval_received").status_code == 200
    complete(api, iid, "verify_municipal", VERIFIED, "desk")
    assert open_tasks(api, iid) == [("receive_plan", "客服部")]
    assert api.instance(iid)["data"]["certificate_note"] == "业主交来燃气改管审批证明"


def test_certificate_brought_with_the_application_needs_no_waiting(reno):
    api = reno
    iid = to_declaration(api)
    declare(api, iid, fire_gas_change=True)
    complete(api, iid, "verify_municipal", VERIFIED, "desk")
    assert open_tasks(api, iid) == [("receive_plan", "客服部")]


def test_first_and_second_review_rejections_go_back_to_the_owner(reno):
    api = reno
    iid = to_declaration(api)
    declare(api, iid)
    to_first_review(api, iid)
    complete(api, iid, "first_review", REJECT_1, "desk_lead")
    assert open_tasks(api, iid) == [("return_to_owner", "客服部")]
    complete(api, iid, "return_to_owner", RETURN, "desk")
    assert open_tasks(api, iid) == [("declare", "客服部")]  # the owner revises the declaration
    declare(api, iid, work_description="全屋水电改造（附水电走向图），客厅铺木地板，厨卫重做防水")
    to_first_review(api, iid)
    complete(api, iid, "first_review", APPROVE_1, "desk_lead")
    complete(api, iid, "second_review", REJECT_2, "eng_lead")
    assert open_tasks(api, iid) == [("return_to_owner", "客服部")]
    complete(api, iid, "return_to_owner", RETURN, "desk")
    declare(api, iid)
    to_first_review(api, iid)
    complete(api, iid, "first_review", APPROVE_1, "desk_lead")
    complete(api, iid, "second_review", APPROVE_2, "eng_lead")
    assert open_tasks(api, iid) == [("deposit", "财务部")]
    reviews = [h["element_id"] for h in api.instance(iid)["history"]
               if h["action"] == "task_completed" and h["element_id"] in ("first_review", "second_review")]
    assert reviews == ["first_review", "first_review", "second_review", "first_review", "second_review"]


def test_resubmission_with_a_certificate_on_file_is_confirmed_without_waiting(reno):
    api = reno
    iid = to_declaration(api)
    declare(api, iid, fire_gas_change=True)
    complete(api, iid, "verify_municipal", NOT_YET, "desk")
    assert message(api, iid, "municipal_approval_received").status_code == 200
    complete(api, iid, "verify_municipal", VERIFIED, "desk")
    to_first_review(api, iid)
    complete(api, iid, "first_review", REJECT_1, "desk_lead")
    complete(api, iid, "return_to_owner", RETURN, "desk")
    declare(api, iid, fire_gas_change=True)
    assert open_tasks(api, iid) == [("verify_municipal", "客服部")]
    complete(api, iid, "verify_municipal", VERIFIED, "desk")  # the certificate is on file
    assert open_tasks(api, iid) == [("receive_plan", "客服部")]


@pytest.mark.parametrize(("structural", "report"), [(True, False), (False, True), (True, True)])
def test_structural_changes_or_the_second_review_send_it_to_head_office(reno, structural, report):
    api = reno
    iid = to_declaration(api)
    declare(api, iid, structural_change=structural)
    to_first_review(api, iid)
    complete(api, iid, "first_review", APPROVE_1, "desk_lead")
    complete(api, iid, "second_review", {**APPROVE_2, "report_to_company": report}, "eng_lead")
    assert open_tasks(api, iid) == [("company_approval", "公司")]
    task = api.task(iid, "company_approval")
    assert api.complete(task["id"], COMPANY_OK, as_="eng_lead").status_code == 403
    complete(api, iid, "company_approval", COMPANY_OK, "hq")
    assert open_tasks(api, iid) == [("deposit", "财务部")]


def test_head_office_rejection_goes_back_to_the_owner(reno):
    api = reno
    iid = to_declaration(api)
    declare(api, iid, structural_change=True)
    to_first_review(api, iid)
    complete(api, iid, "first_review", APPROVE_1, "desk_lead")
    complete(api, iid, "second_review", APPROVE_2, "eng_lead")
    complete(api, iid, "company_approval", COMPANY_NO, "hq")
    assert open_tasks(api, iid) == [("return_to_owner", "客服部")]
    complete(api, iid, "return_to_owner", RETURN, "desk")
    declare(api, iid, structural_change=False, work_description="取消开凿阳台外墙，其余不变")
    to_first_review(api, iid)
    complete(api, iid, "first_review", APPROVE_1, "desk_lead")
    complete(api, iid, "second_review", APPROVE_2, "eng_lead")
    assert open_tasks(api, iid) == [("deposit", "财务部")]  # no structural change any more


# ------------------------------------------------------------------------------------------------ construction
def test_permit_after_deposit_then_inspection_every_7_days_never_early(app, reno, clock):
    api = reno
    iid = to_deposit(api)
    deposit = api.task(iid, "deposit")
    assert api.complete(deposit["id"], DEPOSIT, as_="desk").status_code == 403  # 财务部 takes the deposit
    complete(api, iid, "deposit", DEPOSIT, "fin")
    permit_at = T0 + timedelta(hours=2)
    clock.move_to(permit_at)
    complete(api, iid, "issue_permit", PERMIT, "desk")
    assert open_tasks(api, iid) == []
    assert timers(api, iid) == {"timer_inspection": iso(permit_at + WEEK)}
    for week in (1, 2, 3):
        due = permit_at + week * WEEK
        clock.move_to(due - SECOND)
        fire(app)
        assert [t for t in open_tasks(api, iid) if t[0] == "inspection"] == [("inspection", "工程部")] * (week - 1)
        clock.move_to(due + SECOND)
        fire(app)
        assert [t for t in open_tasks(api, iid) if t[0] == "inspection"] == [("inspection", "工程部")] * week
        assert timers(api, iid) == {"timer_inspection": iso(due + WEEK)}
        fire(app)  # once per cycle
        assert len(open_tasks(api, iid)) == week
    inspections = [t for t in api.instance(iid)["tasks"] if t["element_id"] == "inspection"]
    for task, record in zip(inspections, (INSPECT_OK, INSPECT_BAD, INSPECT_OK), strict=True):
        assert api.complete(task["id"], record, as_="eng").status_code == 200
    view = api.instance(iid)
    assert view["status"] == "running" and view["tasks"] == []
    assert list(timers(api, iid)) == ["timer_inspection"]  # the construction goes on


def test_completion_ends_the_inspections(app, reno, clock):
    api = reno
    iid = to_construction(api)
    clock.move_to(T0 + WEEK + SECOND)
    fire(app)
    assert open_tasks(api, iid) == [("inspection", "工程部")]
    resp = message(api, iid, "renovation_completed", {"completed_on": "2026-12-10"})
    assert resp.status_code == 200, resp.get_json()
    # the open inspection is withdrawn with the construction stage (SpiffWorkflow drops the unfinished paths of a
    # non-interrupting boundary event when its host completes; Camunda would keep the task): acceptance takes over
    assert open_tasks(api, iid) == [("final_acceptance", "工程部")]
    assert timers(api, iid) == {}
    clock.move_to(T0 + 5 * WEEK)
    assert fire(app) == 0
    assert open_tasks(api, iid) == [("final_acceptance", "工程部")]
    assert message(api, iid, "renovation_completed").status_code == 409


def test_failed_acceptance_is_rectified_and_accepted_again_then_the_deposit_is_refunded(app, reno, clock):
    api = reno
    iid = to_construction(api)
    clock.move_to(T0 + timedelta(days=20))
    assert message(api, iid, "renovation_completed", {"completed_on": "2026-12-21"}).status_code == 200
    acceptance = api.task(iid, "final_acceptance")
    assert api.complete(acceptance["id"], ACCEPT_FAIL, as_="desk").status_code == 403
    complete(api, iid, "final_acceptance", ACCEPT_FAIL, "eng")
    assert open_tasks(api, iid) == [("rectify_notice", "客服部")]
    complete(api, iid, "rectify_notice", RECTIFY, "desk")
    rectify_from = T0 + timedelta(days=20)
    assert open_tasks(api, iid) == [] and timers(api, iid) == {"timer_inspection": iso(rectify_from + WEEK)}
    clock.move_to(rectify_from + WEEK + SECOND)  # inspections go on while the owner rectifies
    fire(app)
    assert open_tasks(api, iid) == [("inspection", "工程部")]
    complete(api, iid, "inspection", INSPECT_OK, "eng")
    assert message(api, iid, "renovation_completed", {"completed_on": "2026-12-29"}).status_code == 200
    complete(api, iid, "final_acceptance", ACCEPT_OK, "eng")
    assert open_tasks(api, iid) == [("refund", "财务部")]
    refund = api.task(iid, "refund")
    assert api.complete(refund["id"], REFUND, as_="desk").status_code == 403
    refund_and_archive(api, iid)
    data = api.instance(iid)["data"]
    assert (data["permit_no"], data["refund_amount"], data["acceptance_passed"]) == ("ZX-2026-031", 2000, True)


def test_the_whole_way_with_municipal_approval_head_office_and_inspections(app, reno, clock):
    api = reno
    iid = to_declaration(api)
    declare(api, iid, fire_gas_change=True, structural_change=True)
    complete(api, iid, "verify_municipal", NOT_YET, "desk")
    assert message(api, iid, "municipal_approval_received").status_code == 200
    complete(api, iid, "verify_municipal", VERIFIED, "desk")
    to_first_review(api, iid)
    complete(api, iid, "first_review", APPROVE_1, "desk_lead")
    complete(api, iid, "second_review", APPROVE_2, "eng_lead")
    complete(api, iid, "company_approval", COMPANY_OK, "hq")
    complete(api, iid, "deposit", DEPOSIT, "fin")
    complete(api, iid, "issue_permit", PERMIT, "desk")
    clock.move_to(T0 + WEEK + SECOND)
    fire(app)
    complete(api, iid, "inspection", INSPECT_BAD, "eng")
    clock.move_to(T0 + 2 * WEEK + SECOND)
    assert message(api, iid, "renovation_completed").status_code == 200
    complete(api, iid, "final_acceptance", ACCEPT_OK, "eng")
    refund_and_archive(api, iid)
    done = [h["element_id"] for h in api.instance(iid)["history"] if h["action"] == "task_completed"]
    assert done == ["accept_application", "hand_out", "declare", "verify_municipal", "verify_municipal",
                    "receive_plan", "first_review", "second_review", "company_approval", "deposit", "issue_permit",
                    "inspection", "final_acceptance", "refund", "archive"]


def test_periodic_inspection_firing_is_counted_and_in_the_history(app, reno, clock):
    api = reno
    iid = to_construction(api)
    clock.move_to(T0 + WEEK + SECOND)
    assert fire(app) == 1
    assert [h["element_id"] for h in api.instance(iid)["history"] if h["action"] == "timer_fired"] == [
        "timer_inspection"]


# ------------------------------------------------------------------------------------------------ the model
def test_model_follows_the_conventions():
    check_model(ROOT / "bpmn/renovation.bpmn", "renovation", {"客服部", "工程部", "公司", "财务部"},
                "renovation_*.form", {"municipal_approval_received", "renovation_completed"})
