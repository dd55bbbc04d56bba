"""What the benchmark's simulated staff type into each form: valid sample data, steered to the happy path."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROCESS_ID = "complaint"
START_DATA = {"channel": "phone"}
# Steer every decision of the complaint process to its shortest complete path.
STEER = {
    "satisfaction": "满意", "satisfied": True, "urgent": False, "major": False, "beyond_authority": False,
    "report_to_company": False, "escalated_over_head": False, "repeated": False, "reputation_damage": False,
    "category": "service_failure", "department": "客服部", "resolved": True, "fixed": True,
}
PHONE = "13800138000"


def bundle_files() -> dict[str, bytes]:
    """The bundled processes and forms, as `make run` deploys them."""
    files = {}
    for folder, suffixes in (("bpmn", (".bpmn", ".dmn")), ("forms", (".form",))):
        for path in sorted((ROOT / folder).iterdir()):
            if path.suffix in suffixes:
                files[path.name] = path.read_bytes()
    return files


def sample(form: Mapping | None, now: datetime) -> dict:
    """Data that passes the form's validation, with the steering values where a field allows them."""
    if not form:
        return {}
    data: dict = {}
    _fill(form.get("components", []), data, now)
    return data


def _fill(components, data: dict, now: datetime) -> None:
    for component in components:
        kind = component.get("type")
        if kind == "group" or kind == "dynamiclist":
            target = data.setdefault(component["path"], {}) if component.get("path") else data
            if kind == "group":
                _fill(component.get("components", []), target, now)
            continue
        key = component.get("key")
        if not key or component.get("conditional") or kind in ("text", "html", "spacer", "separator", "image",
                                                                 "button", "iframe", "table", "expression"):
            continue
        value = _value(component, now)
        if value is not None:
            data[key] = value


def _value(component: Mapping, now: datetime):
    kind, key = component.get("type"), component["key"]
    validate = component.get("validate") or {}
    options = [v.get("value") for v in component.get("values") or []]
    if key in STEER and (not options or STEER[key] in options) and kind != "textfield":
        return STEER[key]
    if kind in ("select", "radio"):
        return options[0] if options else None
    if kind in ("checklist", "taglist"):
        return options[:1] if validate.get("required") else []
    if kind == "checkbox":
        return bool(validate.get("required"))
    if kind == "number":
        return validate.get("min", 1)
    if kind == "datetime":
        subtype = component.get("subtype", "date")
        return {"date": now.date().isoformat(), "time": now.strftime("%H:%M"),
                "datetime": now.replace(microsecond=0).isoformat()}.get(subtype, now.date().isoformat())
    if kind == "filepicker":
        return [] if not validate.get("required") else ["photo.jpg"]
    return _text(validate)


def _text(validate: Mapping) -> str | None:
    pattern = validate.get("pattern")
    if pattern and re.search(pattern, PHONE):
        return PHONE
    if pattern:
        return None if not validate.get("required") else PHONE
    length = max(int(validate.get("minLength") or 0), 4)
    return ("基准测试记录" * 10)[: min(length, int(validate.get("maxLength") or 60))]


def form_from_json(text: str | None) -> dict | None:
    return json.loads(text) if text else None
