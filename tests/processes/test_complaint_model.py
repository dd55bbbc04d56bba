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


def dmn_outputs() -> set[str]:
    return {o.get("name") for o in etree.parse(str(DMN)).getroot().iterfind(".//dmn:output", NS)}


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
    declared = set(START_DATA) | dmn_outputs()
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
