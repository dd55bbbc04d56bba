"""Build marshmallow schemas from form-js forms; validate submitted task data."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

from .defaults import fill_checkbox_defaults
from .definition import FieldNode, Node, ObjectNode, build_tree
from .errors import FormDefinitionError
from .field_types import FIELD_CLASSES
from .messages import message

NOT_AN_OBJECT = message("not_object")
_CACHE_SIZE = 256
_cache: OrderedDict[str, Schema] = OrderedDict()
_cache_lock = threading.Lock()


class FormSchema(Schema):
    """Base of generated schemas: unknown keys refused; missing groups count as {}."""

    class Meta:
        """Refuse unknown keys; keep generated classes out of marshmallow's registry."""

        unknown = RAISE
        register = False

    error_messages: ClassVar[dict[str, str]] = {
        "unknown": message("unknown_field"),
        "type": NOT_AN_OBJECT,
    }
    fill_keys: ClassVar[tuple[str, ...]] = ()

    @pre_load
    def fill_required_objects(self, data: Any, **kwargs: Any) -> Any:
        """Read an absent/null group with required fields as {}: each field reports."""
        if not isinstance(data, Mapping) or not any(data.get(key) is None for key in self.fill_keys):
            return data
        return {**data, **{key: {} for key in self.fill_keys if data.get(key) is None}}


def form_schema(form: dict) -> Schema:
    """Return a cached marshmallow Schema instance loading this form's data."""
    try:
        text = json.dumps(form, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise FormDefinitionError(f"the form is not JSON data ({err})", source="form") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with _cache_lock:
        if digest in _cache:
            _cache.move_to_end(digest)
            return _cache[digest]
    schema = _schema_class(build_tree(form), form.get("id", "form"))()
    with _cache_lock:
        _cache[digest] = schema
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return schema


def validate_submission(form: dict, data: Any) -> tuple[dict, dict[str, list[str]]]:
    """Validate data: (clean data, {dotted key: [messages]}); ({}, errors) if bad."""
    schema = form_schema(form)
    if not isinstance(data, Mapping):
        return {}, {"_schema": [message("data_not_object")]}
    try:
        return fill_checkbox_defaults(form, schema.load(data)), {}
    except ValidationError as err:
        return {}, flatten_errors(err.messages)


def form_keys(form: dict) -> list[str]:
    """List the dotted keys a form submits; dynamiclist items appear as `path[].key`."""
    return _keys(build_tree(form), "")


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested errors to {`a.b` / `items.0.name`: [...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            path = prefix if key == "_schema" and prefix else ".".join(filter(None, (prefix, str(key))))
            for sub_key, sub_messages in flatten_errors(value, path).items():
                flat.setdefault(sub_key, []).extend(sub_messages)
        return flat
    items = messages if isinstance(messages, list) else [messages]
    for item in items:
        if isinstance(item, Mapping | list):
            for sub_key, sub_messages in flatten_errors(item, prefix).items():
                flat.setdefault(sub_key, []).extend(sub_messages)
        else:
            flat.setdefault(prefix or "_schema", []).append(item if isinstance(item, str) else str(item))
    return flat


def _keys(node: ObjectNode, prefix: str) -> list[str]:
    """Collect the dotted keys below an object node, in form order."""
    keys: list[str] = []
    for name, child in node.children.items():
        path = f"{prefix}{name}"
        if isinstance(child, FieldNode):
            keys.append(path)
        elif isinstance(child, ObjectNode):
            keys.extend(_keys(child, f"{path}."))
        else:
            keys.extend(_keys(child.item, f"{path}[].") or [f"{path}[]"])
    return keys


def _schema_class(node: ObjectNode, name: str) -> type[Schema]:
    """Generate the Schema class of one object level."""
    attrs: dict[str, Any] = {
        f"field_{index}": _field(child, key, f"{name}.{key}")
        for index, (key, child) in enumerate(node.children.items())
    }
    attrs["fill_keys"] = tuple(
        key for key, child in node.children.items() if isinstance(child, ObjectNode) and child.has_required()
    )
    return type(f"FormSchema[{name}]", (FormSchema,), attrs)


def _field(node: Node, key: str, name: str) -> fields.Field:
    """Build the field for one child of an object level."""
    if isinstance(node, FieldNode):
        return FIELD_CLASSES[node.rules.kind](node.rules, key)
    if isinstance(node, ObjectNode):
        return fields.Nested(_schema_class(node, name), allow_none=True, data_key=key, attribute=key)
    item = fields.Nested(_schema_class(node.item, f"{name}[]"))
    return fields.List(item, allow_none=True, data_key=key, attribute=key,
                       error_messages={"invalid": message("not_list")})
