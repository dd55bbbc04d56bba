"""Read a SpiffWorkflow workflow into the plain Snapshot the service stores and indexes."""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .state import dump_state
from .types import Incident, PendingTimer, ReadyTask, Snapshot, WaitingEvent

HUMAN_SPECS = {"UserTask": "userTask", "ManualTask": "manualTask", "NoneTask": "task"}


def build_snapshot(workflow: BpmnWorkflow, incident: Incident | None = None, fired: tuple[str, ...] = (),
                   dump: bool = True) -> Snapshot:
    """Everything the service needs after a step; `dump=False` leaves `state` empty (in-memory runs)."""
    ready = tuple(_ready(t) for t in workflow.get_tasks(state=TaskState.READY, manual=True))
    timers, waiting = _waiting(workflow)
    if incident is None and workflow.get_tasks(state=TaskState.ERROR):
        failed = workflow.get_tasks(state=TaskState.ERROR)[0]
        incident = Incident(failed.task_spec.bpmn_id, "a step failed")
    status = "completed" if workflow.completed else "running"
    if incident is not None:
        status = "incident"
    return Snapshot(
        state=dump_state(workflow) if dump else "", status=status, data=_data(workflow), ready_tasks=ready,
        timers=timers, waiting=waiting, end_events=end_events(workflow), incident=incident, fired=fired,
    )


def incident_of(exc: Exception) -> Incident:
    """The element and SpiffWorkflow's own text of a failed step (with its notes, without blanks)."""
    task = getattr(exc, "task", None)
    spec = getattr(exc, "task_spec", None) or (task.task_spec if task is not None else None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    if isinstance(exc, SpiffWorkflowException):
        # SpiffWorkflowException.__str__ joins empty notes too ("... 'due_time'. . name ...").
        base = str(exc.args[0]) if exc.args else type(exc).__name__
        notes = [n.strip() for n in getattr(exc, "notes", []) if n and n.strip()]
        message = ". ".join([base, *notes])
    else:
        notes = getattr(exc, "__notes__", None) or []
        message = str(exc) if not notes else f"{exc} ({'; '.join(notes)})"
    return Incident(element, message)


def top_level_workflows(workflow: BpmnWorkflow) -> list:
    """The instance's own process; for a collaboration (no start event of its own), also each
    participant's process (the subprocesses started directly by the top workflow)."""
    if workflow.spec.bpmn_start_events:
        return [workflow]
    return [workflow, *(sp for sp in workflow.subprocesses.values() if _is_participant(workflow, sp))]


def _is_participant(workflow: BpmnWorkflow, subprocess) -> bool:
    task = workflow.tasks.get(subprocess.parent_task_id)
    return task is not None


def end_event_tasks(workflow: BpmnWorkflow) -> list:
    """Completed top-level end event tasks, in the order they were reached (ties keep tree order)."""
    reached = []
    for wf in top_level_workflows(workflow):
        reached.extend(t for t in wf.get_tasks(state=TaskState.COMPLETED)
                       if type(t.task_spec).__name__ == "EndEvent" and t.workflow is wf)
    reached.sort(key=lambda t: t.last_state_change)
    return reached


def end_events(workflow: BpmnWorkflow) -> tuple[str, ...]:
    return tuple(t.task_spec.bpmn_id for t in end_event_tasks(workflow))


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
        element = task.task_spec.bpmn_id or task.task_spec.name
        # An event-based gateway waits with a MultipleEventDefinition: list its timer as a timer
        # (else the scheduler never wakes it) and each other event as waiting.
        parts = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
        for part in parts:
            details = part.details(task)
            if isinstance(part, TimerEventDefinition):
                due = _due(details.value)
                if due is not None:
                    timers.append(PendingTimer(str(task.id), element, part.name or element, due))
            else:
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
