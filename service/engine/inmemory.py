"""Run a whole instance in memory, for the benchmark's engine-only (L0) and persisted (L1) levels."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .runtime import Engine
from .snapshot import _ready
from .state import LoadedSpec
from .types import ReadyTask

Decide = Callable[[ReadyTask], Mapping]


def run_in_memory(engine: Engine, loaded: LoadedSpec, start_data: Mapping, decide: Decide,
                  max_steps: int = 500) -> int:
    """SpiffWorkflow alone: no serialization between steps. Returns the number of human steps."""
    workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, script_engine=engine.script_engine)
    start = workflow.get_next_task(state=TaskState.READY)
    start.set_data(**dict(start_data))
    workflow.do_engine_steps()
    steps = 0
    while not workflow.completed and steps < max_steps:
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        task = ready[0]
        task.set_data(**dict(decide(_ready(task))))
        task.run()
        workflow.do_engine_steps()
        steps += 1
    if not workflow.completed:
        raise RuntimeError(f"in-memory run did not complete after {steps} steps")
    return steps


def run_persisted(engine: Engine, loaded: LoadedSpec, start_data: Mapping, decide: Decide,
                  max_steps: int = 500) -> int:
    """The service's own state handling: state-only dump and load around every step, no HTTP, no DB."""
    snap = engine.start(loaded, start_data)
    steps = 0
    while snap.status == "running" and snap.ready_tasks and steps < max_steps:
        task = snap.ready_tasks[0]
        snap = engine.complete(loaded, snap.state, task.task_id, decide(task))
        steps += 1
    if snap.status != "completed":
        raise RuntimeError(f"persisted run ended as {snap.status} after {steps} steps: {snap.incident}")
    return steps
