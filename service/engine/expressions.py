"""Safe expressions: an AST allow-list evaluator that replaces SpiffWorkflow's eval/exec."""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, python_environment

MAX_EXPRESSION_LENGTH = 10_000
MAX_INT_BITS = 10_000
MAX_SEQUENCE_SIZE = 1_000_000

BUILTIN_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "str": str, "int": int, "float": float, "bool": bool, "abs": abs, "min": min,
    "max": max, "round": round, "sum": sum, "sorted": sorted, "list": list, "dict": dict,
}


class ExpressionError(Exception):
    """An expression uses a construct that is not allowed, or cannot be evaluated safely."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UndefinedNameError(ExpressionError, NameError):
    """A name is neither task data nor a published function (NameError, so SpiffWorkflow suggests names)."""


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_UNARYOPS: dict[type, Callable[[Any], Any]] = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_STRUCTURE = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.BoolOp,
    ast.And, ast.Or, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Subscript, ast.Slice, ast.Call,
    ast.keyword,
)
_ALLOWED = _STRUCTURE + tuple(_BINOPS) + tuple(_UNARYOPS) + tuple(_CMPOPS)
_CONSTANT_TYPES = (str, int, float, bool, type(None))
_REFUSED = {
    ast.Lambda: "lambda", ast.ListComp: "list comprehension", ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression",
    ast.NamedExpr: "assignment expression (:=)", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Starred: "starred unpacking (*x)", ast.JoinedStr: "f-string",
    ast.MatMult: "operator '@'", ast.BitAnd: "operator '&'", ast.BitOr: "operator '|'",
    ast.BitXor: "operator '^'", ast.LShift: "operator '<<'", ast.RShift: "operator '>>'",
    ast.Invert: "operator '~'",
}
_JUEL = re.compile(r"^[$#]\{(.*)\}$", re.DOTALL)


def _describe(node: ast.AST) -> str:
    """Why one AST node is refused, in words a process designer understands."""
    if isinstance(node, ast.Attribute):
        return f"attribute access '.{node.attr}' is not allowed"
    if isinstance(node, ast.Constant):
        return f"{type(node.value).__name__} literals are not allowed"
    if isinstance(node, ast.Name):
        return f"name '{node.id}' is not allowed"
    if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
        return "argument unpacking (**kwargs) is not allowed"
    if isinstance(node, ast.Call):
        return "only published functions can be called, by their bare name"
    if isinstance(node, ast.Dict):
        return "dict unpacking (**x) is not allowed"
    return f"{_REFUSED.get(type(node), type(node).__name__)} is not allowed"


def _node_refused(node: ast.AST) -> bool:
    """True when a node is outside the allow-list."""
    if not isinstance(node, _ALLOWED):
        return True
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, _CONSTANT_TYPES)
    if isinstance(node, ast.Name):
        return node.id.startswith("__") or not isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.Call):
        splat = any(k.arg is None for k in node.keywords)
        return splat or not isinstance(node.func, (ast.Name, ast.Attribute))
    if isinstance(node, ast.Dict):
        return None in node.keys
    return False


def _syntax_message(text: str, err: SyntaxError) -> str:
    """A syntax error as 'syntax error at column N: reason' with a hint for FEEL habits."""
    column = min(err.offset or len(text), len(text))
    message = f"syntax error at column {column}: {err.msg}"
    if re.search(r"(?<![=!<>])=(?!=)", text):
        message += " (use '==' to compare)"
    return message


@lru_cache(maxsize=4096)
def _parse(text: str) -> ast.Expression:
    """Parse and allow-list check one expression; cached by its text."""
    stripped = text.strip()
    juel = _JUEL.match(stripped)
    if juel:
        raise ExpressionError(f"expressions are Python, not JUEL/FEEL: write '{juel.group(1).strip()}' "
                              f"instead of '{stripped}'")
    if not stripped:
        raise ExpressionError("expression is empty")
    if len(stripped) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as err:
        raise ExpressionError(_syntax_message(stripped, err)) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("expression is too complex or contains invalid characters") from None
    for node in ast.walk(tree):
        if _node_refused(node):
            raise ExpressionError(_describe(node))
    return tree


def _unknown_function(name: str, functions: Iterable[str]) -> ExpressionError:
    """The error for calling something that is not a published function."""
    allowed = ", ".join(sorted(set(functions) | set(BUILTIN_FUNCTIONS)))
    return ExpressionError(f"unknown function '{name}' (allowed: {allowed})")


def check_expression(text: str, functions: Iterable[str] = ()) -> str | None:
    """Deploy-time check: None if the expression is allowed, else what to fix."""
    published = set(functions) | set(BUILTIN_FUNCTIONS)
    try:
        tree = _parse(text)
    except ExpressionError as err:
        return err.message
    for name in (getattr(n.func, "id", "") for n in ast.walk(tree) if isinstance(n, ast.Call)):
        if name not in published:
            return _unknown_function(name, published).message
    return None


def _power(base: Any, exponent: Any) -> Any:
    """'**' that refuses integer results too large to be a business value."""
    ints = isinstance(base, int) and isinstance(exponent, int)
    if ints and exponent > 0 and abs(base) > 1 and exponent * math.log2(abs(base)) > MAX_INT_BITS:
        raise ExpressionError(f"result of '**' would exceed {MAX_INT_BITS} bits")
    return base**exponent


def _size(value: Any, memo: dict[int, int]) -> int:
    """Characters plus items of a value, counting shared references as copies (memoised per object)."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple, set, dict)):
        return 1
    if id(value) not in memo:
        memo[id(value)] = len(value)  # a cycle counts once
        items = value.values() if isinstance(value, dict) else value
        memo[id(value)] = len(value) + sum(_size(item, memo) for item in items)
    return memo[id(value)]


