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
    element_infos,
    form_reference,
    local,
    parse_xml,
)

DMN_SUFFIXES = (".dmn",)
BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".xml")
TIMER_TAGS = ("timeDate", "timeDuration", "timeCycle")


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
    for node in root.iter():
        tag = local(node.tag)
        node_id = node.get("id")
        if node_id in RESERVED_IDS:
            check.add(f"element id '{node_id}' is reserved by the engine; rename the element", node)
        if tag == "scriptTask":
            check.add("script tasks are disabled: use a form, a DMN table or a gateway condition instead", node)
        elif tag == "serviceTask":
            check.add("service task has no implementation the service can call", node)
        elif tag == "businessRuleTask" and not camunda_attr(node, "decisionRef"):
            check.add("business rule task has no decision the service can evaluate "
                      "(set camunda:decisionRef to a DMN decision id deployed with it)", node)
        elif tag == "userTask":
            _, problem = form_reference(node)
            if problem:
                check.add(problem, node)
            due = camunda_attr(node, "dueDate")
            if due and not is_iso8601_literal(due):
                check.expression(node, due, "camunda:dueDate")
        elif tag == "conditionExpression":
            check.expression(node, node.text, "condition")
        elif tag in TIMER_TAGS:
            _timer(node, check)
        elif tag in ("loopCondition", "loopCardinality", "completionCondition"):
            check.expression(node, node.text, tag)


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
    for filename, content in files.items():
        check = _Checker(filename, functions)
        root = _read(filename, content, check)
        if root is not None:
            _add_file(parser, filename, root, check, process_nodes)
            lines.update({n.get("id"): n.sourceline for n in root.iter() if n.get("id")})
        problems.extend(check.problems)
    if problems:
        return CompileResult((), tuple(problems))
    compiled = []
    for process_id, (filename, node) in process_nodes.items():
        try:
            compiled.append(_compile_process(parser, process_id, filename, node, process_nodes))
        except (SpiffWorkflowException, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SpiffWorkflowException):
                problems.append(_spiff_problem(exc, filename, lines))
            else:
                problems.append(DeployProblem(file=filename, element=process_id, message=f"cannot build: {exc}"))
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


def _compile_process(parser: ProcessParser, process_id: str, filename: str, node: etree._Element,
                     process_nodes: dict[str, tuple[str, etree._Element]]) -> CompiledProcess:
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    elements = element_infos(node)
    for called in subprocess_specs:
        if called in process_nodes and called != process_id:
            elements = {**element_infos(process_nodes[called][1]), **elements}
    payload = {
        "spec": REGISTRY.convert(spec),
        "subprocess_specs": {name: REGISTRY.convert(s) for name, s in subprocess_specs.items()},
    }
    form_ids = sorted({e.form_id for e in elements.values() if e.form_id})
    name = (node.get("name") or "").strip() or process_id
    return CompiledProcess(
        process_id=process_id, name=name, source_file=filename, spec=json.dumps(payload),
        elements=elements, form_ids=tuple(form_ids), called_processes=tuple(sorted(subprocess_specs)),
    )
