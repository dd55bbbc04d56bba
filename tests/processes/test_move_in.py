"""住户入住 (bpmn/move_in.bpmn) end to end through the HTTP API, as 客服部, 财务部 and 工程部 work it.

Also the static checks of the diagram and its forms (`check_model`, reused by test_renovation.py): what a later edit
in Camunda Modeler could silently break (diagram interchange, lanes, forms, the data every expression reads)."""

from __future__ import annotations

import ast
import itertools
import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from lxml import etree

from service.forms import form_keys
from tests.conftest import ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # a Friday
FILES = (ROOT / "bpmn/move_in.bpmn", *sorted((ROOT / "forms").glob("move_in_*.form")))

NOTICE = {"owner_name": "李四", "phone": "13900139000", "unit": "5栋1单元1202", "notice_no": "RZ-2026-0815",
          "dev_finance_seal": True, "dev_sales_seal": True}
MISSING = {"missing_seals": ["sales"], "developer_office": "开发商销售中心（小区南门）", "owner_told": True}
DOCUMENTS = {"convention_signed": True, "handbook_given": True,
             "other_documents": ["fire_responsibility", "fee_mandate"], "id_copy_received": True}
FEES = {"fee_items": "预收物业服务费 3 个月 1,080 元；水电押金 500 元", "fee_total": 1580, "receipt_no": "SK-0001"}
PAYMENT = {"amount_received": 1580, "payment_method": "wechat", "invoice_no": "FP-0001", "finance_signed": True}
STAMP_OK = {"finance_stamp_ok": True, "desk_stamped": True}
STAMP_MISSING = {"finance_stamp_ok": False, "finance_return_reason": "收款单漏盖财务专用章"}
ITEMS = ["walls", "ceiling", "floor", "kitchen", "toilet", "doors", "windows", "balcony", "sanitary",
         "water_electricity", "drainage"]
PASSED = {"accompanied_by": "王客服", "inspected_at": "2026-11-27T14:00+08:00", "inspected_items": ITEMS,
          "inspection_passed": True}
FAILED = {**PASSED, "inspection_passed": False, "failed_items": ["toilet", "windows"],
          "defects": "卫生间地漏反水；主卧窗扇关不严"}
REWORK_CONTRACTOR = {"rework_by": "contractor", "contractor_name": "开发商保修施工单位",
                     "rework_done": "重做地漏、调整窗扇", "rework_finished_at": "2026-11-30T16:00+08:00"}
REWORK_OWN = {"rework_by": "engineering", "rework_done": "更换窗扇密封条",
              "rework_finished_at": "2026-12-01T11:00+08:00"}
KEYS = {"owner_signed": True, "door_keys": 3, "room_keys": 6, "mailbox_keys": 2, "ic_cards": 2,
        "water_meter_no": "SB-5-1202", "water_reading": 0.5, "electricity_meter_no": "DB-5-1202",
        "electricity_reading": 12.3, "keys_handed_over": True}
REGISTRATION = {"fee_standards_explained": True, "work_unit": "市第一中学", "contact_phone": "13900139000",
                "household_members": "李四（户主）、张丽（配偶）、李小明（子）", "move_in_date": "2026-12-05"}
ARCHIVE = {"archive_no": "RZ-DA-2026-118", "electronic_copy_saved": True, "originals_sent": True}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def move_in_api(api, clock):
    api.user("fin", "staff", groups=["财务部"])
    deploy(api, FILES)
    return api


def deploy(api, files) -> dict:
    resp = api.deploy(*files)
    if resp.status_code == 422:
        print(resp.get_json()["errors"])
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def complete(api, iid: int, element: str, data: dict, as_: str) -> dict:
    resp = api.complete(api.task(iid, element)["id"], data, as_=as_)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def open_tasks(api, iid: int) -> list[tuple[str, str]]:
    return sorted((t["element_id"], t["group"]) for t in api.instance(iid)["tasks"])


def message(api, iid: int, name: str, data: dict | None = None, as_: str = "desk"):
    return api.post(f"/api/v1/instances/{iid}/messages/{name}", as_=as_, json={"data": data or {}})


def end_events(api, iid: int) -> list[str]:
    view = api.instance(iid)
    assert view["status"] == "completed", view["status"]
    done = [h for h in view["history"] if h["action"] == "completed"]
    return done[-1]["data"]["end_events"]


def start(api) -> int:
    case = api.start("move_in", {}).get_json()
    assert [(t["element_id"], t["group"]) for t in case["tasks"]] == [("check_seals", "客服部")]
    return case["id"]


def to_payment(api, iid: int) -> None:
    """From the open seal check to the open 财务部 payment task."""
    complete(api, iid, "check_seals", NOTICE, "desk")
    assert open_tasks(api, iid) == [("sign_documents", "客服部")]
    complete(api, iid, "sign_documents", DOCUMENTS, "desk")
    assert open_tasks(api, iid) == [("compute_fees", "客服部")]
    complete(api, iid, "compute_fees", FEES, "desk")
    assert open_tasks(api, iid) == [("collect_payment", "财务部")]


