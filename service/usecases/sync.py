"""Keep the read models (tasks, candidates, timers, history) in step with an engine snapshot.

The rows are written with Core statements (no unit-of-work bookkeeping per row): this runs on every
step of every case. The instance row itself stays an ORM object, whose `lock_version` guards the step.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..calendar_host import work_calendar
from ..engine import api as engine_api
from ..engine_host import elements_of, engine
from ..models import OPEN_TASK_STATES, Instance, ProcessVersion, Task, TaskCandidate, Timer
from . import sla
from .history import jsonable, record

TASK, CANDIDATE, TIMER, INSTANCE = Task.__table__, TaskCandidate.__table__, Timer.__table__, Instance.__table__
# Built once: composing a statement costs more than SQLite takes to run it (the hot path runs ~10 per step).
_ADD_TASKS, _ADD_CANDIDATES, _ADD_TIMERS = insert(TASK), insert(CANDIDATE), insert(TIMER)
_STEP_INSTANCE = update(INSTANCE).where(INSTANCE.c.id == bindparam("b_id"),
                                        INSTANCE.c.lock_version == bindparam("b_lock"))
_OPEN_TASK_IDS = select(TASK.c.id).where(TASK.c.instance_id == bindparam("b_instance"),
                                          TASK.c.state.in_(OPEN_TASK_STATES))
_CANCEL_TASKS = update(TASK).where(TASK.c.id.in_(bindparam("b_ids", expanding=True))).values(
    state="cancelled", completed_at=bindparam("b_at"))
_DROP_CANDIDATES = delete(CANDIDATE).where(CANDIDATE.c.task_id.in_(bindparam("b_ids", expanding=True)))
_TIMERS_OF = select(TIMER.c.id, TIMER.c.task_id, TIMER.c.due_at).where(TIMER.c.instance_id == bindparam("b_instance"))
_DROP_TIMERS = delete(TIMER).where(TIMER.c.id.in_(bindparam("b_ids", expanding=True)))
_MOVE_TIMER = update(TIMER).where(TIMER.c.id == bindparam("b_id")).values(due_at=bindparam("b_due"))


def apply_snapshot(session, instance: Instance, version: ProcessVersion, snap: engine_api.Snapshot,
                   actor: str, new: bool = False) -> list[Task]:
    """Store the new state and bring tasks, timers and history in line with it; returns the open tasks.

    `new` says the instance was just started: it has no tasks or timers yet to compare with.
    Raises StaleDataError when the instance row moved on since it was read (its lock_version).
    """
    now = clock.now()
    status = instance.status if instance.status == "cancelled" else snap.status
    just_ended = snap.status == "completed" and instance.ended_at is None
    _write_instance(session, instance, {
        "state": snap.state, "data": jsonable(snap.data), "updated_at": now, "status": status,
        "waiting": [asdict(w) for w in snap.waiting] if status in ("running", "incident") else [],
        "incident_element": snap.incident.element_id if snap.incident else None,
        "incident_message": snap.incident.message if snap.incident else None,
        "ended_at": now if just_ended else instance.ended_at})
    if just_ended:
        record(session, instance.id, actor, "completed", snap.end_events[-1] if snap.end_events else None,
               {"end_events": list(snap.end_events)})
    if snap.incident:
        record(session, instance.id, "engine", "incident", snap.incident.element_id,
               {"message": snap.incident.message})
    for element_id in snap.fired:
        record(session, instance.id, "scheduler", "timer_fired", element_id)
    open_tasks = _sync_tasks(session, instance, version, snap, now, new)
    _sync_timers(session, instance, version, snap, new)
    sla.track(session, instance, version, snap)  # deadlines: provisional timers, SLA records (see sla.py)
    return open_tasks


def _write_instance(session, instance: Instance, values: dict) -> None:
    """UPDATE … WHERE lock_version = the one read; the object then holds what was written, unmodified."""
    if instance.id is None or instance.lock_version is None:
        session.flush()  # a new instance: its row must exist first
    lock = instance.lock_version
    if session.execute(_STEP_INSTANCE, {**values, "lock_version": lock + 1, "b_id": instance.id,
                                        "b_lock": lock}).rowcount != 1:
        raise StaleDataError(f"instance {instance.id} moved on since it was read")
    for name, value in (*values.items(), ("lock_version", lock + 1)):
        set_committed_value(instance, name, value)


def _sync_tasks(session, instance: Instance, version: ProcessVersion, snap: engine_api.Snapshot,
                now: datetime, new: bool) -> list[Task]:
    open_ids = set() if new else set(session.execute(_OPEN_TASK_IDS, {"b_instance": instance.id}).scalars())
    ready = {t.task_id: t for t in snap.ready_tasks}
    gone = [task_id for task_id in open_ids if task_id not in ready]
    if gone:
        session.execute(_CANCEL_TASKS, {"b_ids": gone, "b_at": now})
        session.execute(_DROP_CANDIDATES, {"b_ids": gone})
        for task_id in gone:
            _written(session, Task, task_id, state="cancelled", completed_at=now)
    kept = [task_id for task_id in open_ids if task_id in ready]
    still_open = list(session.scalars(select(Task).where(Task.id.in_(kept)))) if kept else []
    elements = elements_of(version)
    rows, candidates = [], []
    for task_id, ready_task in ready.items():
        if task_id not in open_ids:
            row, groups = _task_row(session, instance, elements.get(ready_task.element_id), ready_task, now)
            rows.append(row)
            candidates += [{"task_id": task_id, "group_name": g, "compound_id": instance.compound_id,
                            "created_at": now} for g in groups]
    if rows:
        session.execute(_ADD_TASKS, rows)
        still_open += [Task(**row) for row in rows]  # as written; not held by the session
    if candidates:
        session.execute(_ADD_CANDIDATES, candidates)
    return sorted(still_open, key=lambda t: (t.created_at, t.id))


def _written(session, model, key, **values) -> None:
    """A row changed with a Core statement: the object the session may hold for it shows the change,
    so later ORM reads (which keep held objects as they are) and flushes agree with the row."""
    held = session.identity_map.get(session.identity_key(model, key))
    for name, value in values.items() if held is not None else ():
        set_committed_value(held, name, value)


def _deleted(session, model, key) -> None:
    """A row deleted with a Core statement leaves the session too (a flush must not update it)."""
    held = session.identity_map.get(session.identity_key(model, key))
    if held is not None:
        session.expunge(held)


def _task_row(session, instance: Instance, element, ready_task, now) -> tuple[dict, list[str]]:
    groups = list(element.candidate_groups) if element and element.candidate_groups else []
    assignee = element.assignee if element else None
    # The element's own lane first: SpiffWorkflow gives every task inside a subprocess the subprocess's lane.
    lane = (element.lane if element else None) or ready_task.lane
    if not groups and not assignee and lane:
        groups = [lane]
    row = {
        "id": ready_task.task_id, "instance_id": instance.id, "compound_id": instance.compound_id,
        "process_id": instance.process_id, "element_id": ready_task.element_id, "name": ready_task.name,
        "kind": ready_task.kind, "groups": ",".join(groups), "assignee": assignee,
        "candidate_user": instance.started_by if not groups and not assignee else None,
        "state": "claimed" if assignee else "ready", "form_id": element.form_id if element else None,
        "due_at": _due_at(session, instance, element, ready_task), "created_at": now,
        "completed_at": None, "completed_by": None,
        "excluded_users": _excluded_users(session, instance, element, ready_task),
    }
    return row, groups


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


def _sync_timers(session, instance: Instance, version: ProcessVersion, snap: engine_api.Snapshot,
                 new: bool) -> None:
    existing = {} if new else {task_id: (row_id, due_at) for row_id, task_id, due_at in session.execute(
        _TIMERS_OF, {"b_instance": instance.id})}
    wanted = {t.task_id: t for t in snap.timers} if instance.status != "cancelled" else {}
    dropped = [row_id for task_id, (row_id, _) in existing.items() if task_id not in wanted]
    if dropped:
        session.execute(_DROP_TIMERS, {"b_ids": dropped})
        for row_id in dropped:
            _deleted(session, Timer, row_id)
    for task_id, (row_id, due_at) in existing.items():
        if task_id in wanted and due_at != wanted[task_id].due_at:
            session.execute(_MOVE_TIMER, {"b_id": row_id, "b_due": wanted[task_id].due_at})
            _written(session, Timer, row_id, due_at=wanted[task_id].due_at)
    added = [timer for task_id, timer in wanted.items() if task_id not in existing]
    if added:
        elements, calendar = elements_of(version), work_calendar()
        session.execute(_ADD_TIMERS, [
            {"instance_id": instance.id, "task_id": t.task_id, "element_id": t.element_id, "name": t.name,
             "due_at": t.due_at, **sla.timer_flags(elements.get(t.element_id), t.due_at, calendar)} for t in added])
