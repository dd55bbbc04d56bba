"""The conformance corpus (read-only, /work/shared/conformance) and its MANIFEST.json, as test cases."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pytest

from tests.conftest import CONFORMANCE

MANIFEST = CONFORMANCE / "MANIFEST.json"
# The clock the manifest's scenarios were verified with (Timer-Intermediate's due_time depends on it).
T0 = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)
NOT_WAITING = "not waiting for"


@lru_cache(maxsize=1)
def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def files(category: str) -> list[dict]:
    return [entry for entry in manifest()["files"] if entry["category"] == category]


def path(relative: str) -> Path:
    return CONFORMANCE / relative


def run_scenarios() -> list:
    """One pytest param per scenario of every 'run' file, id 'file::scenario name'."""
    return [pytest.param(entry["path"], scenario, id=f"{entry['path']}::{scenario['name']}")
            for entry in files("run") for scenario in entry["scenarios"]]


def file_params(category: str) -> list:
    return [pytest.param(entry, id=entry["path"]) for entry in files(category)]


def start_target(scenario: dict) -> str:
    """The process, or the collaboration, a scenario starts."""
    start = scenario["start"]
    return start.get("process") or start["collaboration"]


def sha256(relative: str) -> str:
    return hashlib.sha256(path(relative).read_bytes()).hexdigest()


def expects_completion(expect: dict) -> bool:
    """A scenario without an error, stuck or waiting expectation must complete."""
    return not ({"error_contains", "stuck", "waiting"} & set(expect))
