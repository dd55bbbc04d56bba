"""The service's one Engine and the per-version spec cache (parsed once per process, never per request)."""

from __future__ import annotations

import json
from functools import lru_cache

from flask import current_app

from .engine import api as engine_api


@lru_cache(maxsize=1)
def _engine(tz: str) -> engine_api.Engine:
    from .calendar_host import expression_functions

    return engine_api.Engine(functions=expression_functions(), tz=tz)


def engine() -> engine_api.Engine:
    return _engine(current_app.config["TIMEZONE"])


def loaded_spec(version) -> engine_api.LoadedSpec:
    """The restored spec of a ProcessVersion row, cached by id (versions are immutable)."""
    cached = _SPECS.get(version.id)
    if cached is None:
        cached = engine_api.load_spec(version.spec)
        if len(_SPECS) > 512:
            _SPECS.clear()
        _SPECS[version.id] = cached
    return cached


def elements_of(version) -> dict[str, engine_api.ElementInfo]:
    """The element metadata (lanes, forms, groups, due dates) of a version, cached by id."""
    cached = _ELEMENTS.get(version.id)
    if cached is None:
        cached = {k: engine_api.ElementInfo.from_dict(v) for k, v in json.loads(version.elements).items()}
        _ELEMENTS[version.id] = cached
    return cached


def form_of(version, form_id: str) -> dict | None:
    """The parsed form `form_id` of a version (None when the version has no such form), cached by id.

    Callers must not modify the returned dict: it is shared by every request of this process.
    """
    forms = _form_entries(version)
    entry = forms.get(form_id)
    if isinstance(entry, str):
        from .forms import load_form

        entry = forms[form_id] = load_form(entry, f"{form_id}.form")
    return entry


def forms_of(version) -> dict[str, dict]:
    """Every form of a version, parsed, by form id (shared like form_of)."""
    return {form_id: form_of(version, form_id) for form_id in list(_form_entries(version))}


def _form_entries(version) -> dict[str, str | dict]:
    forms = _FORMS.get(version.id)
    if forms is None:
        forms = _FORMS[version.id] = json.loads(version.forms or "{}")
    return forms


def remember(kind: str, version, compute):
    """Anything derived from an immutable version (e.g. its DMN output labels), computed once per process."""
    key = (kind, version.id)
    if key not in _DERIVED:
        if len(_DERIVED) > 2048:
            _DERIVED.clear()
        _DERIVED[key] = compute()
    return _DERIVED[key]


_SPECS: dict[int, engine_api.LoadedSpec] = {}
_ELEMENTS: dict[int, dict[str, engine_api.ElementInfo]] = {}
_FORMS: dict[int, dict[str, str | dict]] = {}
_DERIVED: dict[tuple[str, int], object] = {}


def reset_caches() -> None:
    """Forget cached specs and engine (tests recreate databases whose version ids repeat)."""
    _SPECS.clear()
    _ELEMENTS.clear()
    _FORMS.clear()
    _DERIVED.clear()
    _engine.cache_clear()