def to_inspection(api, iid: int) -> None:
    to_payment(api, iid)
    complete(api, iid, "collect_payment", PAYMENT, "fin")
    assert open_tasks(api, iid) == [("desk_stamp", "客服部")]
    complete(api, iid, "desk_stamp", STAMP_OK, "desk")
    assert open_tasks(api, iid) == [("inspect_unit", "工程部")]


def finish(api, iid: int) -> None:
    """From the open key hand-over to the end."""
    complete(api, iid, "hand_over_keys", KEYS, "desk")
    assert open_tasks(api, iid) == [("register_household", "客服部")]
    complete(api, iid, "register_household", REGISTRATION, "desk")
    assert open_tasks(api, iid) == [("archive", "客服部")]
    complete(api, iid, "archive", ARCHIVE, "desk")
    assert end_events(api, iid) == ["end_moved_in"]


# ------------------------------------------------------------------------------------------------ the paths
def test_deploys(api, clock):
    body = deploy(api, FILES)
    assert [(p["process_id"], p["created"]) for p in body["processes"]] == [("move_in", True)]


def test_seals_in_order_move_in_straight_through(move_in_api):
    api = move_in_api
    iid = start(api)
    to_inspection(api, iid)
    complete(api, iid, "inspect_unit", PASSED, "eng")
    assert open_tasks(api, iid) == [("hand_over_keys", "客服部")]
    finish(api, iid)
    data = api.instance(iid)["data"]
    assert (data["unit"], data["receipt_no"], data["door_keys"], data["archive_no"]) == (
        "5栋1单元1202", "SK-0001", 3, "RZ-DA-2026-118")
    visited = [h["element_id"] for h in api.instance(iid)["history"] if h["action"] == "task_completed"]
    assert visited == ["check_seals", "sign_documents", "compute_fees", "collect_payment", "desk_stamp",
                       "inspect_unit", "hand_over_keys", "register_household", "archive"]


def test_each_department_works_only_its_own_tasks(move_in_api):
    api = move_in_api
    iid = start(api)
    task = api.task(iid, "check_seals")
    assert api.complete(task["id"], NOTICE, as_="eng").status_code == 403
    assert api.complete(task["id"], NOTICE, as_="fin").status_code == 403
    to_payment(api, iid)
    payment = api.task(iid, "collect_payment")
    assert api.complete(payment["id"], PAYMENT, as_="desk").status_code == 403  # 客服部 does not take money
    complete(api, iid, "collect_payment", PAYMENT, "fin")
    complete(api, iid, "desk_stamp", STAMP_OK, "desk")
    inspection = api.task(iid, "inspect_unit")
    assert api.complete(inspection["id"], PASSED, as_="desk").status_code == 403  # 工程部 fills the 物业验收单
    listed = api.get("/api/v1/tasks?group=工程部", as_="eng").get_json()["items"]
    assert [(t["instance_id"], t["element_id"]) for t in listed] == [(iid, "inspect_unit")]


def test_missing_developer_seal_sends_the_owner_back_until_both_seals_are_there(move_in_api):
    api = move_in_api
    iid = start(api)
    complete(api, iid, "check_seals", {**NOTICE, "dev_sales_seal": False}, "desk")
    assert open_tasks(api, iid) == [("seals_missing", "客服部")]
    assert message(api, iid, "seals_provided").status_code == 409  # not told yet, so not waiting
    complete(api, iid, "seals_missing", MISSING, "desk")
    assert open_tasks(api, iid) == []  # waiting for the owner to come back
    assert api.instance(iid)["status"] == "running"
    resp = message(api, iid, "seals_provided", {"seals_note": "销售部已补盖"})
    assert resp.status_code == 200, resp.get_json()
    assert open_tasks(api, iid) == [("recheck_seals", "客服部")]
    # the finance seal is still missing: back to the developer again
    complete(api, iid, "recheck_seals", {"dev_finance_seal": False, "dev_sales_seal": True}, "desk")
    assert open_tasks(api, iid) == [("seals_missing", "客服部")]
    complete(api, iid, "seals_missing", {**MISSING, "missing_seals": ["finance"]}, "desk")
    assert message(api, iid, "seals_provided").status_code == 200
    complete(api, iid, "recheck_seals", {"dev_finance_seal": True, "dev_sales_seal": True}, "desk")
    assert open_tasks(api, iid) == [("sign_documents", "客服部")]
    data = api.instance(iid)["data"]
    assert (data["owner_name"], data["seals_note"]) == ("李四", "销售部已补盖")  # first registration kept
    complete(api, iid, "sign_documents", DOCUMENTS, "desk")
    complete(api, iid, "compute_fees", FEES, "desk")
    complete(api, iid, "collect_payment", PAYMENT, "fin")
    complete(api, iid, "desk_stamp", STAMP_OK, "desk")
    complete(api, iid, "inspect_unit", PASSED, "eng")
    finish(api, iid)
    assert message(api, iid, "seals_provided").status_code == 409