def _multiply(left: Any, right: Any) -> Any:
    """'*' that refuses huge (also nested) sequence repetition and huge integers."""
    for seq, count in ((left, right), (right, left)):
        repeated = isinstance(seq, (str, list, tuple)) and isinstance(count, int)
        if repeated and count * _size(seq, {}) > MAX_SEQUENCE_SIZE:
            raise ExpressionError(f"result of '*' would exceed {MAX_SEQUENCE_SIZE} items/characters")
    ints = isinstance(left, int) and isinstance(right, int)
    if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise ExpressionError(f"result of '*' would exceed {MAX_INT_BITS} bits")
    return left * right


class _Evaluator:
    """Walks an allow-listed AST; every node type has one small method."""

    def __init__(self, names: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]):
        self.names = names
        self.functions = functions

    def run(self, node: ast.AST) -> Any:
        """Evaluate one node."""
        return getattr(self, f"_{type(node).__name__}")(node)

    def _Expression(self, node: ast.Expression) -> Any:
        return self.run(node.body)

    def _Constant(self, node: ast.Constant) -> Any:
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        for scope in (self.names, self.functions, BUILTIN_FUNCTIONS):
            if node.id in scope:
                return scope[node.id]
        raise UndefinedNameError(f"name '{node.id}' is not defined")

    def _List(self, node: ast.List) -> list:
        return [self.run(item) for item in node.elts]

    def _Tuple(self, node: ast.Tuple) -> tuple:
        return tuple(self.run(item) for item in node.elts)

    def _Set(self, node: ast.Set) -> set:
        return {self.run(item) for item in node.elts}

    def _Dict(self, node: ast.Dict) -> dict:
        return {self.run(k): self.run(v) for k, v in zip(node.keys, node.values, strict=True)}

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for operand in node.values:
            value = self.run(operand)
            if bool(value) == isinstance(node.op, ast.Or):
                return value
        return value

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        return _UNARYOPS[type(node.op)](self.run(node.operand))

    def _BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.run(node.left), self.run(node.right)
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        if isinstance(node.op, ast.Mult):
            return _multiply(left, right)
        return _BINOPS[type(node.op)](left, right)

    def _Compare(self, node: ast.Compare) -> bool:
        left = self.run(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.run(comparator)
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp) -> Any:
        return self.run(node.body) if self.run(node.test) else self.run(node.orelse)

    def _Subscript(self, node: ast.Subscript) -> Any:
        container = self.run(node.value)
        if not isinstance(container, (Mapping, list, tuple, str)):
            raise ExpressionError(f"cannot subscript a value of type {type(container).__name__}")
        return container[self.run(node.slice)]

    def _Slice(self, node: ast.Slice) -> slice:
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if part is None else self.run(part) for part in parts))

    def _Call(self, node: ast.Call) -> Any:
        name = getattr(node.func, "id", "")
        function = self.functions.get(name) or BUILTIN_FUNCTIONS.get(name)
        if function is None:
            raise _unknown_function(name, self.functions)
        args = [self.run(arg) for arg in node.args]
        kwargs = {k.arg: self.run(k.value) for k in node.keywords}
        return function(*args, **kwargs)


