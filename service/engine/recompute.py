"""Change the due time of waiting timers: recompute a calendar deadline, or move one (extension, pause).

SpiffWorkflow evaluates a timer's expression once, when the timer starts waiting, and keeps the
result in the task's internal data (`event_value`, an ISO-8601 string for timeDate and
timeDuration timers). Both operations rewrite that value and return the new Snapshot without running
the engine: a due time that is already past fires on the scheduler's next pass, not inside the
request that moved it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

from .expressions import ExpressionError, evaluate
from .snapshot import build_snapshot
from .state import LoadedSpec, load_state
from .types import Snapshot


class TimerNotMovable(Exception):
    """The task is not a waiting timer whose due time can be changed, or its expression failed."""

    def __init__(self, element_id: str | None, message: str):
        super().__init__(message)
        self.element_id = element_id


def recompute_timers(engine, loaded: LoadedSpec, state: str, task_ids: Iterable[str]) -> Snapshot:
    """Evaluate the timeDate expression of each listed waiting timer again, with the engine's current
    functions (so the calendar as it is now) and `now()` pinned to when the timer started waiting.
    Timers of another kind (a duration counts from the moment it started) are left as they are."""
    workflow = load_state(loaded, state, engine.script_engine)
    for task in _waiting_timers(workflow, task_ids).values():
        definition = task.task_spec.event_definition
        if not isinstance(definition, TimeDateEventDefinition):
            continue
        started = datetime.fromtimestamp(task.last_state_change, UTC)
        functions = {**engine.functions, "now": _pinned(started)}
        try:
            value = evaluate(definition.expression, dict(task.data), functions)
            text = value.isoformat() if isinstance(value, datetime) else str(value)
            TimerEventDefinition.get_datetime(text)
        except (ExpressionError, ValueError, TypeError) as exc:
            raise TimerNotMovable(_element(task), f"timer '{definition.expression}' failed: {exc}") from exc
        task._set_internal_data(event_value=text)
    return build_snapshot(workflow)


def move_timers(engine, loaded: LoadedSpec, state: str, moves: Mapping[str, datetime],
                data: Mapping | None = None) -> Snapshot:
    """Set new due times on waiting timeDate/timeDuration timers (task id -> aware datetime) and merge
    `data` into the case: into every unfinished task (so it flows on to later steps) and the workflow's
    own data (so the case data shows it at once)."""
    workflow = load_state(loaded, state, engine.script_engine)
    timers = _waiting_timers(workflow, moves)
    for task_id, due in moves.items():
        task = timers.get(task_id)
        if task is None:
            raise TimerNotMovable(None, f"task {task_id} is not a waiting timer of this instance")
        if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
            raise TimerNotMovable(_element(task), "a cycle timer cannot be moved")
        if due.tzinfo is None:
            raise ValueError("a timer's new due time must be aware")
        task._set_internal_data(event_value=due.astimezone(UTC).isoformat(), event_fired=False)
    if data:
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            task.set_data(**dict(data))
        workflow.data.update(dict(data))
    return build_snapshot(workflow)


def _waiting_timers(workflow, task_ids: Iterable[str]) -> dict:
    """The listed tasks that are waiting timer events, by task id (subprocesses included)."""
    wanted = {str(task_id) for task_id in task_ids}
    found = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if str(task.id) in wanted and isinstance(definition, TimerEventDefinition):
            found[str(task.id)] = task
    return found


def _pinned(instant: datetime) -> Callable[[], str]:
    """A `now()` that always answers the same instant."""
    def now() -> str:
        return instant.isoformat()
    return now


def _element(task) -> str:
    return task.task_spec.bpmn_id or task.task_spec.name