@pytest.mark.parametrize("seals", [
    {"dev_finance_seal": False, "dev_sales_seal": True},
    {"dev_finance_seal": True, "dev_sales_seal": False},
    {"dev_finance_seal": False, "dev_sales_seal": False},
])
def test_either_missing_seal_stops_the_move_in(move_in_api, seals):
    api = move_in_api
    iid = start(api)
    complete(api, iid, "check_seals", {**NOTICE, **seals}, "desk")
    assert open_tasks(api, iid) == [("seals_missing", "客服部")]


def test_receipt_without_finance_stamp_goes_back_to_finance(move_in_api):
    api = move_in_api
    iid = start(api)
    to_payment(api, iid)
    complete(api, iid, "collect_payment", PAYMENT, "fin")
    complete(api, iid, "desk_stamp", STAMP_MISSING, "desk")
    assert open_tasks(api, iid) == [("collect_payment", "财务部")]
    complete(api, iid, "collect_payment", PAYMENT, "fin")
    assert open_tasks(api, iid) == [("desk_stamp", "客服部")]
    complete(api, iid, "desk_stamp", STAMP_OK, "desk")
    assert open_tasks(api, iid) == [("inspect_unit", "工程部")]


def test_failed_inspection_is_reworked_and_inspected_again(move_in_api):
    api = move_in_api
    iid = start(api)
    to_inspection(api, iid)
    complete(api, iid, "inspect_unit", FAILED, "eng")
    assert open_tasks(api, iid) == [("rework", "工程部")]
    complete(api, iid, "rework", REWORK_CONTRACTOR, "eng")  # 外联工程
    assert open_tasks(api, iid) == [("inspect_unit", "工程部")]
    complete(api, iid, "inspect_unit", {**FAILED, "failed_items": ["windows"], "defects": "窗扇仍漏风"}, "eng")
    assert open_tasks(api, iid) == [("rework", "工程部")]
    complete(api, iid, "rework", REWORK_OWN, "eng")  # 工程部 fixes it itself
    complete(api, iid, "inspect_unit", PASSED, "eng")
    assert open_tasks(api, iid) == [("hand_over_keys", "客服部")]
    finish(api, iid)
    reworks = [h for h in api.instance(iid)["history"]
               if h["action"] == "task_completed" and h["element_id"] in ("inspect_unit", "rework")]
    assert [h["element_id"] for h in reworks] == ["inspect_unit", "rework", "inspect_unit", "rework", "inspect_unit"]


def test_forms_refuse_incomplete_records(move_in_api):
    api = move_in_api
    iid = start(api)
    task = api.task(iid, "check_seals")
    bad = {key: value for key, value in NOTICE.items() if key != "dev_sales_seal"}
    resp = api.complete(task["id"], {**bad, "phone": "12345"}, as_="desk")
    assert resp.status_code == 422
    assert set(resp.get_json()["errors"]) == {"phone", "dev_sales_seal"}
    to_inspection(api, iid)
    complete(api, iid, "inspect_unit", PASSED, "eng")
    keys = api.task(iid, "hand_over_keys")
    resp = api.complete(keys["id"], {**KEYS, "owner_signed": False}, as_="desk")  # no signature, no keys
    assert resp.status_code == 422 and set(resp.get_json()["errors"]) == {"owner_signed"}
    resp = api.complete(keys["id"], {**KEYS, "door_keys": 1.5}, as_="desk")
    assert resp.status_code == 422 and set(resp.get_json()["errors"]) == {"door_keys"}


# ------------------------------------------------------------------------------------------------ the model
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
FLOW_NODES = {"startEvent", "endEvent", "boundaryEvent", "userTask", "receiveTask", "exclusiveGateway",
              "intermediateCatchEvent", "parallelGateway", "subProcess", "callActivity", "businessRuleTask",
              "manualTask", "task", "scriptTask", "serviceTask", "eventBasedGateway", "intermediateThrowEvent"}