def evaluate(text: str, names: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    """Evaluate an expression against data names and published functions, without eval()."""
    tree = _parse(text)
    try:
        return _Evaluator(names, functions or {}).run(tree)
    except RecursionError:
        raise ExpressionError("expression is nested too deeply") from None


class SafeEnvironment(python_environment.BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that evaluates allow-listed expressions and refuses scripts."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None):
        super().__init__({**BUILTIN_FUNCTIONS, **(functions or {})})

    def evaluate(self, expression: str, context: Any, external_context: Mapping | None = None) -> Any:
        """Task data wins over external context (DMN's dmninputexpr, data objects), as in stock Spiff."""
        data = context if isinstance(context, Mapping) else {}
        return evaluate(expression, {**(external_context or {}), **data}, self.globals)

    def execute(self, script: str, context: Any, external_context: Mapping | None = None) -> bool:
        """Scripts are never run."""
        raise ExpressionError("script tasks are disabled")

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        """Service tasks have no implementation here."""
        raise ExpressionError(f"service task '{kwargs.get('operation_name', '?')}' has no implementation")


class SafeScriptEngine(PythonScriptEngine):
    """PythonScriptEngine that keeps the reason of a failed expression and reports service errors."""

    def evaluate(self, task: Any, expression: str, external_context: Mapping | None = None) -> Any:
        """As stock, but the wrapped error's message is kept as a note."""
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as wte:
            cause = wte.__context__
            if cause is not None and wte.error_type == type(cause).__name__:
                wte.add_note(str(cause))
            raise

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        """Stock call_service hits a NameError ('script') on failure; raise a task error instead."""
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as err:
            raise WorkflowTaskException(str(err), task=task, exception=err) from err


def make_script_engine(functions: Mapping[str, Callable[..., Any]] | None = None) -> PythonScriptEngine:
    """A script engine for BpmnWorkflow that only evaluates allow-listed expressions."""
    return SafeScriptEngine(environment=SafeEnvironment(functions))


_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = (rf"P(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
             rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?")
_DATETIME = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_ISO_RE = re.compile(
    rf"(?P<dur>{_DURATION})|(?P<dt>{_DATETIME})"
    rf"|R\d*/(?:(?P<rdt>{_DATETIME})/{_DURATION}|{_DURATION}(?:/(?P<rend>{_DATETIME}))?)"
)


def _valid_datetime(text: str | None) -> bool:
    """Whether an ISO date(-time) string names a real calendar moment."""
    try:
        return text is None or bool(datetime.fromisoformat(text.replace(",", ".")))
    except ValueError:
        return False


def is_iso8601_literal(text: str) -> bool:
    """Whether text (stripped) is a bare ISO-8601 duration, date(-time) or repeating interval."""
    match = _ISO_RE.fullmatch(text.strip())
    if match is None:
        return False
    return all(_valid_datetime(match.group(g)) for g in ("dt", "rdt", "rend"))
