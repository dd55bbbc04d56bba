"""Parse form-js JSON (schemaVersion 19) into a tree of the keys it submits."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from .errors import FormDefinitionError, describe_component
from .jsregex import JsPatternError, compile_js
from .rules import FieldRules, parse_rules

LAYOUT_TYPES = frozenset("text html spacer separator image button iframe table documentPreview".split())
INPUT_TYPES = frozenset(
    "textfield textarea number datetime checkbox checklist taglist radio select filepicker expression".split()
)
GROUP_TYPES = frozenset({"group", "page", "multipage"})
LIST_TYPE = "dynamiclist"
_SEGMENT = re.compile(r"[^\s.]+")


@dataclass
class FieldNode:
    """One submitted value (an input component)."""

    rules: FieldRules
    owner: str


@dataclass
class ObjectNode:
    """A nested object: the form, a group with a `path`, or a dotted key prefix."""

    owner: str
    children: dict[str, Node] = field(default_factory=dict)

    def has_required(self) -> bool:
        """Whether some value below this object is required."""
        return any(
            child.rules.required
            if isinstance(child, FieldNode)
            else isinstance(child, ObjectNode) and child.has_required()
            for child in self.children.values()
        )


@dataclass
class ListNode:
    """A dynamiclist: a list of objects, each validated by `item`."""

    owner: str
    item: ObjectNode


Node = FieldNode | ObjectNode | ListNode


@dataclass
class _Walk:
    """State shared while walking one form's components."""

    source: str
    ids: dict[str, str] = field(default_factory=dict)

    def error(self, problem: str, component: Any = None, where: str = "") -> FormDefinitionError:
        """Build an error naming this form's file and the component."""
        name = describe_component(component, where) if where else ""
        return FormDefinitionError(problem, source=self.source, component=name)


def load_form(text: str | bytes, filename: str = "") -> dict:
    """Parse and check a `.form` file's JSON text; return the form dict."""
    source = filename or "form"
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise FormDefinitionError(f"not UTF-8 text ({err.reason})", source=source) from None
    try:
        form = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as err:
        raise FormDefinitionError(f"invalid JSON: {err}", source=source) from None
    build_tree(form, filename)
    stem = PurePath(filename).stem if filename.endswith(".form") else ""
    if stem and form["id"] != stem:
        raise FormDefinitionError(
            f"form id {form['id']!r} does not match the file name (expected {stem!r})", source=source
        )
    return form


def build_tree(form: Any, filename: str = "") -> ObjectNode:
    """Check a form dict and return the tree of values it submits."""
    source = filename or "form"
    if not isinstance(form, dict):
        raise FormDefinitionError("a form must be a JSON object", source=source)
    form_id = form.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        raise FormDefinitionError("the form needs a non-empty string 'id'", source=source)
    walk = _Walk(source=filename or f"form {form_id!r}")
    _check_header(form, walk)
    root = ObjectNode(owner="the form")
    _add_components(form["components"], root, walk, "components", optional=False)
    return root


def _check_header(form: dict, walk: _Walk) -> None:
    """Check the top-level properties of a form."""
    if "type" in form and form["type"] != "default":
        raise walk.error(f"form 'type' must be 'default', not {form['type']!r}")
    version = form.get("schemaVersion")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise walk.error(f"'schemaVersion' must be an integer >= 1, not {version!r}")
    if not isinstance(form.get("components"), list):
        raise walk.error("the form needs a 'components' list")


def _add_components(components: Any, target: ObjectNode, walk: _Walk, where: str, optional: bool) -> None:
    """Add each component of a `components` list to `target`."""
    for index, component in enumerate(components):
        _add_component(component, target, walk, f"{where}[{index}]", optional)


