"""Static checks of bpmn/complaint.bpmn and its DMN table and forms: the rules a later edit in Camunda
Modeler could silently break (diagram interchange, lanes, forms, the data each expression reads)."""

from __future__ import annotations

import ast
import itertools
import json
import re

import pytest
from lxml import etree

from service.forms import form_keys
from tests.conftest import ROOT
from tests.processes.test_complaint import PROCESS_FILES

BPMN = ROOT / "bpmn" / "complaint.bpmn"
DMN = ROOT / "bpmn" / "complaint_classification.dmn"
FOLLOWUP = ROOT / "bpmn" / "followup_visit.bpmn"
FOLLOWUP_DMN = ROOT / "bpmn" / "followup_satisfaction.dmn"
VISIT_INPUTS = {"major", "case_type", "ticket_no"}  # what followup_visit reads (its documented contract)
VISIT_OUTPUTS = {"satisfaction", "satisfied", "visit_comments"}
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
CAMUNDA = f"{{{NS['camunda']}}}"
FLOW_NODES = ("startEvent", "endEvent", "boundaryEvent", "userTask", "businessRuleTask", "exclusiveGateway",
              "subProcess", "task", "manualTask", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
              "intermediateCatchEvent", "intermediateThrowEvent", "callActivity", "scriptTask", "serviceTask")
DEPARTMENTS = {"客服部", "工程部", "保安部", "清洁绿化部", "物业经理"}
FUNCTIONS = {"now", "add_workdays", "add_work_hours"}
START_DATA = {"channel"}
SERVICE_DATA = {"ticket_no"}  # every case gets its ticket number from the service at start
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def root():
    return etree.parse(str(BPMN)).getroot()


@pytest.fixture(scope="module")
def process(root):
    return root.find("bpmn:process", NS)


def local(node) -> str:
    return etree.QName(node).localname


def flow_nodes(process):
    return [n for n in process.iter() if isinstance(n.tag, str) and local(n) in FLOW_NODES]


