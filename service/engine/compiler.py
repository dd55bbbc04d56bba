"""Deploy time: validate BPMN/DMN files, parse them once and serialize the specs for storage."""

from __future__ import annotations

import json
from collections.abc import Iterable

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .expressions import check_expression, is_iso8601_literal
from .parser import REGISTRY, ProcessParser
from .types import CompiledProcess, CompileResult, DeployProblem
from .xmlread import (
    BPMN_NS,
    NS,
    RESERVED_IDS,
    XmlProblem,
    camunda_attr,
    camunda_properties,
    element_infos,
    form_reference,
    local,
    parse_xml,
)

DMN_SUFFIXES = (".dmn",)
BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".xml")
TIMER_TAGS = ("timeDate", "timeDuration", "timeCycle")
_Located = tuple[str, etree._Element]  # (file name, XML element)


class _Checker:
    """Collects problems for one file while walking its XML."""

    def __init__(self, filename: str, functions: Iterable[str]):
        self.filename = filename
        self.functions = tuple(functions)
        self.problems: list[DeployProblem] = []

    def add(self, message: str, node: etree._Element | None = None, element: str | None = None) -> None:
        owner = _owner(node) if node is not None else None
        self.problems.append(DeployProblem(
            file=self.filename, message=message,
            element=element or (owner.get("id") if owner is not None else None),
            line=node.sourceline if node is not None else None,
        ))

    def expression(self, node: etree._Element, text: str | None, what: str) -> None:
        if text is None or not text.strip():
            return
        error = check_expression(text.strip(), self.functions)
        if error:
            self.add(f"{what} '{text.strip()}': {error}", node)


def _owner(node: etree._Element) -> etree._Element:
    """The nearest ancestor-or-self that has an id (the element a problem belongs to)."""
    for candidate in (node, *node.iterancestors()):
        if candidate.get("id"):
            return candidate
    return node


def _check_bpmn(root: etree._Element, check: _Checker) -> None:
    """Element-level rules that SpiffWorkflow does not enforce, and expression checks."""
    seen: dict[str, int] = {}
    for node in root.iter():
        _check_id(node, seen, check)
        tag = local(node.tag)
        if tag == "scriptTask":
            check.add("script tasks are disabled: use a form, a DMN table or a gateway condition instead", node)
        elif tag == "serviceTask":
            check.add("service task has no implementation the service can call", node)
        elif tag == "businessRuleTask" and not camunda_attr(node, "decisionRef"):
            check.add("business rule task has no decision the service can evaluate "
                      "(set camunda:decisionRef to a DMN decision id deployed with it)", node)
        elif tag == "userTask":
            _check_user_task(node, check)
        elif tag == "conditionExpression":
            check.expression(node, node.text, "condition")
        elif tag in TIMER_TAGS:
            _timer(node, check)
        elif tag in ("loopCondition", "loopCardinality", "completionCondition"):
            check.expression(node, node.text, tag)


def _check_id(node: etree._Element, seen: dict[str, int], check: _Checker) -> None:
    node_id = node.get("id")
    if not node_id or not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}"):
        return  # extension elements (camunda:formField …) have ids of their own scope
    if node_id in seen:
        check.add(f"id '{node_id}' is used twice (first on line {seen[node_id]}); ids must be unique "
                  "in a file, and bpmn-js cannot open a file that repeats one", node, element=node_id)
    else:
        seen[node_id] = node.sourceline
    if node_id in RESERVED_IDS:
        check.add(f"element id '{node_id}' is reserved by the engine; rename the element", node)


def _check_user_task(node: etree._Element, check: _Checker) -> None:
    _, problem = form_reference(node)
    if problem:
        check.add(problem, node)
    excluded = camunda_properties(node).get("excluded_users")
    if excluded:
        check.expression(node, excluded, "camunda:property excluded_users")
    due = camunda_attr(node, "dueDate")
    if due and not is_iso8601_literal(due):
        check.expression(node, due, "camunda:dueDate")


