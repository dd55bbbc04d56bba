"""Read a form-js component's validation settings into one `FieldRules` record."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

CHOICE_TYPES = frozenset({"select", "radio", "checklist", "taglist"})
DATETIME_SUBTYPES = frozenset({"date", "time", "datetime"})
VALIDATION_TYPES = frozenset({"email", "phone", "custom", ""})
Number = int | float


@dataclass(frozen=True)
class FieldRules:
    """What one input component accepts."""

    kind: str
    required: bool = False
    relaxed: bool = False
    min_length: int | None = None
    max_length: int | None = None
    minimum: Number | None = None
    maximum: Number | None = None
    pattern: re.Pattern[str] | None = None
    pattern_source: str = ""
    validation_type: str = ""
    choices: tuple[Any, ...] | None = None
    subtype: str = "date"
    decimal_digits: int | None = None
    increment: Decimal | None = None
    as_string: bool = False


def parse_rules(
    component: dict,
    *,
    optional: bool,
    compile_pattern: Callable[[str], re.Pattern[str]],
) -> FieldRules:
    """Build the rules of an input component; raise ValueError naming a bad setting."""
    validate = component.get("validate") or {}
    if not isinstance(validate, dict):
        raise ValueError("'validate' must be an object")
    kind = component["type"]
    relaxed = bool(component.get("readonly")) or bool(component.get("disabled"))
    required = _flag(validate, "required") and not (optional or relaxed or kind == "expression")
    pattern_source = _pattern_source(validate)
    return FieldRules(
        kind=kind,
        required=required,
        relaxed=relaxed,
        min_length=_limit(validate, "minLength", integer=True),
        max_length=_limit(validate, "maxLength", integer=True),
        minimum=_limit(validate, "min"),
        maximum=_limit(validate, "max"),
        pattern=_compile(pattern_source, compile_pattern),
        pattern_source=pattern_source,
        validation_type=_validation_type(validate),
        choices=_choices(component) if kind in CHOICE_TYPES else None,
        subtype=_subtype(component) if kind == "datetime" else "date",
        decimal_digits=_decimal_digits(component),
        increment=_increment(component),
        as_string=_flag(component, "serializeToString"),
    )


def _flag(source: dict, name: str) -> bool:
    """Read an optional boolean setting."""
    value = source.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"{name!r} must be true or false, not {value!r}")
    return value


def _is_expression(value: Any) -> bool:
    """Whether a setting is a FEEL expression (`=...`), evaluated in the browser."""
    return isinstance(value, str) and value.startswith("=")


def _limit(validate: dict, name: str, *, integer: bool = False) -> Number | None:
    """Read a numeric limit; FEEL expressions are skipped (no server-side check)."""
    value = validate.get(name)
    if value is None or value == "" or _is_expression(value):
        return None
    number = _number(value)
    if number is None or (integer and (number != int(number) or number < 0)):
        kind = "a non-negative integer" if integer else "a number"
        raise ValueError(f"validate.{name} must be {kind}, not {value!r}")
    return int(number) if integer else number


def _number(value: Any) -> Number | None:
    """Read an int, a float or a numeric string; None if it is none of those."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        return int(number) if number == number.to_integral_value() else float(number)
    return None


def _pattern_source(validate: dict) -> str:
    """Read `validate.pattern` (empty when unset)."""
    pattern = validate.get("pattern") or ""
    if not isinstance(pattern, str):
        raise ValueError(f"validate.pattern must be a string, not {pattern!r}")
    return pattern


def _compile(source: str, compile_pattern: Callable[[str], re.Pattern[str]]) -> re.Pattern[str] | None:
    """Compile a pattern source, naming it when it is unusable."""
    if not source:
        return None
    try:
        return compile_pattern(source)
    except ValueError as err:
        raise ValueError(f"validate.pattern {source!r} {err}") from None


def _validation_type(validate: dict) -> str:
    """Read `validate.validationType` ('email', 'phone', or '' for custom/none)."""
    value = validate.get("validationType") or ""
    if value not in VALIDATION_TYPES:
        raise ValueError(f"validate.validationType must be 'email', 'phone' or 'custom', not {value!r}")
    return "" if value == "custom" else value


def _choices(component: dict) -> tuple[Any, ...] | None:
    """Static option values; None if options are dynamic (valuesKey/Expression)."""
    if component.get("valuesKey") or component.get("valuesExpression"):
        return None
    values = component.get("values", [])
    if not isinstance(values, list):
        raise ValueError("'values' must be a list of {label, value} objects")
    for option in values:
        if not isinstance(option, dict) or "value" not in option:
            raise ValueError(f"option {option!r} needs a 'value'")
        if not isinstance(option["value"], str | int | float | bool):
            raise ValueError(f"option value {option['value']!r} must be a string, number or boolean")
    return tuple(option["value"] for option in values)


def _subtype(component: dict) -> str:
    """Read a datetime component's `subtype` (date when unset)."""
    subtype = component.get("subtype") or "date"
    if subtype not in DATETIME_SUBTYPES:
        raise ValueError(f"datetime subtype must be 'date', 'time' or 'datetime', not {subtype!r}")
    return subtype


def _decimal_digits(component: dict) -> int | None:
    """Read a number component's `decimalDigits`."""
    value = component.get("decimalDigits")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"'decimalDigits' must be a non-negative integer, not {value!r}")
    return value


def _increment(component: dict) -> Decimal | None:
    """Read a number component's `increment` (the step values must be multiples of)."""
    value = component.get("increment")
    if value is None or value == "":
        return None
    number = _number(value)
    if number is None or number <= 0:
        raise ValueError(f"'increment' must be a positive number, not {value!r}")
    return Decimal(str(number))
