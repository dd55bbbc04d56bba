"""Run instances: start, complete a task, fire timers, deliver events; always return a Snapshot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition, EscalationEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from . import timezone as engine_tz
from .expressions import ExpressionError, evaluate, make_script_engine
from .state import LoadedSpec, dump_state, load_state
from .types import Incident, PendingTimer, ReadyTask, Snapshot, WaitingEvent

HUMAN_SPECS = {"UserTask": "userTask", "ManualTask": "manualTask", "NoneTask": "task"}


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

    # --- use cases -------------------------------------------------------------------------
    def start(self, loaded: LoadedSpec, data: Mapping | None = None) -> Snapshot:
        workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, script_engine=self.script_engine)
        start = workflow.get_next_task(state=TaskState.READY)
        if start is not None and data:
            start.set_data(**dict(data))
        return self._advance(workflow)

    def complete(self, loaded: LoadedSpec, state: str, task_id: str, data: Mapping | None = None) -> Snapshot:
        workflow = load_state(loaded, state, self.script_engine)
        task = self._ready_human_task(workflow, task_id)
        if data:
            task.set_data(**dict(data))
        task.run()
        return self._advance(workflow)

    def fire_timers(self, loaded: LoadedSpec, state: str) -> Snapshot:
        workflow = load_state(loaded, state, self.script_engine)
        before = {t.id for t in workflow.get_tasks(state=TaskState.WAITING)}
        workflow.refresh_timers()
        fired = tuple(str(t.task_spec.bpmn_id) for t in workflow.get_tasks(state=TaskState.READY)
                      if t.id in before)
        return self._advance(workflow, fired=fired)

    def deliver_message(self, loaded: LoadedSpec, state: str, name: str, payload: Mapping | None,
                        correlations: Mapping | None = None) -> Snapshot:
        workflow = load_state(loaded, state, self.script_engine)
        event = BpmnEvent(MessageEventDefinition(name), dict(payload or {}), dict(correlations or {}))
        return self._deliver(workflow, event, f"not waiting for {name}")

    def throw(self, loaded: LoadedSpec, state: str, kind: str, name: str, code: str | None) -> Snapshot:
        """Deliver a BPMN error or escalation from outside (e.g. raised from a task form)."""
        workflow = load_state(loaded, state, self.script_engine)
        definition_class = ErrorEventDefinition if kind == "error" else EscalationEventDefinition
        event = BpmnEvent(definition_class(name, code=code))
        return self._deliver(workflow, event, f"not waiting for {kind} {name}")

    def evaluate(self, expression: str, data: Mapping) -> object:
        """Evaluate one expression (e.g. camunda:dueDate) against case data."""
        return evaluate(expression, data, self.functions)

    def snapshot(self, loaded: LoadedSpec, state: str) -> Snapshot:
        return self._snapshot(load_state(loaded, state, self.script_engine))

    # --- internals -------------------------------------------------------------------------
    def _deliver(self, workflow: BpmnWorkflow, event: BpmnEvent, refusal: str) -> Snapshot:
        if not self._is_waiting_for(workflow, event):
            raise NotWaiting(refusal)
        workflow.send_event(event)
        return self._advance(workflow)

    @staticmethod
    def _is_waiting_for(workflow: BpmnWorkflow, event: BpmnEvent) -> bool:
        tasks = workflow.get_tasks(state=TaskState.WAITING | TaskState.READY | TaskState.STARTED)
        for task in tasks:
            if task.task_spec.catches(task, event) if hasattr(task.task_spec, "catches") else False:
                return True
        spec = workflow.spec
        for name in getattr(spec.start, "trigger_specs", []) if hasattr(spec, "start") else []:
            sub = workflow.subprocess_specs.get(name)
            if sub and any(ts.event_definition == event.event_definition for ts in sub.bpmn_start_events):
                return True
        return False

    @staticmethod
    def _ready_human_task(workflow: BpmnWorkflow, task_id: str):
        try:
            task = workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, WorkflowException) as exc:
            raise TaskNotReady(f"task {task_id} is not part of this instance") from exc
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is not waiting for a person")
        return task

    def _advance(self, workflow: BpmnWorkflow, fired: tuple[str, ...] = ()) -> Snapshot:
        incident = None
        try:
            workflow.do_engine_steps()
            workflow.refresh_timers()
            workflow.do_engine_steps()
        except (SpiffWorkflowException, ExpressionError) as exc:
            incident = _incident(exc)
        return self._snapshot(workflow, incident=incident, fired=fired)

    def _snapshot(self, workflow: BpmnWorkflow, incident: Incident | None = None,
                  fired: tuple[str, ...] = ()) -> Snapshot:
        ready = tuple(_ready(t) for t in workflow.get_tasks(state=TaskState.READY, manual=True))
        timers, waiting = _waiting(workflow)
        if incident is None and workflow.get_tasks(state=TaskState.ERROR):
            failed = workflow.get_tasks(state=TaskState.ERROR)[0]
            incident = Incident(failed.task_spec.bpmn_id, "a step failed")
        status = "completed" if workflow.completed else "running"
        if incident is not None:
            status = "incident"
        ends = tuple(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)
                     if type(t.task_spec).__name__ == "EndEvent" and t.workflow is workflow)
        return Snapshot(
            state=dump_state(workflow), status=status, data=_data(workflow), ready_tasks=ready,
            timers=timers, waiting=waiting, end_events=ends, incident=incident, fired=fired,
        )


def _incident(exc: Exception) -> Incident:
    task = getattr(exc, "task", None)
    spec = getattr(exc, "task_spec", None) or (task.task_spec if task is not None else None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    notes = getattr(exc, "__notes__", None) or []
    message = str(exc) if not notes else f"{exc} ({'; '.join(notes)})"
    return Incident(element, message)


def _ready(task) -> ReadyTask:
    spec = task.task_spec
    kind = HUMAN_SPECS.get(type(spec).__name__, "task")
    return ReadyTask(
        task_id=str(task.id), element_id=spec.bpmn_id or spec.name, name=spec.bpmn_name or spec.bpmn_id or spec.name,
        kind=kind, lane=getattr(spec, "lane", None), data=dict(task.data),
    )


def _waiting(workflow: BpmnWorkflow) -> tuple[tuple[PendingTimer, ...], tuple[WaitingEvent, ...]]:
    timers, waiting = [], []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if definition is None:
            continue
        details = definition.details(task)
        element = task.task_spec.bpmn_id or task.task_spec.name
        if isinstance(definition, TimerEventDefinition):
            due = _due(details.value)
            if due is not None:
                timers.append(PendingTimer(str(task.id), element, definition.name or element, due))
            continue
        waiting.append(WaitingEvent(str(task.id), element, details.event_type, str(details.name)))
    return tuple(timers), tuple(waiting)


def _due(value: object) -> datetime | None:
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None


def _data(workflow: BpmnWorkflow) -> dict:
    """The case data: the last completed task's data merged over the workflow's data objects."""
    last = workflow.last_task
    data = dict(last.data) if last is not None else {}
    data.update(workflow.data or {})
    return data
