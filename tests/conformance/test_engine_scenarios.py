"""The corpus's 'run' scenarios straight on the engine (no Flask, no database).

'memory': one LiveInstance kept in memory from start to end, never dumped or loaded.
'stored': dumped and restored from the cached spec between every two steps, as the service does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.engine import api as engine_api

from .corpus import NOT_WAITING, expects_completion, files, path, run_scenarios, start_target


@pytest.fixture(scope="module")
def engine():
    return engine_api.Engine(functions={})


def _compiled(scenario: dict) -> engine_api.LoadedSpec:
    files = {Path(p).name: path(p).read_bytes() for p in scenario["deploy_files"]}
    result = engine_api.compile_files(files, ())
    assert not result.problems, result.problems
    target = start_target(scenario)
    process = next((p for p in result.processes if p.process_id == target), None)
    assert process is not None, [p.process_id for p in result.processes]
    return engine_api.load_spec(process.spec)


def _step(engine, loaded, live: engine_api.LiveInstance, step: dict, clock) -> engine_api.Snapshot:
    if "complete" in step:
        task = next((t for t in live.snapshot.ready_tasks if t.element_id == step["complete"]), None)
        assert task is not None, [t.element_id for t in live.snapshot.ready_tasks]
        return live.complete(task.task_id, step.get("data"))
    if "advance_seconds" in step:
        clock.shift(step["advance_seconds"])
        return live.fire_timers()
    if "message" in step:
        return live.deliver_message(step["message"], step.get("payload"), step.get("correlations"))
    kind = "error" if "error" in step else "escalation"
    return live.throw(kind, step[kind], step.get("code"))


def _check(snap: engine_api.Snapshot, refusal: str | None, expect: dict) -> None:
    if "error_contains" in expect:
        assert expect["error_contains"] in (refusal if refusal is not None else snap.incident.message)
        return
    assert snap.incident is None, snap.incident
    if "stuck" in expect or "waiting" in expect:
        assert snap.status == "running" and not snap.ready_tasks
        waiting = {t.element_id for t in snap.timers} | {w.element_id for w in snap.waiting}
        assert waiting == ({expect["waiting"]} if "waiting" in expect else set()), waiting
        return
    assert expects_completion(expect) and snap.status == "completed", snap
    if "end_event" in expect:
        assert expect["end_event"] in snap.end_events, snap.end_events
    for key, value in expect.get("final_data", {}).items():
        assert snap.data.get(key) == value, (key, snap.data)


def _run(engine, loaded, scenario: dict, clock, mode: str) -> tuple[engine_api.Snapshot, str | None]:
    """Start and perform every step; returns the last snapshot and the refusal text, if any."""
    live = engine.begin(loaded, scenario["start_data"], dump=mode == "stored")
    for step in scenario["steps"]:
        if live.snapshot.status != "running":
            break
        try:
            _step(engine, loaded, live, step, clock)
        except engine_api.NotWaiting as exc:
            return live.snapshot, str(exc)
        if mode == "stored" and live.snapshot.status == "running":
            live = engine.resume(loaded, live.snapshot.state)
    return live.snapshot, None


def _scenario(file_path: str, name: str) -> dict:
    return next(s for entry in files("run") if entry["path"] == file_path for s in entry["scenarios"]
                if s["name"] == name)


@pytest.mark.parametrize("mode", ["memory", "stored"])
@pytest.mark.parametrize(("file_path", "scenario"), run_scenarios())
def test_scenario_on_engine(engine, frozen_clock, mode, file_path, scenario):
    snap, refusal = _run(engine, _compiled(scenario), scenario, frozen_clock, mode)
    if refusal is not None:
        assert NOT_WAITING in refusal
    _check(snap, refusal, scenario["expect"])


def test_camunda_message_payload_lands_in_result_variable(engine, frozen_clock):
    """A message thrown with camunda:expression is caught the Camunda way: the expression's value under
    the thrower's camunda:resultVariable, else under '<catching element id>_Response'."""
    scenario = _scenario("spiffworkflow/camunda/MessageBoundary.bpmn", "interrupt after two rounds of work")
    snap, _ = _run(engine, _compiled(scenario), scenario, frozen_clock, "stored")
    assert snap.status == "completed" and snap.data["Event_InterruptBoundary_Response"] == "Interrupt!"


def test_message_start_instance_waits_on_its_start_event(engine, frozen_clock):
    scenario = _scenario("camunda-bpm-examples/message_start_process.bpmn", "instance waits for its start message")
    snap = engine.begin(_compiled(scenario), {}).snapshot
    assert snap.status == "running" and not snap.ready_tasks and not snap.timers
    assert [(w.element_id, w.event_type, w.name) for w in snap.waiting] == [
        ("StartEvent_1", "MessageEventDefinition", "instantiationMessage")]


def test_spec_stored_with_stock_message_event_still_runs(engine, frozen_clock):
    """Versions deployed before the service had its own message event restore into it (same typename)."""
    from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser

    scenario = _scenario("spiffworkflow/bpmn/collaboration.bpmn", "correlated reply")
    parser = BpmnDmnParser()
    parser.add_bpmn_file(str(path(scenario["deploy_files"][0])))
    stock = BpmnWorkflowSerializer.configure(dict(DEFAULT_CONFIG))
    spec_json = json.dumps({"spec": stock.convert(parser.get_spec("process_buddy")), "subprocess_specs": {}})
    snap, refusal = _run(engine, engine_api.load_spec(spec_json), scenario, frozen_clock, "stored")
    assert refusal is None
    _check(snap, None, scenario["expect"])
