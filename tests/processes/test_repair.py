"""用户报修 / 上门维修 (bpmn/repair.bpmn) end to end through the HTTP API, as the departments work it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from lxml import etree

from tests.conftest import ROOT
from tests.processes.helpers import complete, deploy_files, fire, iso, open_tasks, timers

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # a Friday, a working day
FILES = (
    ROOT / "bpmn/repair.bpmn", ROOT / "bpmn/repair_urgency.dmn",
    ROOT / "bpmn/followup_visit.bpmn", ROOT / "bpmn/followup_satisfaction.dmn",
    *sorted((ROOT / "forms").glob("repair_*.form")), ROOT / "forms/followup_visit.form",
)
REGISTER = {
    "ticket_no": "BX-20261127-001", "channel": "phone", "resident_name": "张三", "phone": "13800138000",
    "unit": "3栋2单元501", "repair_area": "户内", "fault_category": "给排水",
    "fault_description": "厨房水管爆裂，正在漏水", "urgency": "急修", "appointment_at": "2026-11-27T10:00+08:00",
    "major": False,
}
ARRIVE = {"technician": "李师傅", "arrived_at": "2026-11-27T10:20+08:00", "diagnosis": "角阀老化破裂"}
WORK = {"work_done": "关闭总阀，更换角阀", "materials": "角阀 1 个", "needs_extension": False}
ACCEPT = {"fixed": True, "resident_signed": True, "paid_service": False}
CHARGE = {"charge_amount": 45.5, "payment_method": "微信", "receipt_no": "SJ-0001"}
VISIT = {"visit_method": "phone", "visitor": "王客服", "visited_at": "2026-11-28T09:00+08:00",
         "satisfaction": "满意", "visit_comments": "无"}
SUPERVISE = {"supervise_action": "电话催促维修班长，加派人手", "resident_contacted": True}
ARCHIVE = {"records_complete": True, "archive_no": "WX-2026-11-001"}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def deploy(api) -> dict:
    return deploy_files(api, FILES)


@pytest.fixture
def repair_api(api, clock):
    api.user("fin", "staff", groups=["财务部"])
    deploy(api)
    return api








def register(api, **changes) -> int:
    case = api.start("repair", {"channel": "phone"}).get_json()
    assert [t["element_id"] for t in case["tasks"]] == ["register"]
    complete(api, case["id"], "register", {**REGISTER, **changes}, as_="desk")
    return case["id"]


def arrive(api, iid: int) -> None:
    element = "arrive_urgent" if api.instance(iid)["data"]["urgency"] == "急修" else "arrive_scheduled"
    complete(api, iid, element, ARRIVE, as_="eng")


def to_visit(api, iid: int, paid: bool = False) -> None:
    """From an open arrival task to the follow-up visit: repaired, accepted, (charged)."""
    arrive(api, iid)
    complete(api, iid, "repair_work", WORK, as_="eng")
    accept = {**ACCEPT, "paid_service": paid, **({"fee_items": "角阀 25 元，人工 20.5 元"} if paid else {})}
    complete(api, iid, "acceptance", accept, as_="eng")
    if paid:
        complete(api, iid, "charge", CHARGE, as_="fin")


# --------------------------------------------------------------------------- deployment and diagram
def test_deploys_with_the_follow_up_visit(api, clock):
    body = deploy(api)
    assert {(p["process_id"], p["created"]) for p in body["processes"]} == {("repair", True), ("followup_visit", True)}
    again = api.deploy(*FILES)  # the same files again: nothing new
    assert again.status_code == 200 and not any(p["created"] for p in again.get_json()["processes"])


@pytest.mark.parametrize("name", ["repair.bpmn", "followup_visit.bpmn"])
def test_diagram_interchange_is_complete(name):
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI", "dc": "http://www.omg.org/spec/DD/20100524/DC"}
    root = etree.parse(str(ROOT / "bpmn" / name)).getroot()
    ids = [node.get("id") for node in root.iter() if node.get("id")]
    assert len(ids) == len(set(ids)), "XML ids must be unique in the document (bpmn-js refuses duplicates)"
    process = root.find("bpmn:process", ns)
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", ns)}
    edges = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", ns)}
    in_lanes = {r.text for r in process.iterfind(".//bpmn:flowNodeRef", ns)}
    nodes = [n for n in process if n.get("id") and etree.QName(n).localname not in ("laneSet", "sequenceFlow")]
    assert root.find(".//bpmn:participant", ns).get("id") in shapes
    assert {lane.get("id") for lane in process.iterfind(".//bpmn:lane", ns)} <= set(shapes)
    for node in nodes:
        kind = etree.QName(node).localname
        assert node.get("id") in shapes and node.get("id") in in_lanes and node.get("name"), node.get("id")
        if kind.endswith("Event") or kind.endswith("Gateway"):
            assert shapes[node.get("id")].find("bpmndi:BPMNLabel", ns) is not None, node.get("id")
        if kind == "boundaryEvent":
            event = shapes[node.get("id")].find("dc:Bounds", ns)
            host = shapes[node.get("attachedToRef")].find("dc:Bounds", ns)
            centre_y = float(event.get("y")) + float(event.get("height")) / 2
            assert centre_y == float(host.get("y")) + float(host.get("height")), node.get("id")
    assert {f.get("id") for f in process.iterfind("bpmn:sequenceFlow", ns)} <= edges


# --------------------------------------------------------------------------- registration and urgency
@pytest.mark.parametrize(("urgency", "arrival", "onsite", "hours", "duration"), [
    ("急修", "arrive_urgent", 30, 24, "PT24H"),
    ("一般急修", "arrive_scheduled", None, 24, "PT24H"),
    ("其他", "arrive_scheduled", None, 48, "PT48H"),
])
def test_urgency_decides_time_limits_and_arrival(repair_api, urgency, arrival, onsite, hours, duration):
    iid = register(repair_api, urgency=urgency, appointment_at="2026-11-28T09:00+08:00")
    view = repair_api.instance(iid)
    data = view["data"]
    assert (data["onsite_minutes"], data["fix_hours"], data["fix_duration"]) == (onsite, hours, duration)
    assert data["case_type"] == "repair" and data["ticket_no"] == "BX-20261127-001"
    assert [(t["element_id"], t["group"]) for t in view["tasks"]] == [(arrival, "工程部")]
    if urgency == "急修":
        assert timers(repair_api, iid) == {"timer_onsite": iso(T0 + timedelta(minutes=30))}
        assert view["tasks"][0]["due_at"] is None
    else:
        assert timers(repair_api, iid) == {}
        assert view["tasks"][0]["due_at"] == "2026-11-28T09:00:00+08:00"  # the appointment
    listed = repair_api.get("/api/v1/tasks?group=工程部", as_="eng").get_json()["items"]
    assert [(t["instance_id"], t["element_id"]) for t in listed] == [(iid, arrival)]


def test_register_form_is_validated(repair_api):
    case = repair_api.start("repair", {}).get_json()
    task_id = case["tasks"][0]["id"]
    bad = {**REGISTER, "phone": "12345", "urgency": "特急"}
    del bad["appointment_at"]
    resp = repair_api.complete(task_id, bad, as_="desk")
    assert resp.status_code == 422
    assert set(resp.get_json()["errors"]) == {"phone", "urgency", "appointment_at"}
    assert repair_api.complete(task_id, {**REGISTER, "note": "x"}, as_="desk").status_code == 422  # unknown key
    assert repair_api.complete(task_id, REGISTER, as_="eng").status_code == 403  # 工程部 does not register
    assert open_tasks(repair_api, case["id"]) == [("register", "客服部")]


# --------------------------------------------------------------------------- 急修: 30 minutes on site
def test_urgent_repair_escalates_after_30_minutes_and_not_a_second_early(app, repair_api, clock):
    iid = register(repair_api)
    clock.move_to(T0 + timedelta(minutes=30) - timedelta(seconds=1))
    assert fire(app) == 0
    assert open_tasks(repair_api, iid) == [("arrive_urgent", "工程部")]
    clock.move_to(T0 + timedelta(minutes=30, seconds=1))
    assert fire(app) == 1
    view = repair_api.instance(iid)
    assert sorted((t["element_id"], t["group"]) for t in view["tasks"]) == [
        ("arrive_urgent", "工程部"), ("supervise_onsite", "物业经理")]  # non-interrupting
    assert view["timers"] == []
    assert any(h["action"] == "timer_fired" and h["element_id"] == "timer_onsite" for h in view["history"])
    boss_list = repair_api.get("/api/v1/tasks?group=物业经理", as_="boss").get_json()["items"]
    assert [t["element_id"] for t in boss_list] == ["supervise_onsite"]
    assert fire(app) == 0  # fires once
    complete(repair_api, iid, "supervise_onsite", SUPERVISE, as_="boss")
    arrive(repair_api, iid)
    assert open_tasks(repair_api, iid) == [("repair_work", "工程部")]


def test_arrival_within_30_minutes_stops_the_escalation(app, repair_api, clock):
    iid = register(repair_api)
    clock.move_to(T0 + timedelta(minutes=20))
    arrive(repair_api, iid)
    assert timers(repair_api, iid) == {"timer_fix": iso(T0 + timedelta(minutes=20, hours=24))}
    clock.move_to(T0 + timedelta(hours=2))
    assert fire(app) == 0
    assert open_tasks(repair_api, iid) == [("repair_work", "工程部")]


# --------------------------------------------------------------------------- fix deadline
@pytest.mark.parametrize(("urgency", "hours"), [("急修", 24), ("一般急修", 24), ("其他", 48)])
def test_fix_deadline_escalates_to_the_manager(app, repair_api, clock, urgency, hours):
    iid = register(repair_api, urgency=urgency)
    start = T0 + timedelta(minutes=15)
    clock.move_to(start)
    arrive(repair_api, iid)
    assert timers(repair_api, iid) == {"timer_fix": iso(start + timedelta(hours=hours))}
    clock.move_to(start + timedelta(hours=hours) - timedelta(seconds=1))
    assert fire(app) == 0
    clock.move_to(start + timedelta(hours=hours, seconds=1))
    assert fire(app) == 1
    assert open_tasks(repair_api, iid) == [("repair_work", "工程部"), ("supervise_fix", "物业经理")]
    complete(repair_api, iid, "supervise_fix", SUPERVISE, as_="boss")
    complete(repair_api, iid, "repair_work", WORK, as_="eng")
    assert open_tasks(repair_api, iid) == [("acceptance", "工程部")]


def test_extension_for_parts_sets_a_new_deadline(app, repair_api, clock):
    iid = register(repair_api, urgency="其他")
    arrive(repair_api, iid)
    complete(repair_api, iid, "repair_work", {**WORK, "needs_extension": True}, as_="eng")
    assert open_tasks(repair_api, iid) == [("extend", "工程部")]
    assert timers(repair_api, iid) == {}  # the 48 h timer ended with the repair task
    extension = {"extension_reason": "待购配件", "extension_detail": "热水器主板需向厂家订货",
                 "extended_until": "2026-12-01T18:00+08:00", "resident_informed": False}
    resp = repair_api.complete(repair_api.task(iid, "extend")["id"], extension, as_="eng")
    assert resp.status_code == 422 and "resident_informed" in resp.get_json()["errors"]
    complete(repair_api, iid, "extend", {**extension, "resident_informed": True}, as_="eng")
    task = repair_api.task(iid, "repair_extended")
    assert (task["group"], task["due_at"]) == ("工程部", "2026-12-01T18:00:00+08:00")
    assert timers(repair_api, iid) == {"timer_extended": "2026-12-01T18:00:00+08:00"}
    # parts still not there: a second extension, then the new date passes
    complete(repair_api, iid, "repair_extended", {**WORK, "needs_extension": True}, as_="eng")
    complete(repair_api, iid, "extend", {**extension, "extended_until": "2026-12-03T18:00+08:00",
                                         "resident_informed": True}, as_="eng")
    assert timers(repair_api, iid) == {"timer_extended": "2026-12-03T18:00:00+08:00"}
    clock.move_to(datetime(2026, 12, 3, 17, 59, 59, tzinfo=SHANGHAI))
    assert fire(app) == 0
    clock.move_to(datetime(2026, 12, 3, 18, 0, 1, tzinfo=SHANGHAI))
    assert fire(app) == 1
    assert open_tasks(repair_api, iid) == [("repair_extended", "工程部"), ("supervise_fix", "物业经理")]
    complete(repair_api, iid, "repair_extended", WORK, as_="eng")
    complete(repair_api, iid, "supervise_fix", SUPERVISE, as_="boss")
    assert open_tasks(repair_api, iid) == [("acceptance", "工程部")]


# --------------------------------------------------------------------------- acceptance, charge, visit
def test_failed_acceptance_goes_back_to_rework_with_a_new_deadline(repair_api, clock):
    iid = register(repair_api, urgency="一般急修")
    arrive(repair_api, iid)
    first = repair_api.task(iid, "repair_work")["id"]
    complete(repair_api, iid, "repair_work", WORK, as_="eng")
    later = T0 + timedelta(hours=3)
    clock.move_to(later)
    complete(repair_api, iid, "acceptance", {**ACCEPT, "fixed": False, "resident_signed": False,
                                             "acceptance_note": "仍在滴水"}, as_="eng")
    rework = repair_api.task(iid, "repair_work")
    assert rework["id"] != first and rework["group"] == "工程部"
    assert timers(repair_api, iid) == {"timer_fix": iso(later + timedelta(hours=24))}
    complete(repair_api, iid, "repair_work", WORK, as_="eng")
    complete(repair_api, iid, "acceptance", ACCEPT, as_="eng")
    assert open_tasks(repair_api, iid) == [("followup_visit_desk", "客服部")]


def test_paid_service_is_charged_by_finance(repair_api):
    iid = register(repair_api, urgency="其他")
    arrive(repair_api, iid)
    complete(repair_api, iid, "repair_work", WORK, as_="eng")
    complete(repair_api, iid, "acceptance", {**ACCEPT, "paid_service": True, "fee_items": "角阀 25 元"}, as_="eng")
    charge = repair_api.task(iid, "charge")
    assert charge["group"] == "财务部" and charge["form_id"] == "repair_charge"
    assert repair_api.complete(charge["id"], CHARGE, as_="desk").status_code == 403
    resp = repair_api.complete(charge["id"], {**CHARGE, "charge_amount": 0}, as_="fin")
    assert resp.status_code == 422 and "charge_amount" in resp.get_json()["errors"]
    complete(repair_api, iid, "charge", CHARGE, as_="fin")
    assert open_tasks(repair_api, iid) == [("followup_visit_desk", "客服部")]
    assert repair_api.instance(iid)["data"]["receipt_no"] == "SJ-0001"


def test_free_service_skips_finance(repair_api):
    iid = register(repair_api, urgency="其他")
    to_visit(repair_api, iid, paid=False)
    assert open_tasks(repair_api, iid) == [("followup_visit_desk", "客服部")]
    history = repair_api.instance(iid)["history"]
    assert not any(h["element_id"] == "charge" for h in history)


def test_follow_up_visit_round_trip_closes_the_repair(repair_api):
    iid = register(repair_api)
    to_visit(repair_api, iid, paid=True)
    listed = repair_api.get("/api/v1/tasks?group=客服部", as_="desk2").get_json()["items"]
    assert [(t["instance_id"], t["process_id"], t["element_id"], t["form_id"]) for t in listed] == [
        (iid, "repair", "followup_visit_desk", "followup_visit")]
    assert listed[0]["due_at"] == "2026-11-30T10:00:00+08:00"  # one working day after Friday 10:00
    detail = repair_api.get(f"/api/v1/tasks/{listed[0]['id']}", as_="desk2").get_json()
    assert detail["form"]["id"] == "followup_visit"
    assert detail["instance_data"]["phone"] == "13800138000"  # the visitor sees whom to call
    complete(repair_api, iid, "followup_visit_desk", {**VISIT, "satisfaction": "基本满意",
                                                   "visit_comments": "师傅来得快，地面没清理干净"}, as_="desk2")
    data = repair_api.instance(iid)["data"]
    assert (data["satisfaction"], data["satisfied"], data["visit_comments"]) == (
        "基本满意", True, "师傅来得快，地面没清理干净")
    assert open_tasks(repair_api, iid) == [("archive", "客服部")]
    complete(repair_api, iid, "archive", ARCHIVE, as_="desk")
    view = repair_api.instance(iid)
    assert view["status"] == "completed" and view["tasks"] == [] and view["timers"] == []
    assert view["history"][-1]["action"] == "completed" and view["history"][-1]["element_id"] == "end_closed"


def test_unsatisfied_visit_reopens_the_repair(repair_api):
    iid = register(repair_api, urgency="一般急修")
    to_visit(repair_api, iid)
    complete(repair_api, iid, "followup_visit_desk", {**VISIT, "satisfaction": "不满意", "visit_comments": "还在漏",
                                                   "rework_reason": "维修后第二天仍漏水"}, as_="desk")
    data = repair_api.instance(iid)["data"]
    assert (data["satisfaction"], data["satisfied"], data["rework_reason"]) == ("不满意", False, "维修后第二天仍漏水")
    assert open_tasks(repair_api, iid) == [("repair_work", "工程部")]  # 返单: back to 工程部
    assert "timer_fix" in timers(repair_api, iid)
    complete(repair_api, iid, "repair_work", WORK, as_="eng")
    complete(repair_api, iid, "acceptance", ACCEPT, as_="eng")
    complete(repair_api, iid, "followup_visit_desk", VISIT, as_="desk")
    assert repair_api.instance(iid)["data"]["satisfied"] is True
    complete(repair_api, iid, "archive", ARCHIVE, as_="desk")
    view = repair_api.instance(iid)
    assert view["status"] == "completed"
    visits = [h for h in view["history"] if h["action"] == "task_completed" and h["element_id"] == "followup_visit_desk"]
    assert [v["data"]["satisfaction"] for v in visits] == ["不满意", "满意"]  # both visits count in the statistics


def test_major_repair_is_visited_by_the_project_manager(repair_api):
    iid = register(repair_api, urgency="其他", major=True)
    to_visit(repair_api, iid)
    task = repair_api.task(iid, "followup_visit_manager")
    assert task["group"] == "物业经理"
    assert repair_api.get("/api/v1/tasks?group=客服部", as_="desk").get_json()["items"] == []
    assert repair_api.complete(task["id"], VISIT, as_="desk").status_code == 403
    manager_visit = {**VISIT, "visitor": "赵经理", "visit_method": "on_site"}
    complete(repair_api, iid, "followup_visit_manager", manager_visit, as_="boss")
    assert open_tasks(repair_api, iid) == [("archive", "客服部")]


# --------------------------------------------------------------------------- SLA records (service commitments)
def sla(api, iid: int) -> dict[str, list[dict]]:
    records: dict[str, list[dict]] = {}
    for record in api.get(f"/api/v1/instances/{iid}/sla", as_="boss").get_json()["items"]:
        records.setdefault(record["commitment"], []).append(record)
    return records


def test_on_site_and_fix_commitments_are_recorded_met_or_breached(app, repair_api, clock):
    iid = register(repair_api)  # 急修: on site within 30 minutes, fixed within 24 hours
    (on_site,) = sla(repair_api, iid)["on_site"]
    assert (on_site["due_at"], on_site["met"], on_site["completed_at"]) == (iso(T0 + timedelta(minutes=30)), None, None)
    clock.move_to(T0 + timedelta(minutes=20))
    arrive(repair_api, iid)
    records = sla(repair_api, iid)
    assert (records["on_site"][0]["met"], records["on_site"][0]["completed_at"]) == (True, iso(T0 + timedelta(minutes=20)))
    (fix,) = records["fix"]
    assert (fix["element_id"], fix["due_at"], fix["met"]) == ("timer_fix", iso(T0 + timedelta(minutes=20, hours=24)), None)
    clock.move_to(T0 + timedelta(minutes=20, hours=24, seconds=1))
    assert fire(app) == 1
    (fix,) = sla(repair_api, iid)["fix"]
    assert fix["met"] is False and fix["completed_at"] == iso(T0 + timedelta(minutes=20, hours=24, seconds=1))
