"""The validation messages, in English, each remembering its key and values so a caller can translate it.

The forms package knows nothing of requests or languages: a `Message` *is* the English text (API clients and
the tests read it as a plain string) and carries `key` and `params`, from which the web layer says it in the
user's language (service/i18n.py).
"""

from __future__ import annotations

from typing import Any

TEMPLATES = {
    "required": "This field is required.",
    "not_string": "Not a valid string.",
    "min_length": "Must be at least {n} characters.",
    "max_length": "Must be at most {n} characters.",
    "pattern": "Must match the pattern {pattern}.",
    "email": "Not a valid email address.",
    "phone": "Not a valid international phone number (e.g. +8613800138000).",
    "not_boolean": "Not a valid boolean.",
    "not_choice": "Not a valid choice.",
    "bad_choice": "Not a valid choice: {value}.",
    "not_list": "Not a valid list.",
    "not_number": "Not a valid number.",
    "min_value": "Must be at least {n}.",
    "max_value": "Must be at most {n}.",
    "whole_number": "Must be a whole number.",
    "decimal_places": "Must have at most {n} decimal places.",
    "out_of_range": "Value is out of range.",
    "increment": "Must be a multiple of {step}; the nearest valid values are {below} and {above}.",
    "date": "Not a valid date (expected YYYY-MM-DD).",
    "time": "Not a valid time (expected HH:MM, optionally with Z or +HH:MM).",
    "datetime": "Not a valid date-time (expected YYYY-MM-DDTHH:MM).",
    "file": "Not a valid file reference.",
    "unknown_field": "Unknown field.",
    "not_object": "Must be an object.",
    "data_not_object": "Submitted data must be a JSON object.",
}


class Message(str):
    """An English validation message with the key and values it was made from."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Message:
        text = super().__new__(cls, TEMPLATES[key].format(**params))
        text.key, text.params = key, params
        return text

    def format(self, *args: Any, **kwargs: Any) -> Message:
        """Already filled in: marshmallow formats the messages it raises, which must keep key and values."""
        return self


def message(key: str, **params: Any) -> Message:
    return Message(key, **params)
