"""Incidents (processes.md §6) end to end through the HTTP API: bpmn/emergency.bpmn, flooding.bpmn,
power_outage_emergency.bpmn, planned_outage.bpmn and fire.bpmn, worked by the departments in their lanes.

Every gateway branch, the parallel branches, the review loop and every timer (moved with time-machine, fired
with fire_due(): never a second early) are driven here."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import ROOT
from tests.processes.helpers import complete, fire, iso, open_tasks, timers

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # a Friday
PROCESSES = ("emergency", "flooding", "power_outage_emergency", "planned_outage", "fire")
FORM_PREFIXES = ("emergency", "flooding", "power_outage", "planned_outage", "fire")
FILES = (
    *(ROOT / "bpmn" / f"{pid}.bpmn" for pid in PROCESSES),
    *sorted(f for prefix in FORM_PREFIXES for f in (ROOT / "forms").glob(f"{prefix}_*.form")),
    ROOT / "forms" / "incident_report.form",
)

CHANNELS = {"notice_channels": ["notice_board", "wechat"], "notice_content": "受影响范围、注意事项、咨询电话 8888",
            "notified_at": "2026-11-27T10:40+08:00"}
SEC_ARRIVED = {"security_arrived_at": "2026-11-27T10:03+08:00", "security_responders": "张保安、李保安"}
ENG_ARRIVED = {"engineering_arrived_at": "2026-11-27T10:20+08:00", "engineering_responders": "王电工"}
CHASE = {"chase_action": "对讲机催促，调派巡逻岗增援"}
SUPERVISE = {"supervise_instruction": "外请专业单位配合，今晚 20:00 前修复"}
REPORT = {
    "incident_started_at": "2026-11-27T10:00+08:00", "incident_ended_at": "2026-11-27T16:00+08:00",
    "incident_location": "3栋地下车库", "incident_cause": "给水主管接头老化破裂", "casualties": "无",
    "property_losses": "车库地面积水，两辆车轮胎浸水", "loss_amount": 3000,
    "measures_taken": "关阀、堵水、排水、更换接头",
    "preventive_measures": "更换同批次接头，纳入月度巡检", "reported_by": "王工",
}
RETURN = {"review_result": "return", "review_comments": "补充业户财产损失明细"}
APPROVE = {"review_result": "approve", "review_comments": "同意结案，按整改措施落实", "reported_to": ["company"]}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def incidents(api, clock):
    api.user("ccr", "staff", groups=["中央控制室"])
    api.user("sec", "staff", groups=["保安部"])
    api.user("clean", "staff", groups=["清洁绿化部"])
    resp = api.deploy(*FILES)
    if resp.status_code == 422:
        print(resp.get_json()["errors"])
    assert resp.status_code == 201, resp.get_json()
    assert sorted(p["process_id"] for p in resp.get_json()["processes"]) == sorted(PROCESSES)
    return api


# ------------------------------------------------------------------------------------------------ helpers




def fires_exactly_at(app, api, clock, iid: int, element: str, due: datetime) -> None:
    """The timer is pending with this due time, does not fire a second early, fires a second late."""
    assert timers(api, iid).get(element) == iso(due), timers(api, iid)
    clock.move_to(due - timedelta(seconds=1))
    assert fire(app) == 0
    assert element in timers(api, iid)
    clock.move_to(due + timedelta(seconds=1))
    assert fire(app) == 1
    assert element not in timers(api, iid)


def fired(api, iid: int) -> list[str]:
    return [h["element_id"] for h in api.instance(iid)["history"] if h["action"] == "timer_fired"]


def end_events(api, iid: int) -> list[str]:
    view = api.instance(iid)
    assert view["status"] == "completed", view
    done = [h for h in view["history"] if h["action"] == "completed"]
    return done[-1]["data"]["end_events"]


def review_with_one_return(api, iid: int, report_as: str) -> None:
    """Report → 物业经理 returns it → report again → approved: the review loop."""
    complete(api, iid, "report", REPORT, report_as)
    assert open_tasks(api, iid) == [("review", "物业经理")]
    complete(api, iid, "review", RETURN, "boss")
    assert [t for t, _ in open_tasks(api, iid)] == ["report"]
    complete(api, iid, "report", {**REPORT, "property_losses": "两辆车轮胎浸水，车主已登记索赔"}, report_as)
    complete(api, iid, "review", APPROVE, "boss")


def start(api, pid: str, as_: str) -> int:
    resp = api.start(pid, as_=as_)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


# ============================================================================================== emergency
EMERGENCY = {
    "reported_at": "2026-11-27T10:00+08:00", "reporter": "5栋住户刘女士", "reporter_phone": "13800138000",
    "location": "5栋2单元电梯", "event_type": "lift", "description": "电梯停在 7、8 层之间，轿厢内 2 人",
    "casualties_reported": "no", "external_called": ["lift"], "manager_informed": True,
}
EMERGENCY_SEC = {"cordon_set": True, "people_evacuated": 0, "security_measures": "安抚被困人员，维持电梯厅秩序"}
EMERGENCY_ENG = {"isolated": ["lift"], "engineering_measures": "盘车放人，2 人安全救出", "needs_repair": "yes"}
EMERGENCY_REPAIR = {"repair_content": "更换门锁回路继电器", "restored_at": "2026-11-27T15:00+08:00"}


def emergency_dispatched(api) -> int:
    iid = start(api, "emergency", "ccr")
    assert open_tasks(api, iid) == [("register", "中央控制室")]
    complete(api, iid, "register", EMERGENCY, "ccr")
    return iid


def emergency_controlled(api, iid: int, needs_repair: str) -> None:
    complete(api, iid, "security_arrive", SEC_ARRIVED, "sec")
    complete(api, iid, "security_control", EMERGENCY_SEC, "sec")
    complete(api, iid, "engineering_arrive", ENG_ARRIVED, "eng")
    complete(api, iid, "engineering_control", {**EMERGENCY_ENG, "needs_repair": needs_repair}, "eng")
    assert ("notify_residents", "客服部") in open_tasks(api, iid)
    complete(api, iid, "notify_residents", CHANNELS, "desk")


def test_emergency_parallel_dispatch_repair_and_returned_report(incidents, clock):
    api = incidents
    iid = emergency_dispatched(api)
    assert open_tasks(api, iid) == [("engineering_arrive", "工程部"), ("security_arrive", "保安部")]
    assert timers(api, iid) == {"timer_security_late": iso(T0 + timedelta(minutes=5)),
                                "timer_engineering_late": iso(T0 + timedelta(minutes=30))}
    sec_task = api.task(iid, "security_arrive")
    assert api.complete(sec_task["id"], SEC_ARRIVED, as_="desk").status_code == 403  # 保安部's task
    assert api.complete(sec_task["id"], {"security_responders": "张保安"}, as_="sec").status_code == 422

    clock.move_to(T0 + timedelta(minutes=3))
    complete(api, iid, "security_arrive", SEC_ARRIVED, "sec")
    assert timers(api, iid) == {"timer_engineering_late": iso(T0 + timedelta(minutes=30))}
    complete(api, iid, "security_control", EMERGENCY_SEC, "sec")
    assert open_tasks(api, iid) == [("engineering_arrive", "工程部")]  # the join waits for 工程部
    complete(api, iid, "engineering_arrive", ENG_ARRIVED, "eng")
    assert timers(api, iid) == {}
    complete(api, iid, "engineering_control", EMERGENCY_ENG, "eng")
    data = api.instance(iid)["data"]
    assert data["security_measures"] and data["engineering_measures"]  # both branches' data survive the join
    complete(api, iid, "notify_residents", CHANNELS, "desk")

    assert open_tasks(api, iid) == [("repair", "工程部")]
    complete(api, iid, "repair", EMERGENCY_REPAIR, "eng")
    assert open_tasks(api, iid) == [("report", "中央控制室")]
    review_with_one_return(api, iid, "ccr")
    assert end_events(api, iid) == ["end_closed"]
    assert fired(api, iid) == []


def test_emergency_without_repair_goes_straight_to_the_report(incidents):
    api = incidents
    iid = emergency_dispatched(api)
    emergency_controlled(api, iid, needs_repair="no")
    assert open_tasks(api, iid) == [("report", "中央控制室")]
    complete(api, iid, "report", REPORT, "ccr")
    complete(api, iid, "review", APPROVE, "boss")
    assert end_events(api, iid) == ["end_closed"]
    assert "repair" not in {h["element_id"] for h in api.instance(iid)["history"]}


def test_emergency_late_arrivals_are_chased_by_the_control_room(app, incidents, clock):
    api = incidents
    iid = emergency_dispatched(api)
    fires_exactly_at(app, api, clock, iid, "timer_security_late", T0 + timedelta(minutes=5))
    assert open_tasks(api, iid) == [("chase_security", "中央控制室"), ("engineering_arrive", "工程部"),
                                    ("security_arrive", "保安部")]  # non-interrupting: still waiting for him
    complete(api, iid, "chase_security", CHASE, "ccr")
    fires_exactly_at(app, api, clock, iid, "timer_engineering_late", T0 + timedelta(minutes=30))
    assert ("chase_engineering", "中央控制室") in open_tasks(api, iid)
    assert fired(api, iid) == ["timer_security_late", "timer_engineering_late"]

    emergency_controlled(api, iid, needs_repair="no")
    complete(api, iid, "report", REPORT, "ccr")
    complete(api, iid, "review", APPROVE, "boss")
    assert api.instance(iid)["status"] == "running"  # the chase branch is still open
    complete(api, iid, "chase_engineering", CHASE, "ccr")
    assert set(end_events(api, iid)) == {"end_security_chased", "end_engineering_chased", "end_closed"}


def test_emergency_repair_not_done_in_24_hours_is_supervised(app, incidents, clock):
    api = incidents
    iid = emergency_dispatched(api)
    clock.move_to(T0 + timedelta(minutes=20))
    emergency_controlled(api, iid, needs_repair="yes")
    fires_exactly_at(app, api, clock, iid, "timer_repair_late", T0 + timedelta(hours=24, minutes=20))
    assert open_tasks(api, iid) == [("repair", "工程部"), ("supervise_repair", "物业经理")]
    complete(api, iid, "supervise_repair", SUPERVISE, "boss")
    complete(api, iid, "repair", EMERGENCY_REPAIR, "eng")
    complete(api, iid, "report", REPORT, "ccr")
    complete(api, iid, "review", APPROVE, "boss")
    assert set(end_events(api, iid)) == {"end_repair_supervised", "end_closed"}


# =============================================================================================== flooding
FLOODING = {
    "reported_at": "2026-11-27T10:00+08:00", "reporter": "巡逻岗赵保安", "location": "3栋地下车库",
    "water_source": "supply_pipe", "extent": "serious", "threatens_equipment": "yes",
    "description": "给水主管接头喷水，积水约 10 厘米，流向配电房", "manager_informed": True,
}
FLOODING_SEC = {"sandbags_placed": True, "lifts_stopped": True, "property_moved": "挪走 3 辆车",
                "security_measures": "沙袋封堵配电房门口"}
FLOODING_ENG = {"leak_point": "DN100 给水主管接头", "valve_closed": True, "power_cut": "yes",
                "engineering_measures": "关闭主阀，切断车库照明与水泵电源"}
FLOODING_CLEAN = {"drained_at": "2026-11-27T13:00+08:00", "cleaning_measures": "抽水、清淤、消毒"}
FLOODING_REPAIR = {"repair_content": "更换接头", "repaired_at": "2026-11-27T15:00+08:00"}
RESTORE_POWER = {"insulation_ok": True, "power_restored_at": "2026-11-27T15:30+08:00"}


def flooding_controlled(api, power_cut: str) -> int:
    iid = start(api, "flooding", "ccr")
    complete(api, iid, "register", FLOODING, "ccr")
    assert open_tasks(api, iid) == [("engineering_arrive", "工程部"), ("security_arrive", "保安部")]
    complete(api, iid, "engineering_arrive", ENG_ARRIVED, "eng")
    complete(api, iid, "stop_water", {**FLOODING_ENG, "power_cut": power_cut}, "eng")
    complete(api, iid, "security_arrive", SEC_ARRIVED, "sec")
    complete(api, iid, "security_control", FLOODING_SEC, "sec")
    return iid


def flooding_aftermath(api, iid: int) -> None:
    assert open_tasks(api, iid) == [("drain_clean", "清洁绿化部"), ("notify_residents", "客服部")]
    complete(api, iid, "notify_residents", CHANNELS, "desk")
    assert open_tasks(api, iid) == [("drain_clean", "清洁绿化部")]
    complete(api, iid, "drain_clean", FLOODING_CLEAN, "clean")
    assert open_tasks(api, iid) == [("repair", "工程部")]


def test_flooding_power_cut_needs_an_insulation_test_before_power_returns(incidents):
    api = incidents
    iid = flooding_controlled(api, power_cut="yes")
    flooding_aftermath(api, iid)
    complete(api, iid, "repair", FLOODING_REPAIR, "eng")
    assert open_tasks(api, iid) == [("restore_power", "工程部")]
    refused = api.complete(api.task(iid, "restore_power")["id"], {**RESTORE_POWER, "insulation_ok": False}, as_="eng")
    assert refused.status_code == 422  # no power without a passed insulation test
    complete(api, iid, "restore_power", RESTORE_POWER, "eng")
    assert open_tasks(api, iid) == [("report", "工程部")]
    review_with_one_return(api, iid, "eng")
    assert end_events(api, iid) == ["end_closed"]


def test_flooding_without_power_cut_skips_the_power_restore(incidents):
    api = incidents
    iid = flooding_controlled(api, power_cut="no")
    flooding_aftermath(api, iid)
    complete(api, iid, "repair", FLOODING_REPAIR, "eng")
    assert open_tasks(api, iid) == [("report", "工程部")]
    complete(api, iid, "report", REPORT, "eng")
    complete(api, iid, "review", APPROVE, "boss")
    assert end_events(api, iid) == ["end_closed"]


def test_flooding_timers_arrivals_and_repair(app, incidents, clock):
    api = incidents
    iid = start(api, "flooding", "ccr")
    complete(api, iid, "register", FLOODING, "ccr")
    fires_exactly_at(app, api, clock, iid, "timer_security_late", T0 + timedelta(minutes=5))
    fires_exactly_at(app, api, clock, iid, "timer_engineering_late", T0 + timedelta(minutes=30))
    assert open_tasks(api, iid) == [("chase_engineering", "中央控制室"), ("chase_security", "中央控制室"),
                                    ("engineering_arrive", "工程部"), ("security_arrive", "保安部")]
    complete(api, iid, "chase_security", CHASE, "ccr")
    complete(api, iid, "chase_engineering", CHASE, "ccr")
    complete(api, iid, "engineering_arrive", ENG_ARRIVED, "eng")
    complete(api, iid, "stop_water", {**FLOODING_ENG, "power_cut": "no"}, "eng")
    complete(api, iid, "security_arrive", SEC_ARRIVED, "sec")
    complete(api, iid, "security_control", FLOODING_SEC, "sec")
    clock.move_to(T0 + timedelta(hours=2))
    flooding_aftermath(api, iid)
    fires_exactly_at(app, api, clock, iid, "timer_repair_late", T0 + timedelta(hours=26))
    assert open_tasks(api, iid) == [("repair", "工程部"), ("supervise_repair", "物业经理")]
    complete(api, iid, "supervise_repair", SUPERVISE, "boss")
    complete(api, iid, "repair", FLOODING_REPAIR, "eng")
    complete(api, iid, "report", REPORT, "eng")
    complete(api, iid, "review", APPROVE, "boss")
    assert set(end_events(api, iid)) == {"end_security_chased", "end_engineering_chased", "end_repair_supervised",
                                         "end_closed"}
    assert fired(api, iid) == ["timer_security_late", "timer_engineering_late", "timer_repair_late"]


# ================================================================================= power_outage_emergency
OUTAGE = {"occurred_at": "2026-11-27T10:00+08:00", "scope": "buildings", "affected_area": "1–3 栋",
          "lift_trapped": "no", "description": "1–3 栋全部停电", "manager_informed": True}
OUTAGE_SEC = {"lift_check": "6 台电梯均无人被困", "emergency_lighting": True,
              "security_measures": "出入口加岗，加强巡逻"}
RESTORE_AT = T0 + timedelta(hours=3)
DIAGNOSE = {"outage_cause": "internal", "fault_description": "1 号变压器低压出线柜断路器跳闸",
            "generator_started": "yes", "expected_restore_at": iso(RESTORE_AT)}
OUTAGE_REPAIR = {"repair_content": "更换断路器", "repaired_at": "2026-11-27T12:30+08:00"}
LIAISE = {"grid_contact": "供电所 张工 95598", "grid_reply": "上级线路故障，抢修中",
          "grid_restored_at": "2026-11-27T12:40+08:00"}
OUTAGE_RESTORE = {"restored_at": "2026-11-27T12:45+08:00", "restore_checks": ["generator", "lifts", "pumps"]}


def outage_diagnosed(api, cause: str) -> int:
    iid = start(api, "power_outage_emergency", "ccr")
    complete(api, iid, "register", OUTAGE, "ccr")
    assert open_tasks(api, iid) == [("engineering_arrive", "工程部"), ("security_arrive", "保安部")]
    assert api.task(iid, "engineering_arrive")["name"] == "值班电工到配电房"
    complete(api, iid, "security_arrive", SEC_ARRIVED, "sec")
    complete(api, iid, "security_control", OUTAGE_SEC, "sec")
    complete(api, iid, "engineering_arrive", ENG_ARRIVED, "eng")
    complete(api, iid, "diagnose", {**DIAGNOSE, "outage_cause": cause}, "eng")
    assert open_tasks(api, iid) == [("notify_residents", "客服部")]
    complete(api, iid, "notify_residents", CHANNELS, "desk")
    return iid


def outage_closed(api, iid: int) -> None:
    assert open_tasks(api, iid) == [("restore_power", "工程部")]
    complete(api, iid, "restore_power", OUTAGE_RESTORE, "eng")
    complete(api, iid, "report", REPORT, "eng")
    complete(api, iid, "review", APPROVE, "boss")


def test_power_outage_internal_fault_is_repaired(incidents):
    api = incidents
    iid = outage_diagnosed(api, "internal")
    assert open_tasks(api, iid) == [("repair_fault", "工程部")]
    assert api.task(iid, "repair_fault")["due_at"] == iso(RESTORE_AT)  # camunda:dueDate expected_restore_at
    assert timers(api, iid) == {"timer_repair_late": iso(RESTORE_AT)}
    complete(api, iid, "repair_fault", OUTAGE_REPAIR, "eng")
    assert timers(api, iid) == {}
    assert open_tasks(api, iid) == [("restore_power", "工程部")]
    complete(api, iid, "restore_power", OUTAGE_RESTORE, "eng")
    review_with_one_return(api, iid, "eng")
    assert end_events(api, iid) == ["end_closed"]


def test_power_outage_external_grid_is_followed_up_with_the_utility(incidents):
    api = incidents
    iid = outage_diagnosed(api, "external")
    assert open_tasks(api, iid) == [("liaise_grid", "工程部")]
    assert timers(api, iid) == {"timer_grid_late": iso(RESTORE_AT)}
    complete(api, iid, "liaise_grid", LIAISE, "eng")
    outage_closed(api, iid)
    assert end_events(api, iid) == ["end_closed"]


@pytest.mark.parametrize(("cause", "task", "timer"), [("internal", "repair_fault", "timer_repair_late"),
                                                      ("external", "liaise_grid", "timer_grid_late")])
def test_power_outage_past_the_expected_restore_time_is_supervised(app, incidents, clock, cause, task, timer):
    api = incidents
    iid = outage_diagnosed(api, cause)
    fires_exactly_at(app, api, clock, iid, timer, RESTORE_AT)
    assert open_tasks(api, iid) == [(task, "工程部"), ("supervise_restore", "物业经理")]
    complete(api, iid, "supervise_restore", {"supervise_instruction": "协调供电所加派抢修力量",
                                             "new_expected_restore_at": iso(RESTORE_AT + timedelta(hours=2))}, "boss")
    assert open_tasks(api, iid) == [(task, "工程部"), ("update_notice", "客服部")]
    complete(api, iid, "update_notice", {"update_channels": ["wechat", "broadcast"],
                                         "update_content": "预计 15:00 恢复供电"}, "desk")
    complete(api, iid, task, OUTAGE_REPAIR if cause == "internal" else LIAISE, "eng")
    outage_closed(api, iid)
    assert set(end_events(api, iid)) == {"end_late_notified", "end_closed"}
    assert fired(api, iid) == [timer]


def test_power_outage_late_arrivals_are_chased(app, incidents, clock):
    api = incidents
    iid = start(api, "power_outage_emergency", "ccr")
    complete(api, iid, "register", {**OUTAGE, "lift_trapped": "yes"}, "ccr")
    fires_exactly_at(app, api, clock, iid, "timer_security_late", T0 + timedelta(minutes=5))
    fires_exactly_at(app, api, clock, iid, "timer_engineering_late", T0 + timedelta(minutes=30))
    tasks = open_tasks(api, iid)
    assert ("chase_security", "中央控制室") in tasks and ("chase_engineering", "中央控制室") in tasks


# ========================================================================================= planned_outage
CUT_AT = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)  # Monday 09:00
BACK_AT = datetime(2026, 11, 30, 17, 0, tzinfo=SHANGHAI)
PLAN = {"utility": "电", "origin": "municipal", "supplier_notice_no": "GD-2026-1130", "affected_area": "1–6 栋",
        "reason": "供电局 10kV 线路检修", "planned_start": iso(CUT_AT), "planned_end": iso(BACK_AT)}
NOTICE = {"notice_channels": ["notice_board", "wechat"], "notice_posted_at": "2026-11-27T10:30+08:00",
          "notice_content": "11 月 30 日 9:00–17:00 停电，请提前做好准备"}
CUT_POWER = {"lifts_parked": True, "generator_ready": True, "supply_cut_at": iso(CUT_AT)}
CUT_WATER = {"tanks_filled": True, "valves_closed": True, "supply_cut_at": iso(CUT_AT)}
RESTORE = {"work_done": "更换主阀", "restored_at": "2026-11-30T16:00+08:00", "restore_checks": ["air", "pressure"]}
RESTORED = {"restored_channels": ["wechat"], "restored_content": "已恢复供水，请先放水排气"}


def plan(api, **changes) -> int:
    iid = start(api, "planned_outage", "eng")
    assert open_tasks(api, iid) == [("register", "工程部")]
    complete(api, iid, "register", {**PLAN, **changes}, "eng")
    return iid


def planned_after_cut(api, iid: int) -> None:
    complete(api, iid, "restore", RESTORE, "eng")
    assert open_tasks(api, iid) == [("notify_restored", "客服部")]
    complete(api, iid, "notify_restored", RESTORED, "desk")
    assert open_tasks(api, iid) == [("report", "工程部")]


def test_planned_power_cut_notice_in_time_then_cut_at_planned_start(app, incidents, clock):
    api = incidents
    iid = plan(api)  # a municipal plan needs no approval
    assert open_tasks(api, iid) == [("notice", "客服部")]
    assert timers(api, iid) == {"timer_notice_deadline": iso(CUT_AT - timedelta(hours=24))}
    complete(api, iid, "notice", NOTICE, "desk")
    assert open_tasks(api, iid) == []
    fires_exactly_at(app, api, clock, iid, "timer_cut", CUT_AT)
    assert open_tasks(api, iid) == [("cut_power", "工程部")]
    refused = api.complete(api.task(iid, "cut_power")["id"], {**CUT_POWER, "lifts_parked": False}, as_="eng")
    assert refused.status_code == 422  # the lifts must be parked and empty
    complete(api, iid, "cut_power", CUT_POWER, "eng")
    assert open_tasks(api, iid) == [("restore", "工程部")]
    assert api.task(iid, "restore")["due_at"] == iso(BACK_AT)
    assert timers(api, iid) == {"timer_restore_late": iso(BACK_AT)}
    planned_after_cut(api, iid)
    review_with_one_return(api, iid, "eng")
    assert end_events(api, iid) == ["end_closed"]
    assert fired(api, iid) == ["timer_cut"]


def test_planned_water_cut_for_own_maintenance_is_approved_and_late_restore_escalated(app, incidents, clock):
    api = incidents
    iid = plan(api, utility="水", origin="internal", reason="更换 2 栋给水主阀")
    assert open_tasks(api, iid) == [("approve", "物业经理")]
    complete(api, iid, "approve", {"approval": "approve", "approval_comments": "同意，避开早晚用水高峰"}, "boss")
    complete(api, iid, "notice", NOTICE, "desk")
    clock.move_to(CUT_AT + timedelta(seconds=1))
    assert fire(app) == 1
    assert open_tasks(api, iid) == [("cut_water", "工程部")]
    complete(api, iid, "cut_water", CUT_WATER, "eng")
    fires_exactly_at(app, api, clock, iid, "timer_restore_late", BACK_AT)
    assert open_tasks(api, iid) == [("restore", "工程部"), ("restore_overdue", "物业经理")]
    complete(api, iid, "restore_overdue", {"overdue_reason": "阀门锈死，需切割", "overdue_measures": "加派焊工",
                                           "new_expected_end": "2026-11-30T20:00+08:00"}, "boss")
    assert open_tasks(api, iid) == [("overdue_notice", "客服部"), ("restore", "工程部")]
    complete(api, iid, "overdue_notice", {"overdue_channels": ["wechat"], "overdue_content": "预计 20:00 恢复供水"},
             "desk")
    planned_after_cut(api, iid)
    complete(api, iid, "report", REPORT, "eng")
    complete(api, iid, "review", APPROVE, "boss")
    assert set(end_events(api, iid)) == {"end_overdue", "end_closed"}


def test_planned_maintenance_rejected_by_the_manager(incidents):
    api = incidents
    iid = plan(api, origin="internal")
    complete(api, iid, "approve", {"approval": "reject", "approval_comments": "年底用电高峰，改到 12 月中旬"}, "boss")
    assert end_events(api, iid) == ["end_rejected"]


def test_planned_notice_exactly_24_hours_ahead_is_in_time(app, incidents, clock):
    api = incidents
    iid = plan(api)
    clock.move_to(CUT_AT - timedelta(hours=24))
    assert fire(app) == 0
    complete(api, iid, "notice", NOTICE, "desk")
    assert list(timers(api, iid)) == ["timer_cut"]


def test_planned_notice_missed_24_hours_before_is_postponed_and_noticed_again(app, incidents, clock):
    api = incidents
    iid = plan(api)
    fires_exactly_at(app, api, clock, iid, "timer_notice_deadline", CUT_AT - timedelta(hours=24))
    assert open_tasks(api, iid) == [("late_decision", "物业经理")]  # the notice task was interrupted
    assert api.task(iid, "late_decision")["due_at"] == iso(CUT_AT)
    later, later_end = CUT_AT + timedelta(days=2), BACK_AT + timedelta(days=2)
    complete(api, iid, "late_decision", {"late_decision": "postpone", "late_reason": "通知未及时张贴，改期",
                                         "planned_start": iso(later), "planned_end": iso(later_end)}, "boss")
    assert open_tasks(api, iid) == [("notice", "客服部")]
    assert timers(api, iid) == {"timer_notice_deadline": iso(later - timedelta(hours=24))}
    complete(api, iid, "notice", NOTICE, "desk")
    clock.move_to(CUT_AT + timedelta(hours=1))
    assert fire(app) == 0  # the old cut time means nothing any more
    fires_exactly_at(app, api, clock, iid, "timer_cut", later)
    assert open_tasks(api, iid) == [("cut_power", "工程部")]


def test_planned_short_notice_proceeds_with_an_urgent_notice(app, incidents, clock):
    api = incidents
    soon = T0 + timedelta(hours=6)
    iid = plan(api, planned_start=iso(soon), planned_end=iso(soon + timedelta(hours=2)))
    assert open_tasks(api, iid) == [("late_decision", "物业经理")]  # registered less than 24 h ahead
    complete(api, iid, "late_decision", {"late_decision": "proceed", "late_reason": "供电局计划，无法推迟"}, "boss")
    assert open_tasks(api, iid) == [("urgent_notice", "客服部")]
    complete(api, iid, "urgent_notice", {"urgent_channels": ["broadcast", "door"],
                                         "urgent_content": "今天 16:00 起停电 2 小时"}, "desk")
    fires_exactly_at(app, api, clock, iid, "timer_cut", soon)
    assert open_tasks(api, iid) == [("cut_power", "工程部")]


def test_planned_notice_deadline_firing_is_in_the_history(app, incidents, clock):
    api = incidents
    iid = plan(api)
    clock.move_to(CUT_AT - timedelta(hours=24) + timedelta(seconds=1))
    assert fire(app) == 1
    assert fired(api, iid) == ["timer_notice_deadline"]


# =================================================================================================== fire
ALARM = {"alarm_at": "2026-11-27T10:00+08:00", "alarm_source": "detector", "location": "8栋 15 层电井",
         "alarm_zone": "2-15-031", "confirmer": "巡逻岗孙保安"}
REAL = {"confirmation": "real", "confirm_note": "电井冒烟，有明火", "confirmed_at": "2026-11-27T10:02+08:00"}
CALL_119 = {"called_119_at": "2026-11-27T10:02+08:00", "linkage": ["broadcast", "smoke", "pump", "lift"],
            "manager_informed": True}
FIRE_SEC = {"people_evacuated": 86, "fight_measures": "两具干粉灭火器扑救，疏散 15–18 层住户，引导消防车"}
FIRE_ENG = {"cut_items": ["power", "gas"], "fire_systems_ok": True, "engineering_measures": "切断 8 栋非消防电源"}
FIRE_NOTIFY = {"notice_channels": ["broadcast", "phone"], "notice_content": "8 栋住户请走楼梯疏散",
               "headcount": "集合点清点 86 人，无人被困"}
FIRE_OUT = {"fire_out_at": "2026-11-27T10:25+08:00", "brigade_arrived": "yes", "scene_protected": True,
            "fire_casualties": "无"}
FIRE_REPAIR = {"repair_content": "更换电缆与防火封堵", "fire_systems_reset": True,
               "supply_restored_at": "2026-11-28T18:00+08:00"}


def alarm(api) -> int:
    iid = start(api, "fire", "ccr")
    complete(api, iid, "register_alarm", ALARM, "ccr")
    assert open_tasks(api, iid) == [("confirm", "中央控制室")]
    return iid


def test_fire_false_alarm_is_reset_and_recorded(incidents):
    api = incidents
    iid = alarm(api)
    assert timers(api, iid) == {"timer_confirm_late": iso(T0 + timedelta(minutes=3))}
    complete(api, iid, "confirm", {"confirmation": "false", "confirm_note": "厨房油烟触发烟感",
                                   "confirmed_at": "2026-11-27T10:02+08:00"}, "ccr")
    assert open_tasks(api, iid) == [("reset_record", "中央控制室")]
    assert timers(api, iid) == {}
    complete(api, iid, "reset_record", {"false_alarm_cause": "dust", "reset_done": True,
                                        "reset_notes": "消音复位，提醒住户开抽油烟机"}, "ccr")
    assert end_events(api, iid) == ["end_false_alarm"]


def test_fire_real_fire_three_departments_in_parallel(incidents):
    api = incidents
    iid = alarm(api)
    complete(api, iid, "confirm", REAL, "ccr")
    assert open_tasks(api, iid) == [("call_119", "中央控制室")]
    complete(api, iid, "call_119", CALL_119, "ccr")
    assert open_tasks(api, iid) == [("engineering_arrive", "工程部"), ("notify_evacuate", "客服部"),
                                    ("security_arrive", "保安部")]
    assert timers(api, iid) == {"timer_security_late": iso(T0 + timedelta(minutes=3)),
                                "timer_engineering_late": iso(T0 + timedelta(minutes=5))}
    complete(api, iid, "notify_evacuate", FIRE_NOTIFY, "desk")
    complete(api, iid, "security_arrive", SEC_ARRIVED, "sec")
    complete(api, iid, "fight_evacuate", FIRE_SEC, "sec")
    complete(api, iid, "engineering_arrive", ENG_ARRIVED, "eng")
    assert open_tasks(api, iid) == [("cut_supply", "工程部")]
    complete(api, iid, "cut_supply", FIRE_ENG, "eng")
    assert open_tasks(api, iid) == [("fire_out", "保安部")]
    complete(api, iid, "fire_out", FIRE_OUT, "sec")
    assert open_tasks(api, iid) == [("repair", "工程部")]
    complete(api, iid, "repair", FIRE_REPAIR, "eng")
    assert open_tasks(api, iid) == [("report", "保安部")]
    review_with_one_return(api, iid, "sec")
    assert end_events(api, iid) == ["end_closed"]


def test_fire_alarm_unconfirmed_after_3_minutes_is_handled_as_a_real_fire(app, incidents, clock):
    api = incidents
    iid = alarm(api)
    fires_exactly_at(app, api, clock, iid, "timer_confirm_late", T0 + timedelta(minutes=3))
    assert open_tasks(api, iid) == [("call_119", "中央控制室")]  # confirm was interrupted
    assert api.instance(iid)["status"] == "running"
    assert fired(api, iid) == ["timer_confirm_late"]


def test_fire_late_arrivals_are_chased(app, incidents, clock):
    api = incidents
    iid = alarm(api)
    clock.move_to(T0 + timedelta(minutes=2))
    complete(api, iid, "confirm", REAL, "ccr")
    complete(api, iid, "call_119", CALL_119, "ccr")
    start_at = T0 + timedelta(minutes=2)
    fires_exactly_at(app, api, clock, iid, "timer_security_late", start_at + timedelta(minutes=3))
    assert ("chase_security", "中央控制室") in open_tasks(api, iid)
    fires_exactly_at(app, api, clock, iid, "timer_engineering_late", start_at + timedelta(minutes=5))
    assert ("chase_engineering", "中央控制室") in open_tasks(api, iid)
    assert ("security_arrive", "保安部") in open_tasks(api, iid)
    assert fired(api, iid) == ["timer_security_late", "timer_engineering_late"]
