"""Fields for number, datetime and filepicker values; the type registry."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from marshmallow import ValidationError

from .fields import (
    CheckboxField,
    ChoiceField,
    ExpressionField,
    FormField,
    MultiChoiceField,
    TextField,
)
from .messages import message

NUMERIC = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_HOUR_MINUTE = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
_TIME = rf"{_HOUR_MINUTE}(?::[0-5][0-9](?:\.[0-9]{{1,6}})?)?(?:Z|[+-]{_HOUR_MINUTE})?"
DATETIME_FORMATS = {
    "date": (re.compile(_DATE), message("date")),
    "time": (re.compile(_TIME), message("time")),
    "datetime": (re.compile(f"{_DATE}T{_TIME}"), message("datetime")),
}


class NumberField(FormField):
    """number: an int or float (or a numeric string); bools are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        """Load the number; keep it a string if the component has serializeToString."""
        number = super()._deserialize(value, attr, data, **kwargs)
        if number is None or not self.rules.as_string:
            return number
        return value if isinstance(value, str) else str(number)

    def convert(self, value: Any) -> Any:
        """Accept finite ints and floats and numeric strings ('' means no value)."""
        if isinstance(value, str):
            if value == "":
                return None
            if not NUMERIC.fullmatch(value):
                raise ValidationError(message("not_number"))
            try:
                value = float(value) if "." in value else int(value)
            except ValueError:
                raise ValidationError(message("not_number")) from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(message("not_number"))
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(message("not_number"))
        return value

    def check(self, value: int | float) -> list[str]:
        """Check min/max, decimalDigits and increment."""
        rules, problems = self.rules, []
        if rules.minimum is not None and value < rules.minimum:
            problems.append(message("min_value", n=rules.minimum))
        if rules.maximum is not None and value > rules.maximum:
            problems.append(message("max_value", n=rules.maximum))
        exact = Decimal(str(value))
        digits = max(0, -int(exact.as_tuple().exponent))
        if rules.decimal_digits is not None and digits > rules.decimal_digits:
            places = rules.decimal_digits
            problems.append(message("whole_number") if places == 0 else message("decimal_places", n=places))
        if rules.increment is not None:
            problems.extend(_increment_problem(exact, rules.increment))
        return problems


def _increment_problem(value: Decimal, step: Decimal) -> list[str]:
    """Explain why `value` is not a multiple of `step` (empty when it is)."""
    with localcontext() as ctx:
        ctx.prec = 400
        try:
            offset = value % step
        except InvalidOperation:
            return [message("out_of_range")]
        if offset == 0:
            return []
        below = value - offset
        return [message("increment", step=step, below=below, above=below + step)]


class DateTimeField(FormField):
    """datetime: an ISO date, time or date-time string according to `subtype`."""

    def convert(self, value: Any) -> Any:
        """Accept an ISO string of the component's subtype ('' means no value)."""
        if isinstance(value, str) and value == "":
            return None
        pattern, message = DATETIME_FORMATS[self.rules.subtype]
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValidationError(message)
        if self.rules.subtype != "time":
            try:
                date.fromisoformat(value[:10])
            except ValueError:
                raise ValidationError(message) from None
        return value


class FileField(FormField):
    """filepicker: a file reference, or a list of references or file objects."""

    def is_empty(self, value: Any) -> bool:
        """No file picked does not satisfy `required`."""
        return (isinstance(value, list) and not value) or super().is_empty(value)

    def convert(self, value: Any) -> Any:
        """Accept a string or a list of strings / objects."""
        if isinstance(value, str):
            return value or None
        if isinstance(value, list) and all(isinstance(item, str | dict) for item in value):
            return value
        raise ValidationError(message("file"))


FIELD_CLASSES: dict[str, type[FormField]] = {
    "textfield": TextField,
    "textarea": TextField,
    "number": NumberField,
    "checkbox": CheckboxField,
    "select": ChoiceField,
    "radio": ChoiceField,
    "checklist": MultiChoiceField,
    "taglist": MultiChoiceField,
    "datetime": DateTimeField,
    "filepicker": FileField,
    "expression": ExpressionField,
}
