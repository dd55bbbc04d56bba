"""Tests for the safe expression evaluator and its SpiffWorkflow script engine."""

from __future__ import annotations

import builtins
from datetime import datetime
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.util.task import TaskState

from service.engine import expressions
from service.engine.expressions import (
    BUILTIN_FUNCTIONS,
    ExpressionError,
    SafeEnvironment,
    UndefinedNameError,
    check_expression,
    evaluate,
    is_iso8601_literal,
    make_script_engine,
)

CONFORMANCE = Path("/work/shared/conformance/spiffworkflow/camunda")
BPMN_NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'id="defs" targetNamespace="http://bpmn.io/schema/bpmn"'
)


# --- pure evaluator -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "names", "expected"), [
    ("amount > 10 and kind in ['a', 'b']", {"amount": 11, "kind": "a"}, True),
    ("amount > 10 and kind in ['a', 'b']", {"amount": 11, "kind": "c"}, False),
    ("1 < x <= 3 < 4", {"x": 2}, True),
    ("1 < x <= 3 < 4", {"x": 5}, False),
    ("x is None or x is not None", {"x": None}, True),
    ("k not in d", {"k": "z", "d": {"a": 1}}, True),
    ("a or b", {"a": 0, "b": "B"}, "B"),
    ("a and b", {"a": 0, "b": "B"}, 0),
    ("not flag", {"flag": False}, True),
    ("-x + +y", {"x": 2, "y": 5}, 3),
    ("7 // 2 + 7 % 2 + 2 ** 3 - 1 / 4", {}, 11.75),
    ("s[1:3] + s[-1] + s[::2]", {"s": "abcd"}, "bcdac"),
    ("d['k'][0]", {"d": {"k": [9, 8]}}, 9),
    ("'big' if n > 5 else 'small'", {"n": 6}, "big"),
    ("(1, 2) + (3,)", {}, (1, 2, 3)),
    ("{'a': [1, {2}]}", {}, {"a": [1, {2}]}),
    ("True and None is None", {}, True),
    ("'ab' * 3", {}, "ababab"),
    ("len(items) + sum([1, 2]) + abs(-1)", {"items": [1, 2, 3]}, 7),
    ("max(1, 5, 3) + min([4, 2]) + round(2.567, 2)", {}, 9.57),
    ("sorted(x, key=len, reverse=True)", {"x": ["a", "ccc", "bb"]}, ["ccc", "bb", "a"]),
    ("int('4') + float('0.5') + bool(1)", {}, 5.5),
    ("str(12) + list('ab')[1]", {}, "12b"),
    ("dict(a=1)['a']", {}, 1),
])
def test_allowed_expressions(text: str, names: dict, expected: object) -> None:
    assert evaluate(text, names, {}) == expected
    assert check_expression(text) is None


@pytest.mark.parametrize(("text", "fragment"), [
    ("__import__('os').system('touch /tmp/pwned')", "attribute access '.system' is not allowed"),
    ("().__class__.__base__.__subclasses__()", "attribute access '.__subclasses__' is not allowed"),
    ("__import__('os')", "name '__import__' is not allowed"),
    ("__builtins__", "name '__builtins__' is not allowed"),
    ("x.y", "attribute access '.y' is not allowed"),
    ("lambda: 1", "lambda is not allowed"),
    ("[x for x in y]", "list comprehension is not allowed"),
    ("{x: 1 for x in y}", "dict comprehension is not allowed"),
    ("sum(x for x in y)", "generator expression is not allowed"),
    ("(y := 1)", "assignment expression (:=) is not allowed"),
    ("len(*x)", "starred unpacking (*x) is not allowed"),
    ("dict(**x)", "argument unpacking (**kwargs) is not allowed"),
    ("{**x}", "dict unpacking (**x) is not allowed"),
    ("[len][0](x)", "only published functions can be called"),
    ("f'{x}'", "f-string is not allowed"),
    ("b'x'", "bytes literals are not allowed"),
    ("1 << 100000", "operator '<<' is not allowed"),
    ("~x", "operator '~' is not allowed"),
    ("x = 1", "syntax error at column 3"),
    ("amount >", "syntax error at column 8"),
    ("", "expression is empty"),
    ("${approved}", "expressions are Python, not JUEL/FEEL: write 'approved'"),
    ("#{amount > 10}", "not JUEL/FEEL"),
])
def test_refused_expressions(text: str, fragment: str) -> None:
    message = check_expression(text)
    assert message is not None and fragment in message
    with pytest.raises(ExpressionError, match="."):
        evaluate(text, {"x": {}, "y": []}, {})


