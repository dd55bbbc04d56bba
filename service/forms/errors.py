"""The error raised for a form definition that cannot be used."""

from __future__ import annotations

from typing import Any


class FormDefinitionError(Exception):
    """A malformed form; the message names the file and the component."""

    def __init__(self, problem: str, *, source: str = "", component: str = "") -> None:
        self.problem = problem
        self.source = source
        self.component = component
        super().__init__(": ".join(part for part in (source, component, problem) if part))


def describe_component(component: Any, index_path: str) -> str:
    """Name a component by key (or path), type and id, else by position."""
    if not isinstance(component, dict):
        return f"component {index_path}"
    name = component.get("key") or component.get("path")
    details = [str(component.get("type") or "untyped")]
    if component.get("id"):
        details.append(f"id {component['id']!r}")
    if isinstance(name, str) and name:
        return f"component {name!r} ({', '.join(details)})"
    return f"component {index_path} ({', '.join(details)})"
