"""Run instances: start, complete a task, fire timers, deliver events; always return a Snapshot.

`Engine` works on stored state (restore, one step, dump): that is what the service does per request.
`Engine.begin`/`Engine.resume` hand out a `LiveInstance` that keeps the workflow in memory between
steps (no dump/load), with the same operations; the state-based methods are built on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition, EscalationEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from . import timezone as engine_tz
from .expressions import ExpressionError, evaluate, make_script_engine
from .messages import MessageEventDefinition
from .snapshot import build_snapshot, end_event_tasks, incident_of
from .state import LoadedSpec, load_state
from .types import Snapshot


class TaskNotReady(Exception):
    """The task is unknown, already done, or not waiting for a person."""


class NotWaiting(Exception):
    """The instance is not waiting for this event."""


class Engine:
    """A narrow adapter around SpiffWorkflow; the script engine only evaluates allowed expressions."""

    def __init__(self, functions: Mapping[str, Callable] | None = None, tz: str = "Asia/Shanghai"):
        self.functions = dict(functions or {})
        self.script_engine = make_script_engine(self.functions)
        engine_tz.use(tz)

    # --- in memory -------------------------------------------------------------------------
    def begin(self, loaded: LoadedSpec, data: Mapping | None = None, dump: bool = True) -> LiveInstance:
        """Create an instance and run it to its first wait; `live.snapshot` tells where it stands.
        A process with a message or timer start event exists from now on and waits on that event."""
        workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, script_engine=self.script_engine)
        start = workflow.get_next_task(state=TaskState.READY)
        if start is not None and data:
            start.set_data(**dict(data))
        live = LiveInstance(workflow, dump)
        live.advance()
        return live

    def resume(self, loaded: LoadedSpec, state: str, dump: bool = True) -> LiveInstance:
        """An instance restored from stored state, kept in memory for the following steps."""
        live = LiveInstance(load_state(loaded, state, self.script_engine), dump)
        live.snapshot = live.read()
        return live

    # --- on stored state (one step per call) -------------------------------------------------
    def start(self, loaded: LoadedSpec, data: Mapping | None = None) -> Snapshot:
        return self.begin(loaded, data).snapshot

    def complete(self, loaded: LoadedSpec, state: str, task_id: str, data: Mapping | None = None) -> Snapshot:
        return self._resumed(loaded, state).complete(task_id, data)

    def fire_timers(self, loaded: LoadedSpec, state: str) -> Snapshot:
        return self._resumed(loaded, state).fire_timers()

    def deliver_message(self, loaded: LoadedSpec, state: str, name: str, payload: Mapping | None,
                        correlations: Mapping | None = None) -> Snapshot:
        return self._resumed(loaded, state).deliver_message(name, payload, correlations)

    def throw(self, loaded: LoadedSpec, state: str, kind: str, name: str, code: str | None) -> Snapshot:
        """Deliver a BPMN error or escalation from outside (e.g. raised from a task form)."""
        return self._resumed(loaded, state).throw(kind, name, code)

    def evaluate(self, expression: str, data: Mapping) -> object:
        """Evaluate one expression (e.g. camunda:dueDate) against case data."""
        return evaluate(expression, data, self.functions)

    def snapshot(self, loaded: LoadedSpec, state: str) -> Snapshot:
        return self.resume(loaded, state).snapshot

    def _resumed(self, loaded: LoadedSpec, state: str) -> LiveInstance:
        return LiveInstance(load_state(loaded, state, self.script_engine), dump=True)


class LiveInstance:
    """One workflow held in memory; every operation runs the engine on and returns a Snapshot."""

    def __init__(self, workflow: BpmnWorkflow, dump: bool = True):
        self.workflow = workflow
        self.dump = dump
        self.snapshot: Snapshot | None = None

    def complete(self, task_id: str, data: Mapping | None = None) -> Snapshot:
        task = self._ready_human_task(task_id)
        if data:
            task.set_data(**dict(data))
        task.run()
        return self.advance()

    def fire_timers(self) -> Snapshot:
        """Fire what is due. A timer counts as fired when its task left WAITING or, for a cycle, when its
        next due time moved on (a cycle keeps waiting and starts its outgoing path each time)."""
        waiting = self.workflow.get_tasks(state=TaskState.WAITING)
        before = {t.id: repr(t._get_internal_data("event_value")) for t in waiting}
        self.workflow.refresh_timers()
        fired = tuple(str(t.task_spec.bpmn_id) for t in waiting
                      if t.state != TaskState.WAITING or repr(t._get_internal_data("event_value")) != before[t.id])
        return self.advance(fired=fired)

    def deliver_message(self, name: str, payload: Mapping | None, correlations: Mapping | None = None) -> Snapshot:
        event = BpmnEvent(MessageEventDefinition(name), dict(payload or {}), dict(correlations or {}))
        return self._deliver(event, f"not waiting for {name}")

    def throw(self, kind: str, name: str, code: str | None) -> Snapshot:
        definition_class = ErrorEventDefinition if kind == "error" else EscalationEventDefinition
        event = BpmnEvent(definition_class(name, code=code))
        return self._deliver(event, f"not waiting for {kind} {name}")

    def read(self) -> Snapshot:
        """The current snapshot without running anything."""
        return build_snapshot(self.workflow, dump=self.dump)

    def advance(self, fired: tuple[str, ...] = ()) -> Snapshot:
        """Run the engine until everything waits for a person, a timer or a message."""
        incident = None
        ends_before = {t.id for t in end_event_tasks(self.workflow)}
        try:
            self.workflow.do_engine_steps()
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps()
        except (SpiffWorkflowException, ExpressionError) as exc:
            incident = incident_of(exc)
        snapshot = build_snapshot(self.workflow, incident=incident, fired=fired, dump=self.dump)
        # End events reached in this step go last, even when the clock did not move between steps.
        new = [t.task_spec.bpmn_id for t in end_event_tasks(self.workflow) if t.id not in ends_before]
        if new:
            ordered = tuple(e for e in snapshot.end_events if e not in new) + tuple(new)
            snapshot = replace(snapshot, end_events=ordered)
        self.snapshot = snapshot
        return snapshot

    def _deliver(self, event: BpmnEvent, refusal: str) -> Snapshot:
        if not self._is_waiting_for(event):
            raise NotWaiting(refusal)
        self.workflow.send_event(event)
        return self.advance()

    def _is_waiting_for(self, event: BpmnEvent) -> bool:
        workflow = self.workflow
        for task in workflow.get_tasks(state=TaskState.WAITING | TaskState.READY | TaskState.STARTED):
            if hasattr(task.task_spec, "catches") and task.task_spec.catches(task, event):
                return True
        for name in getattr(workflow.spec.start, "trigger_specs", []):
            sub = workflow.subprocess_specs.get(name)
            if sub and any(ts.event_definition == event.event_definition for ts in sub.bpmn_start_events):
                return True
        return False

    def _ready_human_task(self, task_id: str):
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, WorkflowException) as exc:
            raise TaskNotReady(f"task {task_id} is not part of this instance") from exc
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is not waiting for a person")
        return task
