"""SLA records: each service commitment of a case, its due time, met or breached, and the time it took.

Declared in the BPMN with a Camunda property on the element that keeps the commitment:

    <bpmn:extensionElements><camunda:properties>
      <camunda:property name="sla" value="resolve" />
    </camunda:properties></bpmn:extensionElements>

- on a timer boundary event: the record opens when the timer starts waiting (due = the timer's due
  time) and closes when the timer leaves the instance: it fired (breached) or the activity it watches
  ended first (met);
- on a user task with `camunda:dueDate`: opens with the task, closes when the task is completed
  (met when completed by the due time) or cancelled (breached if past due, else not counted);
  without a due date only the time it took is kept.

Pause and resume (waiting for the resident or for parts): a user task with the property
`sla_pause` (value `all`, or a comma-separated list of commitments) stops the clock of the
instance's open records while it is open. The paused working time is left out of
`working_seconds`, and when the task ends each paused record's due time moves later by that working
time (`add_work_hours`); a timer's due time moves with it, so the escalation comes that much later.
A timer that comes due while the clock is stopped still fires: give the waiting task its own
deadline if that matters. Typical shape: the SLA timer sits on a subprocess (处理投诉) that contains
the work and the 等待业户补充材料 task with `sla_pause`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, select

from .. import clock
from ..calendar import WorkCalendar
from ..calendar_host import work_calendar
from ..engine import api as engine_api
from ..engine_host import elements_of, engine, loaded_spec, remember
from ..models import OPEN_TASK_STATES, Instance, ProcessVersion, SlaRecord, Task, Timer
from . import history

CALENDAR_FUNCTIONS = frozenset({"add_workdays", "add_work_hours"})
ALL = "all"


@dataclass(frozen=True)
class _SlaElements:
    """Which elements of a version keep a commitment (timers, tasks) or stop the clock: computed once."""

    timers: tuple[str, ...]
    tasks: tuple[str, ...]
    pauses: tuple[str, ...]

    @property
    def any(self) -> bool:
        return bool(self.timers or self.tasks or self.pauses)


def _sla_elements(version: ProcessVersion, elements: dict) -> _SlaElements:
    return remember("sla_elements", version, lambda: _SlaElements(
        timers=tuple(e for e, info in elements.items() if info.sla and info.timer_kind),
        tasks=tuple(e for e, info in elements.items() if info.sla and not info.timer_kind),
        pauses=tuple(e for e, info in elements.items() if info.sla_pause)))


# Built once (this runs on every step of a process that declares commitments; see sync.py).
_OPEN_RECORDS = select(SlaRecord).where(SlaRecord.instance_id == bindparam("b_instance"),
                                        SlaRecord.completed_at.is_(None))
_TIMERS_AT = select(Timer.task_id, Timer.element_id, Timer.due_at, Timer.provisional).where(
    Timer.instance_id == bindparam("b_instance"), Timer.element_id.in_(bindparam("b_elements", expanding=True)))
_OPEN_TASKS_AT = select(Task.id, Task.element_id, Task.due_at).where(
    Task.instance_id == bindparam("b_instance"), Task.element_id.in_(bindparam("b_elements", expanding=True)),
    Task.state.in_(OPEN_TASK_STATES))


def track(session, instance: Instance, version: ProcessVersion, snap: engine_api.Snapshot) -> None:
    """Bring the SLA records in line after a snapshot was applied (called by sync)."""
    elements = elements_of(version)
    declared = _sla_elements(version, elements)
    if not declared.any:
        return
    calendar = work_calendar()
    now = clock.now()
    records = {r.task_id: r for r in session.scalars(_OPEN_RECORDS, {"b_instance": instance.id})}
    live = _live_items(session, instance, elements, declared, calendar)
    for task_id, record in list(records.items()):
        if task_id not in live:
            _close(session, record, instance, snap, now, calendar)
            del records[task_id]
    for task_id, (kind, element_id, due_at, provisional) in live.items():
        record = records.get(task_id)
        if record is None:
            record = records[task_id] = SlaRecord(
                instance_id=instance.id, compound_id=instance.compound_id, process_id=instance.process_id,
                commitment=elements[element_id].sla, element_id=element_id, task_id=task_id, kind=kind,
                started_at=now, paused_seconds=0, extended=False)
            session.add(record)
        if (record.due_at, record.provisional) != (due_at, provisional):  # an unchanged record stays clean
            record.due_at, record.provisional = due_at, provisional
    _pause_or_resume(session, instance, version, elements, declared, list(records.values()), now, calendar)


@lru_cache(maxsize=1024)
def uses_calendar(expression: str | None) -> bool:
    """Whether an expression calls a working-day function (its value depends on the calendar)."""
    try:
        tree = ast.parse((expression or "").strip(), mode="eval")
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", None) in CALENDAR_FUNCTIONS for n in ast.walk(tree))


def provisional_due(expression: str | None, due: datetime | None, calendar: WorkCalendar) -> bool:
    """A due time a calendar function computed into a year whose schedule is not known yet."""
    return due is not None and uses_calendar(expression) and calendar.is_provisional(calendar.localize(due).year)


def working_seconds(calendar: WorkCalendar, start: datetime, end: datetime,
                    pauses: list[tuple[datetime, datetime]] = (), compound: str | None = None) -> int:
    """Office time from start to end, without the (non-overlapping) paused intervals."""
    total = calendar.working_time_between(start, end, compound)
    for paused_from, paused_to in pauses:
        total -= calendar.working_time_between(max(paused_from, start), min(paused_to, end), compound) \
            if paused_from < end and paused_to > start else timedelta()
    return max(int(total.total_seconds()), 0)


def timer_flags(element, due: datetime, calendar: WorkCalendar) -> dict:
    """A new timer row's expression, and whether its due time is provisional (calendar not yet known)."""
    expression = element.timer_expression if element else None
    return {"expression": expression, "provisional": bool(
        element and element.timer_kind == "timeDate" and provisional_due(expression, due, calendar))}