def _add_component(component: Any, target: ObjectNode, walk: _Walk, where: str, optional: bool) -> None:
    """Add one component (and whatever it contains) to `target`."""
    kind = component.get("type") if isinstance(component, dict) else None
    if not isinstance(kind, str):
        raise walk.error("a component must be an object with a string 'type'", component, where)
    if not isinstance(component.get("components", []), list):
        raise walk.error("'components' must be a list", component, where)
    _claim_id(component, walk, where)
    optional = optional or _is_conditional(component, walk, where)
    if kind in LAYOUT_TYPES:
        return
    if kind in INPUT_TYPES:
        _add_input(component, target, walk, where, optional)
    elif kind in GROUP_TYPES:
        inner = target
        if component.get("path") not in (None, ""):
            path = _segments(component, "path", walk, where)
            inner = _place_object(target, path, component, walk, where)
        _add_components(component.get("components", []), inner, walk, f"{where}.components", optional)
    elif kind == LIST_TYPE:
        _add_list(component, target, walk, where, optional)
    else:
        raise walk.error(f"unknown component type {kind!r}", component, where)


def _claim_id(component: dict, walk: _Walk, where: str) -> None:
    """Refuse a component id used twice in one form."""
    comp_id = component.get("id")
    if comp_id is None:
        return
    if not isinstance(comp_id, str) or not comp_id:
        raise walk.error("'id' must be a non-empty string", component, where)
    if comp_id in walk.ids:
        raise walk.error(f"id {comp_id!r} is also used by {walk.ids[comp_id]}", component, where)
    walk.ids[comp_id] = describe_component(component, where)


def _is_conditional(component: dict, walk: _Walk, where: str) -> bool:
    """Whether the component may be hidden (and so omitted from the data)."""
    conditional = component.get("conditional")
    if conditional is None:
        return False
    if not isinstance(conditional, dict):
        raise walk.error("'conditional' must be an object", component, where)
    return bool(conditional.get("hide"))


def _segments(component: dict, prop: str, walk: _Walk, where: str) -> list[str]:
    """Split a `key` or `path` into its dotted segments, refusing malformed ones."""
    value = component.get(prop)
    if not isinstance(value, str) or not value:
        raise walk.error(f"needs a non-empty string {prop!r}", component, where)
    parts = value.split(".")
    if not all(_SEGMENT.fullmatch(part) for part in parts):
        raise walk.error(f"{prop} {value!r} must be dot-separated names without spaces", component, where)
    return parts


def _add_input(component: dict, target: ObjectNode, walk: _Walk, where: str, optional: bool) -> None:
    """Add an input component as a value at its (possibly dotted) key."""
    parts = _segments(component, "key", walk, where)
    try:
        rules = parse_rules(component, optional=optional, compile_pattern=compile_js)
    except (ValueError, JsPatternError) as err:
        raise walk.error(str(err), component, where) from None
    owner = describe_component(component, where)
    parent = _place_object(target, parts[:-1], component, walk, where)
    _place(parent, parts[-1], FieldNode(rules=rules, owner=owner), component, walk, where)


def _add_list(component: dict, target: ObjectNode, walk: _Walk, where: str, optional: bool) -> None:
    """Add a dynamiclist: a list of objects under its `path`."""
    parts = _segments(component, "path", walk, where)
    owner = describe_component(component, where)
    item = ObjectNode(owner=owner)
    _add_components(component.get("components", []), item, walk, f"{where}.components", optional)
    parent = _place_object(target, parts[:-1], component, walk, where)
    _place(parent, parts[-1], ListNode(owner=owner, item=item), component, walk, where)


def _place_object(target: ObjectNode, parts: list[str], component: dict, walk: _Walk, where: str) -> ObjectNode:
    """Walk (creating as needed) the nested objects along `parts`."""
    for part in parts:
        node = target.children.get(part)
        if node is None:
            node = ObjectNode(owner=describe_component(component, where))
            target.children[part] = node
        elif not isinstance(node, ObjectNode):
            raise walk.error(f"path segment {part!r} is already a value of {node.owner}", component, where)
        target = node
    return target


def _place(parent: ObjectNode, name: str, node: Node, component: dict, walk: _Walk, where: str) -> None:
    """Put a value or list at `name`, refusing a key that is already taken."""
    existing = parent.children.get(name)
    if existing is not None:
        raise walk.error(f"key {name!r} is already used by {existing.owner}", component, where)
    parent.children[name] = node
