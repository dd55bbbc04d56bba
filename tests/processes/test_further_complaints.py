"""§8 further complaint procedures (bpmn/pharma_quality_complaint.bpmn, bpmn/certification_appeal.bpmn), driven end
to end through the HTTP API with a controlled clock: the platform runs other organisations' procedures too."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.processes.helpers import deploy_process as deploy
from tests.processes.helpers import do, elements, fire
from tests.processes.helpers import timer_list as timers

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
SECOND = timedelta(seconds=1)


# --- helpers ------------------------------------------------------------------------------------------------------
@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller







def message(api, instance_id: int, name: str, data: dict, as_: str):
    return api.post(f"/api/v1/instances/{instance_id}/messages/{name}", as_=as_, json={"data": data})


# --- pharmaceutical quality complaint --------------------------------------------------------------------------------
@pytest.fixture
def pharma(api):
    api.user("qa", "staff", groups=["质量保证部"])
    api.user("qm", "staff", groups=["质量经理"])
    api.user("inv", "staff", groups=["调查组"])
    deploy(api, "pharma_quality_complaint")
    return api


REGISTER = {"complainant": "华东医药配送中心", "complainant_contact": "021-55550000", "product_name": "阿莫西林胶囊",
            "batch_no": "A2611-03", "complaint_type": "packaging", "complaint_description": "铝塑板漏封 3 板",
            "received_at": "2026-12-01T09:30:00+08:00", "sample_available": True}
CONTACT = {"contacted_at": "2026-12-01T11:00:00+08:00", "contact_method": "phone", "contact_notes": "客户同意寄回样品",
           "sample_requested": True}
INVESTIGATION = {"retained_sample_result": "留样未见漏封", "batch_record_review": "封口温度记录有一次偏低",
                 "similar_complaints": False, "possible_causes": "封口温度波动"}
REPORT = {"investigation_conclusion": "个别板封口不良", "probable_cause": "热封模具温控故障",
          "capa_proposal": "更换温控器，增加在线检漏"}
CONCLUSION = {"final_conclusion": "投诉成立，影响有限", "capa_actions": "更换温控器；在线检漏",
              "capa_owner": "生产部刘工", "capa_due": "2027-01-15"}
REPLY = {"reply_summary": "调查结论与纠正措施", "reply_sent_at": "2026-12-10T10:00:00+08:00", "reply_channel": "letter"}
CLOSE = {"report_attached": True, "closed_at": "2027-01-10T10:00:00+08:00"}


def _to_reply(api, iid, other_batches=False, recall=False) -> None:
    """From the registered complaint to the reply sent to the customer."""
    do(api, iid, "contact", CONTACT, as_="qa")
    assert api.task(iid, "form_team")["groups"] == ["质量经理"]
    do(api, iid, "form_team", {"team_lead": "质量部张工", "team_members": "QA 李、生产 王、QC 赵",
                               "investigation_scope": "本批及相邻批次", "check_other_batches": other_batches}, as_="qm")
    do(api, iid, "investigate", INVESTIGATION, as_="inv")
    if other_batches:
        assert elements(api, iid) == ["check_batches"]
        do(api, iid, "check_batches", {"batches_checked": "A2611-02, A2611-04", "other_batches_findings": "未见异常",
                                       "other_batches_affected": False}, as_="inv")
    do(api, iid, "report", REPORT, as_="inv")
    do(api, iid, "qa_advice", {"qa_advice": "近一年无相似投诉"}, as_="qa")
    do(api, iid, "conclude", {**CONCLUSION, "recall_decision": "recall" if recall else "no_recall"}, as_="qm")
    if recall:
        assert elements(api, iid) == ["recall"]
        bad = api.complete(api.task(iid, "recall")["id"], {"recall_level": "3", "recall_batches": "A2611-03",
                                                            "recall_started_at": "2026-12-08T09:00:00+08:00",
                                                            "authority_notified": False}, as_="qa")
        assert bad.status_code == 422 and "authority_notified" in bad.get_json()["errors"]
        do(api, iid, "recall", {"recall_level": "3", "recall_batches": "A2611-03",
                                "recall_started_at": "2026-12-08T09:00:00+08:00", "authority_notified": True}, as_="qa")
    assert elements(api, iid) == ["reply"]
    do(api, iid, "reply", REPLY, as_="qa")


def _start(api) -> int:
    case = api.start("pharma_quality_complaint", as_="qa").get_json()
    assert [t["element_id"] for t in case["tasks"]] == ["register"]
    bad = api.complete(case["tasks"][0]["id"], {**REGISTER, "batch_no": "A 26"}, as_="qa")
    assert bad.status_code == 422 and "batch_no" in bad.get_json()["errors"]
    do(api, case["id"], "register", REGISTER, as_="qa")
    return case["id"]


def test_pharma_complaint_closed_after_the_complainant_accepts(app, pharma, clock):
    api = pharma
    iid = _start(api)
    assert timers(api, iid) == [("timer_contact", (T0 + timedelta(hours=24)).isoformat())]
    url = f"/api/v1/instances/{iid}/messages/complainant_reply"
    assert api.post(url, as_="qa", json={"data": {}}).status_code == 409  # not waiting for a reply yet
    _to_reply(api, iid)
    assert timers(api, iid) == [("gw_wait", (T0 + timedelta(days=30)).isoformat())]
    resp = message(api, iid, "complainant_reply", {"complainant_reply_text": "接受处理结果"}, as_="qa")
    assert resp.status_code == 200, resp.get_json()
    assert elements(api, iid) == ["review_reply"] and timers(api, iid) == []
    do(api, iid, "review_reply", {"reply_content": "接受处理结果", "reply_action": "close"}, as_="qa")
    do(api, iid, "close", {**CLOSE, "closing_reason": "accepted"}, as_="qm")
    view = api.instance(iid)
    assert view["status"] == "completed" and view["data"]["complainant_reply_text"] == "接受处理结果"
    assert view["history"][-1]["element_id"] == "end_closed"


def test_pharma_complaint_closed_after_30_days_without_reply(app, pharma, clock):
    api = pharma
    iid = _start(api)
    _to_reply(api, iid, other_batches=True, recall=True)
    replied_at = T0  # the clock stands still: the reply was sent "now"
    closes_at = replied_at + timedelta(days=30)
    clock.move_to(closes_at - SECOND)
    fire(app)
    assert elements(api, iid) == []
    clock.move_to(closes_at + SECOND)
    fire(app)
    assert elements(api, iid) == ["close"] and timers(api, iid) == []
    assert message(api, iid, "complainant_reply", {"complainant_reply_text": "太晚了"}, as_="qa").status_code == 409
    do(api, iid, "close", {**CLOSE, "closing_reason": "no_reply"}, as_="qm")
    assert api.instance(iid)["status"] == "completed"


def test_pharma_reply_with_new_facts_reopens_the_investigation(app, pharma, clock):
    api = pharma
    iid = _start(api)
    _to_reply(api, iid)
    clock.move_to(T0 + timedelta(days=10))
    assert message(api, iid, "complainant_reply", {"complainant_reply_text": "另有 2 箱同样问题"},
                   as_="qa").status_code == 200
    do(api, iid, "review_reply", {"reply_content": "另有 2 箱同样问题", "reply_action": "reopen"}, as_="qa")
    assert elements(api, iid) == ["investigate"] and api.task(iid, "investigate")["groups"] == ["调查组"]
    do(api, iid, "investigate", {**INVESTIGATION, "similar_complaints": True, "similar_complaint_refs": "QC-2026-118"},
       as_="inv")
    do(api, iid, "report", REPORT, as_="inv")
    do(api, iid, "qa_advice", {"qa_advice": "与 QC-2026-118 同因"}, as_="qa")
    do(api, iid, "conclude", {**CONCLUSION, "recall_decision": "no_recall"}, as_="qm")
    do(api, iid, "reply", REPLY, as_="qa")
    # the 30 days run again from the second reply
    assert timers(api, iid) == [("gw_wait", (T0 + timedelta(days=40)).isoformat())]
    clock.move_to(T0 + timedelta(days=40) + SECOND)
    fire(app)
    do(api, iid, "close", {**CLOSE, "closing_reason": "no_reply"}, as_="qm")
    assert api.instance(iid)["status"] == "completed"


def test_pharma_customer_not_contacted_within_24_hours(app, pharma, clock):
    api = pharma
    iid = _start(api)
    due = T0 + timedelta(hours=24)
    clock.move_to(due - SECOND)
    fire(app)
    assert elements(api, iid) == ["contact"]
    clock.move_to(due + SECOND)
    fire(app)
    assert elements(api, iid) == ["contact", "remind_contact"]  # non-interrupting: QA still has to call
    remind = api.task(iid, "remind_contact")
    assert remind["groups"] == ["质量经理"]
    assert api.complete(remind["id"], {"reminder_notes": "已督促"}, as_="qa").status_code == 403
    do(api, iid, "remind_contact", {"reminder_notes": "已督促 QA 今日联系客户"}, as_="qm")
    _to_reply(api, iid)
    assert elements(api, iid) == []


# --- certification body: complaints and appeals ----------------------------------------------------------------------
@pytest.fixture
def certification(api):
    api.user("sec1", "staff", groups=["认证机构"])
    api.user("li", "staff", groups=["申诉委员会"])
    api.user("zhangli", "staff", groups=["申诉委员会"])
    api.user("chen", "staff", groups=["申诉委员会", "认证机构"])
    deploy(api, "certification_appeal")
    return api


APPEAL = {"appellant": "王某", "appellant_contact": "13900001111", "case_type": "appeal",
          "subject_ref": "CERT-2026-0456", "case_description": "对暂停证书的决定不服",
          "concerned_persons": "chen,zhao", "received_at": "2026-12-01T09:00:00+08:00"}
ACK = {"acknowledged_at": "2026-12-01T10:00:00+08:00", "acknowledge_channel": "email", "procedure_explained": True}
DECISION = {"investigation_summary": "复核考试记录与评审意见", "decision_reasons": "评审程序有瑕疵",
            "no_conflict_declared": True}
NOTICE = {"notice_no": "SS-2026-012", "notice_sent_at": "2026-12-20T10:00:00+08:00", "process_published": True}


def _appeal(api, concerned: str = "chen,zhao") -> int:
    case = api.start("certification_appeal", as_="sec1").get_json()
    bad = api.complete(case["tasks"][0]["id"], {**APPEAL, "concerned_persons": "chen, zhao"}, as_="sec1")
    assert bad.status_code == 422 and "concerned_persons" in bad.get_json()["errors"]
    do(api, case["id"], "register", {**APPEAL, "concerned_persons": concerned}, as_="sec1")
    do(api, case["id"], "acknowledge", ACK, as_="sec1")
    return case["id"]


def test_appeal_handler_who_is_concerned_is_refused_and_reassigned(app, certification, clock):
    api = certification
    iid = _appeal(api)
    do(api, iid, "assign", {"handler": "chen", "assign_notes": ""}, as_="sec1")
    assert elements(api, iid) == ["assign"]  # chen made the decision under appeal: sent back
    do(api, iid, "assign", {"handler": "li", "assign_notes": "chen 为原决定人，改派"}, as_="sec1")
    handle = api.task(iid, "handle")
    assert handle["groups"] == ["申诉委员会"]
    assert api.complete(handle["id"], {**DECISION, "decision": "upheld"}, as_="sec1").status_code == 403
    assert api.post(f"/api/v1/tasks/{handle['id']}/claim", as_="li", json={}).status_code == 200
    bad = api.complete(handle["id"], {**DECISION, "decision": "upheld", "no_conflict_declared": False}, as_="li")
    assert bad.status_code == 422 and "no_conflict_declared" in bad.get_json()["errors"]
    do(api, iid, "handle", {**DECISION, "decision": "upheld"}, as_="li")
    assert elements(api, iid) == ["corrective"]
    do(api, iid, "corrective", {"certificate_action": "reinstate", "corrective_measures": "恢复证书，重新培训评审员"},
       as_="sec1")
    do(api, iid, "notify", NOTICE, as_="sec1")
    view = api.instance(iid)
    assert view["status"] == "completed" and view["timers"] == []
    assigned = [h["data"]["handler"] for h in view["history"] if h["element_id"] == "assign" and h["data"]]
    assert assigned == ["chen", "li"]
    handled_by = [h["actor"] for h in view["history"]
                  if h["action"] == "task_completed" and h["element_id"] == "handle"]
    assert handled_by == ["li"]


def test_appeal_rejected_is_notified_without_corrective_action(app, certification, clock):
    api = certification
    iid = _appeal(api, concerned="zhangli")  # 'li' is a different user: whole names are compared
    do(api, iid, "assign", {"handler": "li"}, as_="sec1")
    do(api, iid, "handle", {**DECISION, "decision": "rejected", "decision_reasons": "决定符合程序"}, as_="li")
    assert elements(api, iid) == ["notify"]
    do(api, iid, "notify", NOTICE, as_="sec1")
    assert api.instance(iid)["status"] == "completed"


def test_appeal_progress_reported_every_14_days_while_handled(app, certification, clock):
    api = certification
    iid = _appeal(api)
    do(api, iid, "assign", {"handler": "li"}, as_="sec1")
    first = T0 + timedelta(days=14)
    assert timers(api, iid) == [("timer_progress", first.isoformat())]
    clock.move_to(first - SECOND)
    fire(app)
    assert elements(api, iid) == ["handle"]
    clock.move_to(first + SECOND)
    fire(app)
    assert elements(api, iid) == ["handle", "progress_report"]
    assert api.task(iid, "progress_report")["groups"] == ["认证机构"]
    do(api, iid, "progress_report", {"progress_summary": "已调取考试记录", "progress_sent_at": first.isoformat()},
       as_="sec1")
    second = first + timedelta(days=14)
    assert timers(api, iid) == [("timer_progress", second.isoformat())]
    clock.move_to(second + SECOND)
    fire(app)
    assert elements(api, iid) == ["handle", "progress_report"]
    do(api, iid, "progress_report", {"progress_summary": "评审员面谈完成", "progress_sent_at": second.isoformat()},
       as_="sec1")
    do(api, iid, "handle", {**DECISION, "decision": "rejected"}, as_="li")
    assert timers(api, iid) == []  # the progress cycle ends with the handling
    do(api, iid, "notify", NOTICE, as_="sec1")
    assert api.instance(iid)["status"] == "completed"


def test_concerned_committee_member_cannot_handle_the_appeal(app, certification, clock):
    api = certification
    iid = _appeal(api)  # concerns chen, who also sits on the appeal committee
    do(api, iid, "assign", {"handler": "li"}, as_="sec1")
    handle = api.task(iid, "handle")
    assert api.post(f"/api/v1/tasks/{handle['id']}/claim", as_="chen", json={}).status_code == 403
    assert api.complete(handle["id"], {**DECISION, "decision": "rejected"}, as_="chen").status_code == 403
