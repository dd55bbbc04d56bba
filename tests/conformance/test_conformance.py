"""The conformance corpus through the HTTP API: deploy, start, perform each step, check the end.

Every request restores the instance from its stored state (state-only JSON, spec cached per version)
and stores it again, so these runs are the save/restore round-trip variant; test_engine_scenarios.py
runs the same scenarios in memory. Timers: the clock is frozen and moved by the steps, then the
scheduler's use case fires the due timer rows, as `wuyeflow scheduler --once` does.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from service.db import db
from service.engine_host import engine, loaded_spec
from service.models import Instance, ProcessVersion
from service.usecases.timers import fire_due
from tests.conftest import ApiClient

from .corpus import (
    NOT_WAITING,
    expects_completion,
    file_params,
    files,
    path,
    run_scenarios,
    sha256,
    start_target,
)

STARTER = "desk"
REFUSAL_WORDS = {"scriptTask": "script task", "serviceTask": "no implementation", "businessRuleTask": "no decision"}


class HttpRun:
    """One scenario driven through the API as the users who may do each step."""

    def __init__(self, app, client, clock):
        self.app, self.client, self.clock = app, client, clock
        self.api = ApiClient(app, client)
        self.api.user("admin", "admin")
        self.api.user(STARTER, "staff")
        self.workers: dict[str, str] = {}
        self.instance_id: int | None = None
        self.refusal: str | None = None

    # --- the scenario ----------------------------------------------------------------------
    def deploy(self, relative_paths: list[str]) -> None:
        resp = self.api.deploy(*(path(p) for p in relative_paths))
        assert resp.status_code == 201, resp.get_json()

    def start(self, target: str, data: dict) -> None:
        resp = self.api.start(target, data, as_=STARTER)
        assert resp.status_code == 201, resp.get_json()
        self.instance_id = resp.get_json()["id"]

    def step(self, step: dict) -> bool:
        """Perform one step; False when the run stopped (incident or a refused event)."""
        view = self.view()
        if view["status"] != "running":
            return False
        if "complete" in step:
            task = self._open_task(view, step["complete"])
            resp = self.api.complete(task["id"], step.get("data"), as_=self._worker(task))
            assert resp.status_code == 200, resp.get_json()
            return True
        if "advance_seconds" in step:
            self.clock.shift(step["advance_seconds"])
            self.api = ApiClient(self.app, self.client)  # tokens live 12 h: sign in again
            with self.app.app_context():
                fire_due()
            return True
        kind, name = next((k, step[k]) for k in ("message", "error", "escalation") if k in step)
        if kind == "message":
            body = {"data": step.get("payload") or {}, "correlations": step.get("correlations")}
        else:
            body = {"code": step.get("code")}
        resp = self.api.post(f"/api/v1/instances/{self.instance_id}/{kind}s/{quote(name, safe='')}",
                             as_=STARTER, json=body)
        if resp.status_code == 409:
            self.refusal = resp.get_json()["message"]
            return False
        assert resp.status_code == 200, resp.get_json()
        return True

    # --- reading ---------------------------------------------------------------------------
    def view(self) -> dict:
        return self.api.instance(self.instance_id, as_="admin")

    def engine_snapshot(self):
        """The engine's own reading of the stored state (for what the API does not list: waiting events)."""
        with self.app.app_context():
            instance = db.session.get(Instance, self.instance_id)
            version = db.session.get(ProcessVersion, instance.process_version_id)
            return engine().snapshot(loaded_spec(version), instance.state)

    def _open_task(self, view: dict, element_id: str) -> dict:
        candidates = {t["id"]: t for t in view["tasks"] if t["element_id"] == element_id}
        assert candidates, f"no open task {element_id}: {[t['element_id'] for t in view['tasks']]}"
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        # Several open tasks of one element (parallel multi-instance): take the engine's first READY one.
        first = next(t.task_id for t in self.engine_snapshot().ready_tasks if t.task_id in candidates)
        return candidates[first]

    def _worker(self, task: dict) -> str:
        """Who may complete the task: its assignee, a member of its (lane) group, or the starter."""
        if task["assignee"]:
            if task["assignee"] not in self.workers.values():
                self.api.user(task["assignee"], "staff")
                self.workers[f"user:{task['assignee']}"] = task["assignee"]
            return task["assignee"]
        if task["groups"]:
            group = task["groups"][0]
            if group not in self.workers:
                self.workers[group] = self.api.user(f"lane-member-{len(self.workers)}", "staff", groups=[group])
            return self.workers[group]
        return task["candidate_user"] or STARTER


