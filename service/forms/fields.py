"""marshmallow fields for the values that form-js input components submit."""

from __future__ import annotations

import json
import re
from typing import Any

from marshmallow import ValidationError, fields, missing

from .jsregex import js_test
from .messages import message
from .rules import FieldRules

REQUIRED = message("required")
EMAIL = re.compile(
    r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"
)
PHONE = re.compile(r"(?:\+|00)[1-9][0-9]{5,23}")


def _show(value: Any) -> str:
    """Render a value for an error message (JSON, Chinese kept readable, long ones cut)."""
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= 40 else f"{shown[:37]}..."


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but True is not 1."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


class FormField(fields.Field):
    """Base field: required = present and not empty; readonly/disabled: typed only."""

    default_error_messages = {"required": REQUIRED}

    def __init__(self, rules: FieldRules, name: str) -> None:
        super().__init__(required=rules.required, allow_none=True, data_key=name, attribute=name)
        self.rules = rules

    def is_empty(self, value: Any) -> bool:
        """Whether form-js would call this value unset."""
        return value is missing or value is None or (isinstance(value, str) and value == "")

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        """Refuse empty required values, then type-check and constraint-check."""
        if self.required and self.is_empty(value):
            raise self.make_error("required")
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        """Convert the value, then apply the component's constraints."""
        typed = self.convert(value)
        if not self.rules.relaxed and not self.is_empty(typed):
            problems = self.check(typed)
            if problems:
                raise ValidationError(problems)
        return typed

    def convert(self, value: Any) -> Any:
        """Type-check and convert a non-null value (ValidationError if mistyped)."""
        return value

    def check(self, value: Any) -> list[str]:
        """Return the constraint violations of a converted, non-empty value."""
        return []


class TextField(FormField):
    """textfield / textarea: a string with length, pattern and email/phone rules."""

    def convert(self, value: Any) -> Any:
        """Accept strings only."""
        if not isinstance(value, str):
            raise ValidationError(message("not_string"))
        return value

    def check(self, value: str) -> list[str]:
        """Check length (trimmed, like form-js), pattern and validation type."""
        rules, problems = self.rules, []
        length = len(value.strip())
        if rules.min_length is not None and length < rules.min_length:
            problems.append(message("min_length", n=rules.min_length))
        if rules.max_length is not None and length > rules.max_length:
            problems.append(message("max_length", n=rules.max_length))
        if rules.pattern is not None and not js_test(rules.pattern, value):
            problems.append(message("pattern", pattern=rules.pattern_source))
        if rules.validation_type == "email" and not EMAIL.fullmatch(value):
            problems.append(message("email"))
        if rules.validation_type == "phone" and not PHONE.fullmatch(value):
            problems.append(message("phone"))
        return problems


class CheckboxField(FormField):
    """checkbox: true or false; a required checkbox must be checked."""

    def is_empty(self, value: Any) -> bool:
        """An unchecked box does not satisfy `required` (as in form-js)."""
        return value is False or super().is_empty(value)

    def convert(self, value: Any) -> Any:
        """Accept booleans only."""
        if not isinstance(value, bool):
            raise ValidationError(message("not_boolean"))
        return value


class ChoiceField(FormField):
    """select / radio: one of the static options (anything if options are dynamic)."""

    def convert(self, value: Any) -> Any:
        """Accept a scalar ('' means no value); dynamic options accept any value."""
        if isinstance(value, str) and value == "":
            return None
        if self.rules.choices is not None and not isinstance(value, str | int | float | bool):
            raise ValidationError(message("not_choice"))
        return value

    def check(self, value: Any) -> list[str]:
        """Check the value is one of the options."""
        choices = self.rules.choices
        if choices is None or any(_same(value, choice) for choice in choices):
            return []
        return [message("bad_choice", value=_show(value))]


class MultiChoiceField(FormField):
    """checklist / taglist: a list of option values; required means at least one."""

    def is_empty(self, value: Any) -> bool:
        """An empty selection does not satisfy `required`."""
        return (isinstance(value, list) and not value) or super().is_empty(value)

    def convert(self, value: Any) -> Any:
        """Accept a list (of scalars when the options are static)."""
        if not isinstance(value, list):
            raise ValidationError(message("not_list"))
        if self.rules.choices is not None and not all(isinstance(v, str | int | float | bool) for v in value):
            raise ValidationError(message("not_choice"))
        return value

    def check(self, value: list) -> list[str]:
        """Check every item is one of the options."""
        choices = self.rules.choices
        if choices is None:
            return []
        bad = [item for item in value if not any(_same(item, choice) for choice in choices)]
        return [message("bad_choice", value=", ".join(_show(item) for item in bad))] if bad else []


class ExpressionField(FormField):
    """expression: a value computed in the browser; any JSON value."""