def _timer(node: etree._Element, check: _Checker) -> None:
    """A bare ISO-8601 literal becomes a quoted one; anything else must be an allowed expression."""
    text = (node.text or "").strip()
    if not text:
        check.add(f"timer has an empty {local(node.tag)}", node)
    elif is_iso8601_literal(text):
        node.text = repr(text)
    else:
        check.expression(node, text, f"timer {local(node.tag)}")


def _check_dmn(root: etree._Element, check: _Checker) -> None:
    decisions = [node for node in root if local(node.tag) == "decision"]
    if len(decisions) > 1:
        names = ", ".join(d.get("id", "?") for d in decisions)
        check.add(f"one decision per DMN file, found {len(decisions)} ({names}); put each decision table in a "
                  "file of its own", decisions[1])
    for node in root.iter():
        if local(node.tag) in ("inputExpression", "outputEntry"):
            text_node = node.find("{*}text")
            text = text_node.text if text_node is not None else None
            if text and text.strip() not in ("", "-"):
                check.expression(text_node, text, f"DMN {local(node.tag)}")


def _executable_processes(root: etree._Element, check: _Checker) -> list[etree._Element]:
    result = []
    for process in root.findall("bpmn:process", NS):
        if process.get("isExecutable", "true").lower() == "true":
            result.append(process)
    if not result and root.findall("bpmn:process", NS):
        ids = ", ".join(p.get("id", "?") for p in root.findall("bpmn:process", NS))
        check.add(f"no executable process: {ids} has isExecutable=\"false\" (a diagram only); "
                  "set isExecutable=\"true\" on the process to run it")
    return result


def _read(filename: str, content: bytes, check: _Checker) -> etree._Element | None:
    try:
        return parse_xml(content)
    except XmlProblem as exc:
        check.problems.append(DeployProblem(file=filename, message=str(exc), line=exc.line))
        return None


def _spiff_problem(exc: SpiffWorkflowException, default_file: str, lines: dict[str, int]) -> DeployProblem:
    element = getattr(exc, "id", None) or None
    line = getattr(exc, "line_number", None) or lines.get(element or "")
    message = str(exc).split(". [tag=")[0] if isinstance(exc, ValidationException) else str(exc)
    return DeployProblem(file=getattr(exc, "file_name", None) or default_file, message=message,
                         element=element, line=line if isinstance(line, int) else None)


def compile_files(files: dict[str, bytes], functions: Iterable[str]) -> CompileResult:
    """Validate and parse BPMN/DMN files deployed together; return their executable processes."""
    functions = tuple(functions)
    parser = ProcessParser()
    problems: list[DeployProblem] = []
    process_nodes: dict[str, tuple[str, etree._Element]] = {}
    lines: dict[str, int] = {}
    roots: dict[str, etree._Element] = {}
    for filename, content in files.items():
        check = _Checker(filename, functions)
        root = _read(filename, content, check)
        if root is not None:
            roots[filename] = root
            _add_file(parser, filename, root, check, process_nodes)
            lines.update({n.get("id"): n.sourceline for n in root.iter() if n.get("id")})
        problems.extend(check.problems)
    if problems:
        return CompileResult((), tuple(problems))
    compiled = []
    entries = [(pid, filename, node, False) for pid, (filename, node) in process_nodes.items()]
    entries += [(cid, filename, node, True) for cid, (filename, node) in _collaborations(parser, roots, process_nodes)]
    for entry_id, filename, node, is_collaboration in entries:
        try:
            compiled.append(_compile_entry(parser, entry_id, filename, node, process_nodes, is_collaboration))
        except SpiffWorkflowException as exc:
            problems.append(_spiff_problem(exc, filename, lines))
        except Exception as exc:  # noqa: BLE001 - any parser failure is a deploy problem, never a 500
            problems.append(DeployProblem(file=filename, element=entry_id,
                                          message=f"cannot build: {type(exc).__name__}: {exc}"))
    if not compiled and not problems:
        problems.append(DeployProblem(file=", ".join(files) or "-", message="no BPMN process in the files"))
    return CompileResult(tuple(compiled) if not problems else (), tuple(problems))