FUNCTIONS = {"now", "add_workdays", "add_work_hours", "int", "len", "str"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def _local(node) -> str:
    return etree.QName(node).localname


def _bounds(root, element_id: str) -> tuple[float, ...]:
    shape = root.find(f".//bpmndi:BPMNShape[@bpmnElement='{element_id}']", NS)
    assert shape is not None, f"no BPMNShape for {element_id}"
    box = shape.find("dc:Bounds", NS)
    return tuple(float(box.get(k)) for k in ("x", "y", "width", "height"))


def check_model(bpmn: Path, process_id: str, lanes: set[str], forms_glob: str, messages: set[str]) -> None:
    """The conventions of docs/modelling-conventions.md that can be checked without running the process."""
    root = etree.parse(str(bpmn)).getroot()
    process = root.find("bpmn:process", NS)
    assert (process.get("id"), process.get("isExecutable")) == (process_id, "true")
    assert process.find("bpmn:documentation", NS) is not None
    ids = [n.get("id") for n in root.iter() if isinstance(n.tag, str) and n.get("id")]
    assert len(ids) == len(set(ids)) and not {"Start", "End", "Root"} & set(ids)
    nodes = {n.get("id"): n for n in process.iter() if isinstance(n.tag, str) and _local(n) in FLOW_NODES}
    assert not [i for i, n in nodes.items() if _local(n) in ("scriptTask", "serviceTask")]
    assert not [i for i, n in nodes.items() if not HAN.search(n.get("name") or "")], "every element has a Chinese name"
    # lanes are the departments and hold every flow node
    lane_refs = {lane.get("name"): {r.text for r in lane.iterfind("bpmn:flowNodeRef", NS)}
                 for lane in process.iterfind(".//bpmn:lane", NS)}
    assert set(lane_refs) == lanes
    assert set(nodes) == set().union(*lane_refs.values())
    # diagram interchange: pool, lanes, nodes, edges, labels; no overlaps; boundary events on the host's border
    for element in [*nodes, *(lane.get("id") for lane in process.iterfind(".//bpmn:lane", NS)),
                    root.find("bpmn:collaboration/bpmn:participant", NS).get("id")]:
        _bounds(root, element)
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        edge = root.find(f".//bpmndi:BPMNEdge[@bpmnElement='{flow.get('id')}']", NS)
        assert edge is not None and len(edge.findall("di:waypoint", NS)) >= 2, flow.get("id")
    for element, node in nodes.items():
        if _local(node).endswith("Event") or _local(node).endswith("Gateway"):
            shape = root.find(f".//bpmndi:BPMNShape[@bpmnElement='{element}']", NS)
            assert shape.find("bpmndi:BPMNLabel", NS) is not None, element
    boxes = {i: _bounds(root, i) for i in nodes}
    for a, b in itertools.combinations(nodes, 2):
        if a == nodes[b].get("attachedToRef") or b == nodes[a].get("attachedToRef"):
            continue
        ax, ay, aw, ah = boxes[a]
        bx, by, bw, bh = boxes[b]
        assert not (ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah), (a, b)
    for event in process.iterfind("bpmn:boundaryEvent", NS):
        x, y, w, h = boxes[event.get("id")]
        hx, hy, hw, hh = boxes[event.get("attachedToRef")]
        assert y + h / 2 == hy + hh and hx <= x + w / 2 <= hx + hw, event.get("id")
    # forms: every user task names one, and every form belongs to a task
    forms = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "forms").glob(forms_glob))}
    used = {t.get(f"{CAMUNDA}formRef") for t in process.iterfind("bpmn:userTask", NS)}
    assert used == set(forms)
    for form_id, form in forms.items():
        assert (form["id"], form["type"], form["schemaVersion"]) == (form_id, "default", 19)
    # gateways that split have a default flow and conditions on all others
    for gateway in process.iterfind("bpmn:exclusiveGateway", NS):
        outgoing = process.findall(f"bpmn:sequenceFlow[@sourceRef='{gateway.get('id')}']", NS)
        if len(outgoing) > 1:
            assert gateway.get("default") in {f.get("id") for f in outgoing}, gateway.get("id")
            conditions = [f for f in outgoing if f.find("bpmn:conditionExpression", NS) is not None]
            assert len(conditions) == len(outgoing) - 1, gateway.get("id")
    # every name an expression reads is a field of a form (set before the expression runs; see the tests)
    declared = set().union(*(form_keys(form) for form in forms.values()))
    texts = [e.text for e in process.iterfind(".//bpmn:conditionExpression", NS)]
    texts += [t.get(f"{CAMUNDA}dueDate") for t in process.iterfind("bpmn:userTask", NS) if t.get(f"{CAMUNDA}dueDate")]
    for text in texts:
        names = {n.id for n in ast.walk(ast.parse(text.strip(), mode="eval")) if isinstance(n, ast.Name)}
        assert names - FUNCTIONS - {"True", "False"} <= declared, (text, names - declared)
    # the messages the process waits for
    assert {m.get("name") for m in root.iterfind("bpmn:message", NS)} == messages


def test_model_follows_the_conventions():
    check_model(ROOT / "bpmn/move_in.bpmn", "move_in", {"客服部", "财务部", "工程部"}, "move_in_*.form",
                {"seals_provided"})
