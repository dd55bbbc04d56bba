"""Values form-js always submits even when untouched: an unticked checkbox is `false`, not absent."""

from __future__ import annotations

from typing import Any


def fill_checkbox_defaults(form: dict, clean: dict) -> dict:
    """Add `defaultValue` (else False) for each visible checkbox the submission left out.

    API clients that omit an unticked checkbox would otherwise leave the case without a value that a
    gateway reads, and the instance would stop in an incident after a successful completion.
    """
    _fill(form.get("components") or [], clean)
    return clean


def _fill(components: list, target: dict) -> None:
    for component in components:
        if not isinstance(component, dict) or component.get("conditional"):
            continue
        kind = component.get("type")
        if kind == "group":
            path = component.get("path")
            inner = _nested(target, path.split(".")) if path else target
            _fill(component.get("components") or [], inner)
        elif kind == "checkbox" and component.get("key") and not component.get("disabled"):
            *parents, leaf = component["key"].split(".")
            holder = _nested(target, parents)
            if leaf not in holder:
                default = component.get("defaultValue")
                holder[leaf] = default if isinstance(default, bool) else False


def _nested(target: dict, parts: list[str]) -> dict[str, Any]:
    for part in parts:
        value = target.get(part)
        if not isinstance(value, dict):
            value = target[part] = {}
        target = value
    return target