def _add_file(parser: ProcessParser, filename: str, root: etree._Element, check: _Checker,
              process_nodes: dict[str, tuple[str, etree._Element]]) -> None:
    kind = local(root.tag)
    try:
        if kind == "definitions" and root.tag == f"{{{BPMN_NS}}}definitions":
            _check_bpmn(root, check)
            for process in _executable_processes(root, check):
                process_nodes[process.get("id")] = (filename, process)
            if not check.problems:
                parser.add_bpmn_xml(root, filename)
        elif kind == "definitions":
            _check_dmn(root, check)
            if not check.problems:
                parser.add_dmn_xml(root, filename)
        else:
            check.add(f"root element <{kind}> is neither BPMN nor DMN definitions")
    except SpiffWorkflowException as exc:
        check.problems.append(_spiff_problem(exc, filename, {}))
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises more than ValidationException
        check.add(f"cannot read: {type(exc).__name__}: {exc}")


def _collaborations(parser: ProcessParser, roots: dict[str, etree._Element],
                    process_nodes: dict[str, _Located]) -> list[tuple[str, _Located]]:
    """Collaborations of two or more executable processes, startable as one instance because a message
    thrown by one participant starts (or reaches) another (e.g. call_activity_with_message_parent.bpmn).
    Not listed: one with a single executable participant (that is just the process), nor one whose other
    participants are only called by the first (Approvals.bpmn: starting it would also start the callees)."""
    found = []
    for filename, root in roots.items():
        for node in root.findall("bpmn:collaboration", NS):
            collaboration_id = node.get("id")
            if collaboration_id in process_nodes or collaboration_id not in parser.collaborations:
                continue
            participants = set(parser.collaboration_participants(collaboration_id))
            called = {call.get("calledElement") for pid in participants if pid in process_nodes
                      for call in process_nodes[pid][1].iter(f"{{{BPMN_NS}}}callActivity")}
            if len(participants - called) >= 2:
                found.append((collaboration_id, (filename, node)))
    return found


def _compile_entry(parser: ProcessParser, entry_id: str, filename: str, node: etree._Element,
                   process_nodes: dict[str, tuple[str, etree._Element]], is_collaboration: bool) -> CompiledProcess:
    """One startable entry: a process, or a collaboration whose participants start together."""
    if is_collaboration:
        spec, subprocess_specs = parser.get_collaboration(entry_id)
        elements = {}
    else:
        spec = parser.get_spec(entry_id)
        subprocess_specs = parser.get_subprocess_specs(entry_id)
        elements = element_infos(node)
    for called in subprocess_specs:
        if called in process_nodes and called != entry_id:
            elements = {**element_infos(process_nodes[called][1]), **elements}
    payload = {
        "spec": REGISTRY.convert(spec),
        "subprocess_specs": {name: REGISTRY.convert(s) for name, s in subprocess_specs.items()},
    }
    form_ids = sorted({e.form_id for e in elements.values() if e.form_id})
    name = (node.get("name") or "").strip() or entry_id
    return CompiledProcess(
        process_id=entry_id, name=name, source_file=filename, spec=json.dumps(payload),
        elements=elements, form_ids=tuple(form_ids), called_processes=tuple(sorted(subprocess_specs)),
        properties=camunda_properties(node), start_timers=() if is_collaboration else _start_timers(node),
    )


def _start_timers(process: etree._Element) -> tuple[tuple[str, str, str], ...]:
    """The process's own timer start events (not those of event subprocesses), with their timer text."""
    found = []
    for event in process.findall("bpmn:startEvent", NS):
        definition = event.find("bpmn:timerEventDefinition", NS)
        for kind in TIMER_TAGS if definition is not None else ():
            timer = definition.find(f"bpmn:{kind}", NS)
            if timer is not None and (timer.text or "").strip():
                found.append((event.get("id"), kind, timer.text.strip()))
    return tuple(found)