def test_syntax_error_suggests_double_equals() -> None:
    assert "use '==' to compare" in (check_expression("approved = True") or "")


def test_unknown_function_names_the_allowed_ones() -> None:
    message = check_expression("open('x')", ["now", "add_workdays"])
    assert message is not None
    assert message.startswith("unknown function 'open' (allowed: abs, add_workdays,")
    assert "now" in message and "len" in message
    assert check_expression("add_workdays(now(), 3)", {"now": None, "add_workdays": None}) is None
    with pytest.raises(ExpressionError, match="unknown function 'open'"):
        evaluate("open('x')", {"open": "data is not callable"}, {})


def test_unknown_name_looks_like_python_name_error() -> None:
    with pytest.raises(UndefinedNameError, match="^name 'missing' is not defined$") as info:
        evaluate("missing > 1", {}, {})
    assert isinstance(info.value, NameError) and isinstance(info.value, ExpressionError)


def test_names_then_functions_and_calls_only_functions() -> None:
    def double(value: int) -> int:
        return value * 2

    assert evaluate("double(n)", {"n": 4}, {"double": double}) == 8
    assert evaluate("fn", {}, {"fn": double}) is double
    assert evaluate("len", {"len": 3}, {}) == 3
    assert evaluate("len([1])", {"len": 3}, {}) == 1
    assert set(BUILTIN_FUNCTIONS) == {
        "len", "str", "int", "float", "bool", "abs", "min", "max", "round", "sum", "sorted", "list", "dict"}


@pytest.mark.parametrize("text", [
    "2 ** 100000", "'a' * 10 ** 7", "[0] * 10 ** 6", "x * x", "n ** n", "[[0] * 999] * 999",
    "[[[0] * 90] * 90] * 90", "[s] * 10", "3 * (s,)",
])
def test_size_guards(text: str) -> None:
    with pytest.raises(ExpressionError, match="would"):
        evaluate(text, {"x": 2**9000, "n": 10**6, "s": "z" * 400_000}, {})


def test_size_guards_allow_ordinary_values() -> None:
    assert evaluate("[[0] * 90] * 90", {}, {})[89][89] == 0
    assert evaluate("2 ** 64 * 3 ** 40", {}, {}) == 2**64 * 3**40


def test_subscript_only_on_containers() -> None:
    with pytest.raises(ExpressionError, match="cannot subscript"):
        evaluate("len[0]", {}, {})


def test_runtime_data_errors_propagate_as_python_errors() -> None:
    with pytest.raises(ZeroDivisionError):
        evaluate("1 / n", {"n": 0}, {})
    with pytest.raises(KeyError):
        evaluate("d['nope']", {"d": {}}, {})


def test_evaluation_does_not_use_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert evaluate("a + 1 == 3 and 'q' in s", {"a": 2, "s": "aq"}, {}) is True


def test_parsed_trees_are_cached() -> None:
    expressions._parse.cache_clear()
    for _ in range(3):
        evaluate("cached_name == 1", {"cached_name": 1}, {})
    assert expressions._parse.cache_info().hits == 2


def test_deep_nesting_is_refused_cleanly() -> None:
    assert check_expression("-" * 50_000 + "1") is not None


# --- ISO-8601 literals ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "PT24H", "P3D", "P1DT2H", "PT0.5S", "P1W", " PT1H \n", "P1Y2M3DT4H5M6S",
    "2026-12-01T09:00:00+08:00", "2026-12-01T09:00:00", "2026-12-01T09:00:00Z", "2026-12-01",
    "R3/PT1H", "R/P1D", "R6/P1D", "R3/2026-12-01T09:00:00+08:00/PT1H", "R2/PT1H/2026-12-01T09:00:00Z",
])
def test_iso8601_literals(text: str) -> None:
    assert is_iso8601_literal(text)


@pytest.mark.parametrize("text", [
    "", "P", "PT", "P1", "P1D2H", "PT1H1D", "'PT1H'", "\"P3D\"", "2026-13-01", "2026-12-01T25:00:00",
    "R3", "R3/", "amount", "now()", "due_date",
])
def test_not_iso8601_literals(text: str) -> None:
    assert not is_iso8601_literal(text)


# --- SpiffWorkflow environment --------------------------------------------------------------

