"""Compare two versions of a process element by element, and the few reads of raw XML drafts need.

Pure: no SpiffWorkflow, no database. Elements come from the compiled metadata (ElementInfo) when the
caller has it; sequence-flow conditions and timer texts are read from the XML as written, because the
compiler rewrites bare ISO-8601 timer literals into quoted ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from .types import ElementInfo
from .xmlread import BPMN_NS, NS, TIMER_KINDS, XmlProblem, camunda_attr, element_infos, local, parse_xml

__all__ = ["XmlProblem", "decision_ids", "decision_refs", "describe", "diff", "executable_processes"]

COMPARED = ("name", "type", "lane", "form", "candidate_groups", "assignee", "due_date", "timer",
            "source", "target", "condition")


def executable_processes(xml: bytes) -> list[tuple[str, str]]:
    """(id, name) of each executable process in a BPMN file, in document order; raises XmlProblem."""
    root = parse_xml(xml)
    found = [(p.get("id", ""), (p.get("name") or "").strip() or p.get("id", ""))
             for p in root.findall("bpmn:process", NS) if p.get("isExecutable", "true").lower() == "true"]
    return [entry for entry in found if entry[0]]


def decision_refs(xml: bytes) -> set[str]:
    """The DMN decision ids a BPMN file's business rule tasks name."""
    root = parse_xml(xml)
    return {ref.strip() for node in root.iter(f"{{{BPMN_NS}}}businessRuleTask")
            if (ref := camunda_attr(node, "decisionRef"))}


def called_elements(xml: bytes) -> set[str]:
    """The process ids a BPMN file's call activities call."""
    root = parse_xml(xml)
    return {ref.strip() for node in root.iter(f"{{{BPMN_NS}}}callActivity") if (ref := node.get("calledElement"))}


def decision_ids(xml: bytes) -> set[str]:
    """The decision ids a DMN file defines."""
    root = parse_xml(xml)
    return {node.get("id") for node in root.iter() if local(node.tag) == "decision" and node.get("id")}


def describe(xml: bytes, process_id: str, elements: Mapping[str, ElementInfo] | None = None) -> dict[str, dict]:
    """The comparable facts of every flow node and sequence flow of one process, keyed by element id."""
    root = parse_xml(xml)
    process = next((p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == process_id), root)
    if elements is None:
        elements = element_infos(process)
    table = {element_id: _node_row(info) for element_id, info in elements.items()}
    for node in process.iter():
        tag = local(node.tag)
        if tag == "sequenceFlow" and node.get("id"):
            table[node.get("id")] = _flow_row(node)
        elif tag in TIMER_KINDS:
            owner = _owner_in(node, table)
            if owner is not None:
                table[owner]["timer"] = f"{tag}: {(node.text or '').strip()}"
    return table


def diff(old: Mapping[str, dict], new: Mapping[str, dict]) -> dict[str, list[dict]]:
    """Elements added, removed and changed (field by field) from `old` to `new`."""
    added = [_summary(element_id, row) for element_id, row in new.items() if element_id not in old]
    removed = [_summary(element_id, row) for element_id, row in old.items() if element_id not in new]
    changed = []
    for element_id, row in new.items():
        before = old.get(element_id)
        if before is None:
            continue
        changes = [{"field": name, "old": before.get(name), "new": row.get(name)}
                   for name in COMPARED if (before.get(name) or None) != (row.get(name) or None)]
        if changes:
            changed.append({**_summary(element_id, row), "changes": changes})
    return {"added": added, "removed": removed, "changed": changed}


def _node_row(info: ElementInfo) -> dict:
    return {"name": info.name, "type": info.kind, "lane": info.lane, "form": info.form_id,
            "candidate_groups": ", ".join(info.candidate_groups) or None, "assignee": info.assignee,
            "due_date": info.due_date}


def _flow_row(node: etree._Element) -> dict:
    condition = node.find("bpmn:conditionExpression", NS)
    text = (condition.text or "").strip() if condition is not None else ""
    return {"name": (node.get("name") or "").strip() or None, "type": "sequenceFlow",
            "source": node.get("sourceRef"), "target": node.get("targetRef"), "condition": text or None}


def _owner_in(node: etree._Element, table: Mapping[str, dict]) -> str | None:
    """The nearest ancestor the table knows (a timer text's event)."""
    for ancestor in node.iterancestors():
        if ancestor.get("id") in table:
            return ancestor.get("id")
    return None


def _summary(element_id: str, row: dict) -> dict:
    return {"id": element_id, "name": row.get("name") or element_id, "type": row.get("type")}
