"""Keep the read models (tasks, candidates, timers, history) in step with an engine snapshot."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, select

from .. import clock
from ..engine import api as engine_api
from ..engine_host import elements_of, engine
from ..models import OPEN_TASK_STATES, HistoryEntry, Instance, ProcessVersion, Task, TaskCandidate, Timer
from . import sla


def jsonable(value: object) -> object:
    """Case data as JSON values (dates and other objects become strings)."""
    return json.loads(json.dumps(value, default=str))


def record(session, instance_id: int, actor: str, action: str, element_id: str | None = None,
           data: dict | None = None) -> None:
    session.add(HistoryEntry(instance_id=instance_id, at=clock.now(), actor=actor, action=action,
                             element_id=element_id, data=jsonable(data) if data is not None else None))


def apply_snapshot(session, instance: Instance, version: ProcessVersion, snap: engine_api.Snapshot,
                   actor: str, new: bool = False) -> list[Task]:
    """Store the new state and bring tasks, timers and history in line with it; returns the open tasks.

    `new` says the instance was just started: it has no tasks or timers yet to compare with.
    """
    now = clock.now()
    instance.state = snap.state
    instance.data = jsonable(snap.data)
    instance.updated_at = now
    if instance.status != "cancelled":
        instance.status = snap.status
    instance.waiting = [asdict(w) for w in snap.waiting] if instance.status in ("running", "incident") else []
    instance.incident_element = snap.incident.element_id if snap.incident else None
    instance.incident_message = snap.incident.message if snap.incident else None
    if snap.status == "completed" and instance.ended_at is None:
        instance.ended_at = now
        record(session, instance.id, actor, "completed", snap.end_events[-1] if snap.end_events else None,
               {"end_events": list(snap.end_events)})
    if snap.incident:
        record(session, instance.id, "engine", "incident", snap.incident.element_id,
               {"message": snap.incident.message})
    for element_id in snap.fired:
        record(session, instance.id, "scheduler", "timer_fired", element_id)
    open_tasks = _sync_tasks(session, instance, version, snap, now, new)
    _sync_timers(session, instance, snap, new)
    sla.track(session, instance, version, snap)  # deadlines: provisional timers, SLA records (see sla.py)
    return open_tasks


def _sync_tasks(session, instance: Instance, version: ProcessVersion, snap: engine_api.Snapshot,
                now: datetime, new: bool) -> list[Task]:
    open_tasks = {} if new else {t.id: t for t in session.scalars(
        select(Task).where(Task.instance_id == instance.id, Task.state.in_(OPEN_TASK_STATES)))}
    ready = {t.task_id: t for t in snap.ready_tasks}
    gone = [task_id for task_id in open_tasks if task_id not in ready]
    for task_id in gone:
        open_tasks[task_id].state = "cancelled"
        open_tasks[task_id].completed_at = now
    if gone:
        session.execute(delete(TaskCandidate).where(TaskCandidate.task_id.in_(gone)))
    elements = elements_of(version)
    still_open = [task for task_id, task in open_tasks.items() if task_id in ready]
    for task_id, ready_task in ready.items():
        if task_id not in open_tasks:
            still_open.append(_create_task(session, instance, version, elements.get(ready_task.element_id),
                                           ready_task, now))
    return sorted(still_open, key=lambda t: (t.created_at, t.id))


def _create_task(session, instance: Instance, version: ProcessVersion, element, ready_task, now) -> Task:
    groups = list(element.candidate_groups) if element and element.candidate_groups else []
    assignee = element.assignee if element else None
    # The element's own lane first: SpiffWorkflow gives every task inside a subprocess the subprocess's lane.
    lane = (element.lane if element else None) or ready_task.lane
    if not groups and not assignee and lane:
        groups = [lane]
    task = Task(
        id=ready_task.task_id, instance_id=instance.id, compound_id=instance.compound_id,
        process_id=instance.process_id, element_id=ready_task.element_id, name=ready_task.name,
        kind=ready_task.kind, groups=",".join(groups), assignee=assignee,
        candidate_user=instance.started_by if not groups and not assignee else None,
        state="claimed" if assignee else "ready", form_id=element.form_id if element else None,
        due_at=_due_at(session, instance, element, ready_task), created_at=now,
        excluded_users=_excluded_users(session, instance, element, ready_task),
    )
    session.add(task)
    for group in groups:
        session.add(TaskCandidate(task_id=task.id, group_name=group, compound_id=instance.compound_id,
                                  created_at=now))
    return task


def _incident(session, instance: Instance, element_id: str, message: str) -> None:
    instance.status = "incident"
    instance.incident_element = element_id
    instance.incident_message = message
    record(session, instance.id, "engine", "incident", element_id, {"message": message})


def _excluded_users(session, instance: Instance, element, ready_task) -> str:
    """Users who may not work this task (separation of duties): a list or a comma-separated string."""
    if element is None or not element.excluded_users:
        return ""
    try:
        value = engine().evaluate(element.excluded_users, ready_task.data)
    except Exception as exc:  # noqa: BLE001 - any evaluation failure becomes an incident, not a 500
        _incident(session, instance, ready_task.element_id, f"excluded_users '{element.excluded_users}' failed: {exc}")
        return ""
    names = value.split(",") if isinstance(value, str) else list(value or [])
    return ",".join(sorted({str(n).strip() for n in names if str(n).strip()}))


def _due_at(session, instance: Instance, element, ready_task) -> datetime | None:
    """Evaluate camunda:dueDate (an ISO literal or an expression) for a new task."""
    if element is None or not element.due_date:
        return None
    text = element.due_date
    try:
        value = text if _looks_iso(text) else engine().evaluate(text, ready_task.data)
        due = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except Exception as exc:  # noqa: BLE001 - any evaluation failure becomes an incident, not a 500
        _incident(session, instance, ready_task.element_id, f"camunda:dueDate '{text}' failed: {exc}")
        return None
    if due.tzinfo is None:
        from zoneinfo import ZoneInfo

        from flask import current_app
        due = due.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return due


def _looks_iso(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _sync_timers(session, instance: Instance, snap: engine_api.Snapshot, new: bool) -> None:
    existing = {} if new else {
        t.task_id: t for t in session.scalars(select(Timer).where(Timer.instance_id == instance.id))}
    wanted = {t.task_id: t for t in snap.timers} if instance.status != "cancelled" else {}
    for task_id, row in existing.items():
        if task_id not in wanted:
            session.delete(row)
        elif row.due_at != wanted[task_id].due_at:
            row.due_at = wanted[task_id].due_at
    for task_id, timer in wanted.items():
        if task_id not in existing:
            session.add(Timer(instance_id=instance.id, task_id=task_id, element_id=timer.element_id,
                              name=timer.name, due_at=timer.due_at))