def test_environment_merges_external_context_under_task_data() -> None:
    env = SafeEnvironment({"twice": lambda v: v * 2})
    assert env.evaluate("twice(dmninputexpr) + x", {"x": 1}, {"dmninputexpr": 5, "x": 100}) == 11
    assert env.evaluate("len('ab')", ["not", "a", "mapping"]) == 2
    with pytest.raises(ExpressionError, match="script tasks are disabled"):
        env.execute("x = 1", {})
    with pytest.raises(ExpressionError, match="service task 'mail' has no implementation"):
        env.call_service({}, operation_name="mail")


def _gateway_bpmn(condition: str) -> str:
    """A start → exclusive gateway → (condition: big | default: small) process."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {BPMN_NS}>
  <bpmn:process id="P" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="gw" default="f_small"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>f_big</bpmn:outgoing><bpmn:outgoing>f_small</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end_big"><bpmn:incoming>f_big</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_small"><bpmn:incoming>f_small</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_big" sourceRef="gw" targetRef="end_big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"><![CDATA[{condition}]]></bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_small" sourceRef="gw" targetRef="end_small"/>
  </bpmn:process>
</bpmn:definitions>"""


def _run(parser: BpmnParser, process: str, data: dict, engine: object | None = None) -> BpmnWorkflow:
    """Start a process with data on the start task and run it until it waits or ends."""
    kwargs = {"script_engine": engine} if engine is not None else {}
    workflow = BpmnWorkflow(parser.get_spec(process), parser.get_subprocess_specs(process), **kwargs)
    workflow.get_next_task(state=TaskState.READY).set_data(**data)
    workflow.do_engine_steps()
    return workflow


def _end_events(workflow: BpmnWorkflow) -> list[str]:
    """bpmn ids of the end events the workflow completed."""
    done = workflow.get_tasks(state=TaskState.COMPLETED)
    return [t.task_spec.bpmn_id for t in done if type(t.task_spec).__name__ == "EndEvent"]


def _gateway_parser(condition: str) -> BpmnParser:
    parser = BpmnParser()
    parser.add_bpmn_str(_gateway_bpmn(condition).encode())
    return parser


@pytest.mark.parametrize(("data", "end"), [
    ({"amount": 11, "kind": "a"}, "end_big"),
    ({"amount": 11, "kind": "c"}, "end_small"),
    ({"amount": 5, "kind": "b"}, "end_small"),
])
def test_gateway_condition_runs_through_safe_engine(data: dict, end: str) -> None:
    parser = _gateway_parser("amount > 10 and kind in ['a','b']")
    workflow = _run(parser, "P", data, make_script_engine())
    assert workflow.is_completed() and _end_events(workflow) == [end]


def test_gateway_uses_injected_functions() -> None:
    engine = make_script_engine({"now": lambda: datetime(2026, 1, 2)})
    data = {"amount": 2, "start": datetime(2026, 1, 1)}
    workflow = _run(_gateway_parser("now() > start and amount > 1"), "P", data, engine)
    assert _end_events(workflow) == ["end_big"]