def bounds(root, element_id):
    shape = root.find(f".//bpmndi:BPMNShape[@bpmnElement='{element_id}']", NS)
    assert shape is not None, f"no BPMNShape for {element_id}"
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def forms() -> dict[str, dict]:
    """The forms of this process (other processes' forms may share the complaint_ prefix)."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in PROCESS_FILES if p.suffix == ".form"}


def dmn_outputs(path=DMN) -> set[str]:
    return {o.get("name") for o in etree.parse(str(path)).getroot().iterfind(".//dmn:output", NS)}


def call_activity_outputs() -> set[str]:
    """What the called followup_visit hands back: its form's keys and its satisfaction table's outputs."""
    return set(form_keys(forms()["followup_visit"])) | dmn_outputs(FOLLOWUP_DMN)


def test_process_header_and_ids(root, process):
    header = (process.get("id"), process.get("name"), process.get("isExecutable"))
    assert header == ("complaint", "客户投诉处理", "true")
    assert process.find("bpmn:documentation", NS) is not None
    participant = root.find("bpmn:collaboration/bpmn:participant", NS)
    assert participant.get("processRef") == "complaint"
    ids = [n.get("id") for n in root.iter() if isinstance(n.tag, str) and n.get("id")]
    assert len(ids) == len(set(ids))
    assert not {"Start", "End", "Root"} & set(ids)
    assert not process.findall(".//bpmn:scriptTask", NS) and not process.findall(".//bpmn:serviceTask", NS)


def test_every_flow_node_has_a_chinese_name(process):
    unnamed = [n.get("id") for n in flow_nodes(process) if not HAN.search(n.get("name") or "")]
    assert unnamed == []


def test_diagram_interchange_is_complete(root, process):
    for node in [*flow_nodes(process), *process.iterfind(".//bpmn:lane", NS),
                 *root.iterfind("bpmn:collaboration/bpmn:participant", NS)]:
        bounds(root, node.get("id"))
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        edge = root.find(f".//bpmndi:BPMNEdge[@bpmnElement='{flow.get('id')}']", NS)
        assert edge is not None and len(edge.findall("di:waypoint", NS)) >= 2, flow.get("id")


def test_shapes_do_not_overlap_and_boundary_events_sit_on_their_host(root, process):
    nodes = {n.get("id"): n for n in flow_nodes(process)}
    boxes = {i: bounds(root, i) for i in nodes}
    parent = {i: n.getparent().get("id") for i, n in nodes.items()}
    for a, b in itertools.combinations(nodes, 2):
        ax, ay, aw, ah = boxes[a]
        bx, by, bw, bh = boxes[b]
        related = parent[a] == b or parent[b] == a or nodes[a].get("attachedToRef") == b \
            or nodes[b].get("attachedToRef") == a
        assert related or not (ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah), (a, b)
    for event in process.iterfind(".//bpmn:boundaryEvent", NS):
        x, y, w, h = boxes[event.get("id")]
        hx, hy, hw, hh = boxes[event.get("attachedToRef")]
        cx, cy = x + w / 2, y + h / 2
        on_horizontal = cy in (hy, hy + hh) and hx <= cx <= hx + hw
        on_vertical = cx in (hx, hx + hw) and hy <= cy <= hy + hh
        assert on_horizontal or on_vertical, event.get("id")


def test_lanes_are_the_departments_and_hold_every_user_task(process):
    lanes = {lane.get("name"): {r.text for r in lane.iterfind("bpmn:flowNodeRef", NS)}
             for lane in process.iterfind(".//bpmn:lane", NS)}
    assert set(lanes) == DEPARTMENTS
    in_lane = set().union(*lanes.values())
    assert not [t.get("id") for t in process.iterfind(".//bpmn:userTask", NS) if t.get("id") not in in_lane]
    # a sub-process in a lane would force its lane on every task inside it (SpiffWorkflow)
    assert not {s.get("id") for s in process.iterfind(".//bpmn:subProcess", NS)} & in_lane


def test_every_user_task_names_a_form_that_exists(process):
    available = forms()
    for task in process.iterfind(".//bpmn:userTask", NS):
        form_id = task.get(f"{CAMUNDA}formRef")
        assert form_id in available, task.get("id")
        assert available[form_id]["id"] == form_id and available[form_id]["schemaVersion"] == 19


def test_exclusive_gateways_have_a_default_when_they_split(process):
    for gateway in process.iterfind(".//bpmn:exclusiveGateway", NS):
        outgoing = process.findall(f".//bpmn:sequenceFlow[@sourceRef='{gateway.get('id')}']", NS)
        if len(outgoing) > 1:
            assert gateway.get("default") in {f.get("id") for f in outgoing}, gateway.get("id")
            conditional = [f for f in outgoing if f.find("bpmn:conditionExpression", NS) is not None]
            assert len(conditional) == len(outgoing) - 1, gateway.get("id")


def test_every_name_an_expression_reads_is_set_by_a_form_or_the_decision(process):
    declared = set(START_DATA) | SERVICE_DATA | dmn_outputs() | call_activity_outputs()
    for form in forms().values():
        declared |= set(form_keys(form))
    expressions = [e.text for e in process.iterfind(".//bpmn:conditionExpression", NS)]
    expressions += [e.text for e in process.iter() if isinstance(e.tag, str) and local(e) == "timeDate"]
    expressions += [t.get(f"{CAMUNDA}dueDate") for t in process.iterfind(".//bpmn:userTask", NS)
                    if t.get(f"{CAMUNDA}dueDate")]
    dmn_inputs = [t.text for t in etree.parse(str(DMN)).getroot().iterfind(".//dmn:inputExpression/dmn:text", NS)]
    for text in expressions + dmn_inputs:
        names = {n.id for n in ast.walk(ast.parse(text.strip(), mode="eval")) if isinstance(n, ast.Name)}
        assert names - FUNCTIONS - {"True", "False"} <= declared, (text, names - declared)


def test_classification_table_covers_every_category_once():
    table = etree.parse(str(DMN)).getroot().find(".//dmn:decisionTable", NS)
    assert table.get("hitPolicy") == "UNIQUE"
    register = forms()["complaint_register"]
    category = next(c for g in register["components"] for c in g.get("components", []) if c.get("key") == "category")
    categories = {v["value"] for v in category["values"]}
    rows, departments, paths = [], set(), set()
    for rule in table.iterfind("dmn:rule", NS):
        cells = [ast.literal_eval(e.findtext("dmn:text", namespaces=NS)) for e in rule.iterfind("dmn:inputEntry", NS)]
        out = [ast.literal_eval(e.findtext("dmn:text", namespaces=NS)) for e in rule.iterfind("dmn:outputEntry", NS)]
        rows.append(tuple(cells))
        paths.add(out[0])
        departments.add(out[1])
        assert out[2] is cells[1]
    assert sorted(rows) == sorted(itertools.product(categories, (True, False)))  # complete and unique
    assert paths == {"service", "developer", "external", "other"}
    assert departments <= DEPARTMENTS - {"物业经理"}


def test_every_flow_node_in_a_lane_is_drawn_inside_that_lane(root, process):
    for lane in process.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = bounds(root, lane.get("id"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = bounds(root, ref.text)
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, (lane.get("name"), ref.text)


def test_every_edge_starts_at_its_source_and_ends_at_its_target(root, process):
    def touches(point, box):
        x, y, w, h = box
        return x - 1 <= point[0] <= x + w + 1 and y - 1 <= point[1] <= y + h + 1

    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        edge = root.find(f".//bpmndi:BPMNEdge[@bpmnElement='{flow.get('id')}']", NS)
        points = [(float(p.get("x")), float(p.get("y"))) for p in edge.iterfind("di:waypoint", NS)]
        assert touches(points[0], bounds(root, flow.get("sourceRef"))), flow.get("id")
        assert touches(points[-1], bounds(root, flow.get("targetRef"))), flow.get("id")
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            assert ax == bx or ay == by, flow.get("id")  # orthogonal segments, as bpmn-js draws them


def test_the_visit_is_the_shared_followup_visit_call_activity(root, process):
    """processes.md §1.8/§3: one reusable visit for complaints and repairs, 不满意 → 返单 on its output."""
    assert not process.findall(".//bpmn:userTask[@camunda:formRef='complaint_visit']", NS)
    assert not (ROOT / "forms" / "complaint_visit.form").exists()
    calls = process.findall(".//bpmn:callActivity", NS)
    assert [(c.get("id"), c.get("calledElement"), c.get(f"{CAMUNDA}calledElementBinding")) for c in calls] == [
        ("followup", "followup_visit", "deployment")]
    call = calls[0]
    assert HAN.search(call.get("name")) and call.find("bpmn:documentation", NS) is not None
    mappings = {(local(m), m.get("variables")) for m in call.find("bpmn:extensionElements", NS)}
    assert mappings == {("in", "all"), ("out", "all")}  # the pattern of repair.bpmn
    lane = next(lane for lane in process.iterfind(".//bpmn:lane", NS)
                if "followup" in {r.text for r in lane.iterfind("bpmn:flowNodeRef", NS)})
    assert lane.get("name") == "客服部"
    # the inputs exist before the call: the classification gives major and case_type, the service the ticket
    assert VISIT_INPUTS <= dmn_outputs() | SERVICE_DATA
    assert VISIT_OUTPUTS <= call_activity_outputs()
    callee = etree.parse(str(FOLLOWUP)).getroot()
    manager_flow = callee.find(".//bpmn:sequenceFlow[@id='followup_flow_manager']", NS)
    assert manager_flow.findtext("bpmn:conditionExpression", namespaces=NS).strip() == "major"
    manager_lane = callee.find(".//bpmn:lane[@name='物业经理']", NS)
    assert {r.text for r in manager_lane.iterfind("bpmn:flowNodeRef", NS)} == {manager_flow.get("targetRef")}
    # after the call: satisfied → preventive measures; not satisfied → back into handling
    out = process.findall(".//bpmn:sequenceFlow[@sourceRef='followup']", NS)
    assert [f.get("targetRef") for f in out] == ["gw_satisfied"]
    gateway = process.find(".//bpmn:exclusiveGateway[@id='gw_satisfied']", NS)
    flows = {f.get("id"): f for f in process.iterfind(".//bpmn:sequenceFlow[@sourceRef='gw_satisfied']", NS)}
    assert flows[gateway.get("default")].get("targetRef") == "gw_prevent_dept"
    rework = next(f for f in flows.values() if f.get("id") != gateway.get("default"))
    assert rework.get("targetRef") == "gw_to_handling"
    assert rework.findtext("bpmn:conditionExpression", namespaces=NS).strip() == "not satisfied"