def _live_items(session, instance: Instance, elements: dict, declared: _SlaElements,
                calendar: WorkCalendar) -> dict[str, tuple]:
    """task id -> (kind, element id, due time, provisional) of every waiting SLA timer and open SLA task."""
    items: dict[str, tuple] = {}
    if declared.timers:
        for task_id, element_id, due_at, provisional in session.execute(
                _TIMERS_AT, {"b_instance": instance.id, "b_elements": list(declared.timers)}):
            items[task_id] = ("timer", element_id, due_at, provisional)
    if declared.tasks:
        for task_id, element_id, due_at in _open_tasks(session, instance, declared.tasks):
            provisional = provisional_due(elements[element_id].due_date, due_at, calendar)
            items[task_id] = ("task", element_id, due_at, provisional)
    return items


def _open_tasks(session, instance: Instance, element_ids) -> list[tuple[str, str, datetime | None]]:
    """(task id, element id, due time) of the instance's open tasks at these elements."""
    return list(session.execute(_OPEN_TASKS_AT, {"b_instance": instance.id, "b_elements": list(element_ids)}))


def _close(session, record: SlaRecord, instance: Instance, snap, now: datetime, calendar: WorkCalendar) -> None:
    """The timer or task is gone: decide met/breached and the working time it took."""
    completed_at, met = now, None
    if instance.status == "cancelled":
        met = None
    elif record.kind == "timer":
        met = record.element_id not in snap.fired
    else:
        task = session.get(Task, record.task_id)
        if task is not None and task.state == "completed":
            completed_at = task.completed_at or now
            met = None if record.due_at is None else completed_at <= record.due_at
        elif record.due_at is not None and now > record.due_at:
            met = False
    _end_pause(record, completed_at, calendar)
    record.completed_at, record.met = completed_at, met
    worked = calendar.working_time_between(record.started_at, completed_at).total_seconds()
    record.working_seconds = max(int(worked) - record.paused_seconds, 0)


def _end_pause(record: SlaRecord, end: datetime, calendar: WorkCalendar) -> int:
    """Close an open pause; the working seconds it lasted (also added to paused_seconds)."""
    if record.paused_since is None:
        return 0
    paused = working_seconds(calendar, record.paused_since, end)
    record.paused_seconds += paused
    record.paused_since = None
    return paused


def _paused_commitments(session, instance: Instance, elements: dict, declared: _SlaElements) -> set[str]:
    """Commitments whose clock an open `sla_pause` task stops (`all` in the set: every one)."""
    if not declared.pauses or instance.status in ("cancelled", "completed"):
        return set()
    paused: set[str] = set()
    for _, element_id, _ in _open_tasks(session, instance, declared.pauses):
        names = {n.strip() for n in elements[element_id].sla_pause.split(",") if n.strip()}
        paused |= {ALL} if names & {ALL, "true", "yes"} else names
    return paused


def _pause_or_resume(session, instance, version, elements, declared: _SlaElements, records: list[SlaRecord], now,
                     calendar) -> None:
    """Stop the clock of records a pause task covers; restart the others and push their due times."""
    paused = _paused_commitments(session, instance, elements, declared)
    started, moves, task_dues = [], {}, {}
    for record in records:
        if ALL in paused or record.commitment in paused:
            if record.paused_since is None:
                record.paused_since = now
                started.append(record.commitment)
            continue
        pause = _end_pause(record, now, calendar)
        if pause and record.due_at is not None:
            record.due_at = calendar.add_work_hours(record.due_at, pause / 3600).due
            (moves if record.kind == "timer" else task_dues)[record.task_id] = record.due_at
    if started:
        _history(session, instance, "sla_paused", {"commitments": sorted(set(started))})
    if moves or task_dues:
        _move(session, instance, version, moves, task_dues)
        _history(session, instance, "sla_resumed", {"due": {r.element_id: calendar.localize(r.due_at).isoformat()
                                                             for r in records if r.task_id in moves | task_dues}})


def _move(session, instance: Instance, version: ProcessVersion, moves: dict, task_dues: dict) -> None:
    """Set the pushed due times on the engine's timers, the timer rows and the task rows."""
    if moves:
        snap = engine_api.move_timers(engine(), loaded_spec(version), instance.state, moves)
        instance.state = snap.state
        for timer in session.scalars(select(Timer).where(Timer.task_id.in_(list(moves)))):
            timer.due_at = moves[timer.task_id]
    for task_id, due in task_dues.items():
        session.get(Task, task_id).due_at = due


def _history(session, instance: Instance, action: str, data: dict) -> None:
    history.record(session, instance.id, "engine", action, None, data)