def test_malicious_condition_does_not_run(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    parser = _gateway_parser(f"__import__('os').system('touch {target}')")
    with pytest.raises(WorkflowTaskException) as info:
        _run(parser, "P", {"amount": 1}, make_script_engine())
    assert "attribute access '.system' is not allowed" in str(info.value)
    assert isinstance(info.value.__context__, ExpressionError)
    assert not target.exists()


def test_missing_data_suggests_names_like_stock_spiff() -> None:
    with pytest.raises(WorkflowTaskException) as info:
        _run(_gateway_parser("amout > 10"), "P", {"amount": 11}, make_script_engine())
    assert "Did you mean 'amount'?" in str(info.value)
    assert "name 'amout' is not defined" in str(info.value)


def test_script_task_is_refused() -> None:
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {BPMN_NS}>
  <bpmn:process id="S" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="script" scriptFormat="python"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>f1</bpmn:outgoing><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="script"/>
    <bpmn:sequenceFlow id="f1" sourceRef="script" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
    parser = BpmnParser()
    parser.add_bpmn_str(bpmn.encode())
    with pytest.raises(WorkflowTaskException, match="script tasks are disabled"):
        _run(parser, "S", {}, make_script_engine())


# --- DMN through the safe engine ------------------------------------------------------------

# Typical Camunda-style cells that are also valid Python, one UNIQUE rule per row: (kind, amount, output).
RULE_TABLE = [
    ('"gold"', "&gt; 10", '"gold-big"'),
    ('"gold"', "-", '"gold"'),
    (' in ("silver", "bronze")', "&lt; 5", '"small"'),
    ("-", "3 &lt; ? &lt; 8", '"mid"'),
    ('"a","b"', "-", '"comma-list"'),
    ("-", "-", '"other"'),
]


def _dmn(table: list[tuple[str, str, str]]) -> str:
    """A two-input UNIQUE decision table; cells are (kind, amount, output) texts."""
    rules = "".join(
        f'<rule id="r{i}"><inputEntry id="k{i}"><text>{kind}</text></inputEntry>'
        f'<inputEntry id="a{i}"><text>{amount}</text></inputEntry>'
        f'<outputEntry id="o{i}"><text>{out}</text></outputEntry></rule>'
        for i, (kind, amount, out) in enumerate(table)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/DMN/20151101/dmn.xsd" id="dd" name="d"
    namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="Tier" name="Tier"><decisionTable id="dt">
    <input id="in_kind" label="Kind">
      <inputExpression id="ik" typeRef="string"><text>kind</text></inputExpression></input>
    <input id="in_amount" label="Amount">
      <inputExpression id="ia" typeRef="integer"><text>amount</text></inputExpression></input>
    <output id="out" label="Tier" name="tier" typeRef="string"/>
    {rules}
  </decisionTable></decision>
</definitions>"""


def _dmn_parser(table: list[tuple[str, str, str]] = RULE_TABLE) -> CamundaParser:
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {BPMN_NS}>
  <bpmn:process id="D" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="decide" camunda:decisionRef="Tier"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>f1</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="decide"/>
    <bpmn:sequenceFlow id="f1" sourceRef="decide" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
    parser = CamundaParser()
    parser.add_bpmn_str(bpmn.encode())
    parser.add_dmn_str(_dmn(table).encode())
    return parser


@pytest.mark.parametrize(("kind", "amount", "tier"), [
    ("gold", 11, "gold-big"),      # "gold" equality + `> 10` appended to the input expression
    ("gold", 3, "gold"),           # `-` ignores the column
    ("silver", 4, "small"),        # ` in (...)` (leading space needed) + `< 5`
    ("bronze", 7, "mid"),          # `?` becomes dmninputexpr, passed as external_context
    ("a", 1, "other"),             # `"a","b"` is a tuple compared with ==: never matches a scalar
    ("iron", 100, "other"),
])
def test_dmn_cells_match_stock_engine(kind: str, amount: int, tier: str) -> None:
    data = {"kind": kind, "amount": amount}
    safe = _run(_dmn_parser(), "D", data, make_script_engine())
    stock = _run(_dmn_parser(), "D", data)
    assert safe.last_task.data["tier"] == stock.last_task.data["tier"] == tier


def test_dmn_cell_with_attribute_access_is_refused() -> None:
    parser = _dmn_parser([("__import__('os').getcwd()", "-", '"x"')])
    with pytest.raises(WorkflowTaskException, match="attribute access '.getcwd' is not allowed"):
        _run(parser, "D", {"kind": "gold", "amount": 1}, make_script_engine())


@pytest.mark.skipif(not CONFORMANCE.exists(), reason="shared conformance corpus not available")
@pytest.mark.parametrize(("x", "end", "y"), [
    (1, "EndEvent_0ofyivj", None),
    (2, "EndEvent_01jecqa", None),
    (5, "EndEvent_0n32cxd", "C"),
    (9, "EndEvent_0n32cxd", "D"),
])
def test_conformance_gateway_and_decision_match_stock(x: int, end: str, y: str | None) -> None:
    def parser() -> CamundaParser:
        camunda = CamundaParser(validator=BpmnValidator())
        camunda.add_bpmn_file(str(CONFORMANCE / "ExclusiveGatewayIfElseAndDecision.bpmn"))
        camunda.add_dmn_file(str(CONFORMANCE / "dmn" / "test_integer_decision.dmn"))
        return camunda

    safe = _run(parser(), "Process_1", {"x": x}, make_script_engine())
    stock = _run(parser(), "Process_1", {"x": x})
    assert safe.is_completed() and stock.is_completed()
    assert _end_events(safe) == _end_events(stock) == [end]
    assert safe.last_task.data.get("y") == stock.last_task.data.get("y") == y