def _check_expectation(run: HttpRun, expect: dict) -> None:
    view = run.view()
    if "error_contains" in expect:
        text = expect["error_contains"]
        if run.refusal is not None:
            assert text in run.refusal
        else:
            assert view["status"] == "incident", view
            assert text in view["incident"]["message"]
        return
    assert view["status"] == ("running" if {"stuck", "waiting"} & set(expect) else "completed"), view
    if "stuck" in expect or "waiting" in expect:
        snap = run.engine_snapshot()
        assert view["tasks"] == [] and not snap.ready_tasks
        waiting = {t["element_id"] for t in view["timers"]} | {w.element_id for w in snap.waiting}
        assert waiting == ({expect["waiting"]} if "waiting" in expect else set()), waiting
        return
    assert expects_completion(expect)
    if "end_event" in expect:
        completed = [h for h in view["history"] if h["action"] == "completed"]
        assert len(completed) == 1, view["history"]
        assert expect["end_event"] in completed[0]["data"]["end_events"]
        assert completed[0]["element_id"] in completed[0]["data"]["end_events"]
    for key, value in expect.get("final_data", {}).items():
        assert view["data"].get(key) == value, (key, view["data"])


@pytest.mark.parametrize(("file_path", "scenario"), run_scenarios())
def test_scenario_over_http(app, client, frozen_clock, file_path, scenario):
    run = HttpRun(app, client, frozen_clock)
    run.deploy(scenario["deploy_files"])
    run.start(start_target(scenario), scenario["start_data"])
    for step in scenario["steps"]:
        if not run.step(step):
            break
    if run.refusal is not None:
        assert NOT_WAITING in run.refusal
    _check_expectation(run, scenario["expect"])


@pytest.mark.parametrize("entry", file_params("refuse"))
def test_refused_at_deploy(api, entry):
    resp = api.deploy(path(entry["path"]))
    assert resp.status_code == 422, resp.get_json()
    errors = resp.get_json()["errors"]
    tag, element_id = entry["refusal_reason"].split()[:2]
    named = [e for e in errors if e["element"] == element_id]
    assert named, errors
    assert all(e["file"] == Path(entry["path"]).name for e in named)
    assert any(REFUSAL_WORDS[tag] in e["message"].lower() for e in named), named


@pytest.mark.parametrize("entry", file_params("interchange"))
def test_interchange_accepted_or_refused_clearly(api, entry):
    resp = api.deploy(path(entry["path"]))
    body = resp.get_json()
    assert resp.status_code in (201, 422), body
    if resp.status_code == 422:
        assert body["errors"], body
        for error in body["errors"]:
            assert error["file"] == Path(entry["path"]).name and error["message"].strip()
            assert "Traceback" not in error["message"] and " at 0x" not in error["message"], error


def test_corpus_is_unmodified():
    assert all(sha256(entry["path"]) == entry["sha256"] for entry in files("run") + files("support")
               + files("refuse") + files("interchange"))


@pytest.mark.parametrize(("relative", "process_id", "timer", "message"), [
    ("camunda-bpm-examples/message_start_process.bpmn", "Message_Start_Process", None, "StartEvent_1"),
    ("spiff-example-cli/timer_start.bpmn", "timer_start", "Start_Event", None),
])
def test_instance_exists_first_and_waits_on_its_start_event(app, client, frozen_clock, relative, process_id,
                                                            timer, message):
    run = HttpRun(app, client, frozen_clock)
    run.deploy([relative])
    run.start(process_id, {})
    view = run.view()
    assert view["status"] == "running" and view["tasks"] == []
    assert [t["element_id"] for t in view["timers"]] == ([timer] if timer else [])
    assert [w.element_id for w in run.engine_snapshot().waiting] == ([message] if message else [])
