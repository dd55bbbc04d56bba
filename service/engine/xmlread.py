"""Read BPMN/DMN XML safely and pull out what the service needs from the Camunda 7 dialect."""

from __future__ import annotations

import re

from lxml import etree

from .types import ElementInfo

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}

RESERVED_IDS = frozenset({"Start", "End", "Root"})
HUMAN_KINDS = {"userTask": "userTask", "manualTask": "manualTask", "task": "task"}
FLOW_NODE_TAGS = (
    "userTask", "manualTask", "task", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "startEvent", "endEvent",
    "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
)
_SIMPLE_FORM_ID = re.compile(r"^[A-Za-z_][\w.\-]*$")
_CAMUNDA_FORMS_KEY = re.compile(r"^camunda-forms:(?:deployment|app):(?:forms/)?([\w.\-]+?)(?:\.form)?$")


class XmlProblem(Exception):
    """The bytes are not well-formed or not safe XML."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def parse_xml(content: bytes) -> etree._Element:
    """Parse without DTDs, entities or network access; raise XmlProblem with the line on failure."""
    if b"<!DOCTYPE" in content[:4096] or b"<!ENTITY" in content:
        raise XmlProblem("DOCTYPE and entity declarations are not allowed in process files", 1)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=False,
    )
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise XmlProblem(f"not well-formed XML: {exc.msg}", exc.lineno) from exc
    return root


def local(tag: object) -> str:
    """The tag name without its namespace."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def camunda_attr(node: etree._Element, name: str) -> str | None:
    """A camunda: attribute, also under the old activiti namespace some exporters bind to camunda:."""
    value = node.get(f"{{{CAMUNDA_NS}}}{name}")
    if value is None:
        for key, val in node.attrib.items():
            if key.endswith("}" + name) and "activiti" in key:
                return val
    return value


def form_reference(node: etree._Element) -> tuple[str | None, str | None]:
    """The form id a user task names, and a problem message when the reference cannot be used."""
    form_ref = camunda_attr(node, "formRef")
    if form_ref:
        return form_ref.strip(), None
    form_key = camunda_attr(node, "formKey")
    if not form_key:
        return None, None
    if node.find(".//camunda:formData", NS) is not None:
        return None, None  # generated Camunda form: fields travel as plain task data
    form_key = form_key.strip()
    match = _CAMUNDA_FORMS_KEY.match(form_key)
    if match:
        return match.group(1), None
    if _SIMPLE_FORM_ID.match(form_key):
        return form_key, None
    # An embedded or external form ("embedded:app:task-form.html", "app:approve.jsf") lives in
    # another application: the service shows no form and takes the task data as submitted, as for a
    # task without form. Refusing it made standard Camunda 7 diagrams undeployable
    # (camunda-bpm-examples/invoicePayment.bpmn in the conformance corpus).
    return None, None


def _lanes(process: etree._Element) -> dict[str, str]:
    """Map flow node id → lane name (innermost lane wins)."""
    result: dict[str, str] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        name = (lane.get("name") or lane.get("id") or "").strip()
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            if ref.text:
                result[ref.text.strip()] = name
    return result


def _documentation(node: etree._Element) -> str | None:
    doc = node.find("bpmn:documentation", NS)
    return doc.text.strip() if doc is not None and doc.text else None


def element_infos(process: etree._Element) -> dict[str, ElementInfo]:
    """Everything the service indexes per flow node of one process (nested subprocesses included)."""
    lanes = _lanes(process)
    process_id = process.get("id")
    infos: dict[str, ElementInfo] = {}
    parents_lane: dict[str, str] = {}
    for node in process.iter():
        kind = local(node.tag)
        if kind not in FLOW_NODE_TAGS or not node.get("id"):
            continue
        element_id = node.get("id")
        lane = lanes.get(element_id)
        if lane is None:
            for ancestor in node.iterancestors():
                if ancestor.get("id") in lanes or ancestor.get("id") in parents_lane:
                    lane = lanes.get(ancestor.get("id")) or parents_lane.get(ancestor.get("id"))
                    break
        if lane:
            parents_lane[element_id] = lane
        form_id, _ = form_reference(node) if kind == "userTask" else (None, None)
        groups = camunda_attr(node, "candidateGroups")
        infos[element_id] = ElementInfo(
            element_id=element_id,
            name=(node.get("name") or "").strip() or element_id,
            kind=kind,
            lane=lane,
            form_id=form_id,
            candidate_groups=tuple(g.strip() for g in (groups or "").split(",") if g.strip()),
            assignee=(camunda_attr(node, "assignee") or "").strip() or None,
            due_date=(camunda_attr(node, "dueDate") or "").strip() or None,
            documentation=_documentation(node),
            process_id=process_id,
            **_references(node, kind),
            **_deadline_fields(node),
        )
    return infos


def _references(node: etree._Element, kind: str) -> dict:
    """The process a call activity calls and the DMN decision a business rule task evaluates."""
    called = node.get("calledElement") if kind == "callActivity" else None
    decision = camunda_attr(node, "decisionRef") if kind == "businessRuleTask" else None
    return {"called_element": (called or "").strip() or None, "decision_ref": (decision or "").strip() or None}


def decision_outputs(xml: bytes) -> dict[str, dict[str, str]]:
    """The output columns of each decision table of a DMN file: decision id → {output name: label}."""
    found: dict[str, dict[str, str]] = {}
    for decision in parse_xml(xml).iter("{*}decision"):
        outputs = {(node.get("name") or "").strip(): (node.get("label") or "").strip()
                   for node in decision.iter("{*}output")}
        found[decision.get("id") or ""] = {name: label for name, label in outputs.items() if name and label}
    return found


# --- deadlines: SLA declarations and timer expressions (see service/usecases/sla.py) ---------------
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")


def camunda_properties(node: etree._Element) -> dict[str, str]:
    """The element's own `<camunda:properties>` as a dict (a later property of the same name wins)."""
    found = {}
    for prop in node.findall("bpmn:extensionElements/camunda:properties/camunda:property", NS):
        name = (prop.get("name") or "").strip()
        if name:
            found[name] = (prop.get("value") or "").strip()
    return found


def _deadline_fields(node: etree._Element) -> dict:
    """`sla` and `sla_pause` properties, and the kind and text of the element's timer definition."""
    props = camunda_properties(node)
    fields = {"sla": props.get("sla") or None, "sla_pause": props.get("sla_pause") or None,
              "excluded_users": props.get("excluded_users") or None}
    definition = node.find("bpmn:timerEventDefinition", NS)
    for kind in TIMER_KINDS if definition is not None else ():
        timer = definition.find(f"bpmn:{kind}", NS)
        if timer is not None:
            fields.update(timer_kind=kind, timer_expression=(timer.text or "").strip() or None)
    return fields
