"""Timer start events with Camunda semantics: the service creates one new instance per due time.

SpiffWorkflow itself makes the instance first and lets it wait on its start event; a cycle then fires
again inside that same instance, which never completes, and missed cycles are replayed at once. The
service instead keeps a schedule row per timer start event and, when it is due, starts a fresh
instance whose start event counts as fired. Missed cycles are skipped: the next due time is the first
one after now.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .runtime import Engine, LiveInstance
from .state import LoadedSpec
from .types import Snapshot


def due_after(kind: str, value: str, after: datetime, deployed_at: datetime,
              last_due: datetime | None) -> datetime | None:
    """The next due time strictly after `after` (None when the schedule is exhausted)."""
    if kind == "timeDate":
        due = TimerEventDefinition.get_datetime(value)
        return due if last_due is None else None
    if kind == "timeDuration":
        due = deployed_at + TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(value), deployed_at)
        return due if last_due is None else None
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
    parts = value.upper().replace("--", "/").strip().lstrip("R0123456789").split("/")
    if len(parts) == 2 and parts[1].startswith("P"):
        start = deployed_at + duration  # "R/P1D": the first firing is one period after deployment
    if duration <= timedelta(0):
        return None
    steps = 0 if after < start else math.floor((after - start) / duration) + 1
    if cycles != -1 and steps >= cycles:
        return None
    return start + steps * duration


def start_fired(engine: Engine, loaded: LoadedSpec, data: Mapping | None) -> Snapshot:
    """A new instance whose timer start event has fired (the schedule decided it is due)."""
    workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, script_engine=engine.script_engine)
    start = workflow.get_next_task(state=TaskState.READY)
    if start is not None and data:
        start.set_data(**dict(data))
    # Make each timer start event due exactly once, now, before it is first updated: otherwise a cycle
    # would first replay every period since its start date inside this one instance. A cycle only
    # starts its path from its own update, so it gets a one-round cycle that is already due.
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    for task in workflow.get_tasks():
        spec = task.task_spec
        definition = getattr(spec, "event_definition", None)
        if isinstance(spec, StartEvent) and isinstance(definition, CycleTimerEventDefinition):
            task._set_internal_data(event_value={"cycles": 1, "next": past, "duration": 1.0})
        elif isinstance(spec, StartEvent) and isinstance(definition, TimerEventDefinition):
            task._set_internal_data(event_fired=True)
    return LiveInstance(workflow, dump=True).advance(fired=())
