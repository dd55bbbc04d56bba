"""Pending deadlines: recompute the provisional ones after a calendar change; extend one (延期)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from .. import clock
from ..calendar_host import work_calendar
from ..db import db, unit_of_work
from ..engine import api as engine_api
from ..engine_host import engine, loaded_spec
from ..errors import Conflict, Invalid, NotFound
from ..models import OPEN_TASK_STATES, Instance, ProcessVersion, SlaRecord, Task, Timer
from .access import Actor
from .history import record
from .instances import visible_instance, with_retries
from .sync import apply_snapshot

MAX_REASON = 2000


def recompute_provisional(session, actor: str, reason: str) -> int:
    """Evaluate again every pending timer computed on provisional calendar data, with the calendar
    work_calendar() gives now (the caller pins its new one); history says what moved. Returns how
    many timers moved. Runs inside the caller's transaction."""
    calendar = work_calendar()
    rows = session.scalars(select(Timer).join(Instance, Instance.id == Timer.instance_id).where(
        Timer.provisional.is_(True), Instance.status == "running").order_by(Timer.instance_id, Timer.id)).all()
    by_instance: dict[int, list[Timer]] = defaultdict(list)
    for row in rows:
        by_instance[row.instance_id].append(row)
    moved = 0
    for instance_id, timers in by_instance.items():
        instance = session.get(Instance, instance_id)
        version = session.get(ProcessVersion, instance.process_version_id)
        old = {t.task_id: t.due_at for t in timers}
        try:
            snap = engine_api.recompute_timers(engine(), loaded_spec(version), instance.state, old)
            snap = _keep_pauses(session, version, snap, old)
        except engine_api.TimerNotMovable as exc:
            record(session, instance.id, actor, "deadline_recompute_failed", exc.element_id,
                   {"message": str(exc), "reason": reason})
            continue
        new = {t.task_id: t.due_at for t in snap.timers}
        for timer in timers:
            due = new.get(timer.task_id, timer.due_at)
            timer.provisional = calendar.is_provisional(calendar.localize(due).year)
            if due != old[timer.task_id]:
                moved += 1
                record(session, instance.id, actor, "deadline_recomputed", timer.element_id, {
                    "old_due": calendar.localize(old[timer.task_id]).isoformat(),
                    "new_due": calendar.localize(due).isoformat(), "provisional": timer.provisional,
                    "reason": reason})
        apply_snapshot(session, instance, version, snap, actor)
    return moved


def _keep_pauses(session, version, snap: engine_api.Snapshot, task_ids) -> engine_api.Snapshot:
    """A recomputed due time that an SLA pause had pushed is pushed again by the same working time."""
    paused = {r.task_id: r.paused_seconds for r in session.scalars(select(SlaRecord).where(
        SlaRecord.task_id.in_(list(task_ids)), SlaRecord.completed_at.is_(None), SlaRecord.paused_seconds > 0))}
    if not paused:
        return snap
    calendar = work_calendar()
    moves = {t.task_id: calendar.add_work_hours(t.due_at, paused[t.task_id] / 3600).due
             for t in snap.timers if t.task_id in paused}
    return engine_api.move_timers(engine(), loaded_spec(version), snap.state, moves)


def extend_deadline(actor: Actor, instance_id: int, element_id: str, new_due: datetime, reason: str) -> Instance:
    """Move a pending deadline (a waiting timer, or an open task's due time) later, with a reason.

    The reason and the new date go into the case data as `extension` (a later "tell the resident"
    step shows them), into the history, and onto the SLA record (`extended`)."""
    actor.require("manager", "admin")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise Invalid("an extension needs a reason", {"reason": [f"required, at most {MAX_REASON} characters"]})
    if new_due.tzinfo is None:
        raise Invalid("new_due needs a time zone", {"new_due": ["must be aware"]})

    def step() -> Instance:
        with unit_of_work() as session:
            instance = visible_instance(actor, instance_id)
            if instance.status != "running":
                raise Conflict(f"instance {instance_id} is {instance.status}")
            timers, tasks = _pending(session, instance.id, element_id)
            current = min([t.due_at for t in timers] + [t.due_at for t in tasks])
            _check_new_due(new_due, current)
            calendar = work_calendar()
            extension = {"element_id": element_id, "reason": reason, "by": actor.username,
                         "new_due": calendar.localize(new_due).isoformat(),
                         "previous_due": calendar.localize(current).isoformat()}
            version = session.get(ProcessVersion, instance.process_version_id)
            try:
                snap = engine_api.move_timers(engine(), loaded_spec(version), instance.state,
                                              {t.task_id: new_due for t in timers}, {"extension": extension})
            except engine_api.TimerNotMovable as exc:
                raise Conflict(f"deadline '{element_id}' cannot be moved: {exc}") from exc
            for timer in timers:
                timer.provisional = False  # a manager's date: no calendar import moves it again
            for task in tasks:
                task.due_at = new_due
            record(session, instance.id, actor.username, "deadline_extended", element_id, extension)
            apply_snapshot(session, instance, version, snap, actor.username)
            for sla_record in session.scalars(select(SlaRecord).where(
                    SlaRecord.instance_id == instance.id, SlaRecord.element_id == element_id,
                    SlaRecord.completed_at.is_(None))):
                sla_record.extended = True
            return instance
    return with_retries(step)


def sla_records(actor: Actor, instance_id: int) -> list[SlaRecord]:
    """The SLA records of an instance the actor may see, oldest first."""
    instance = visible_instance(actor, instance_id)
    return list(db.session.scalars(select(SlaRecord).where(SlaRecord.instance_id == instance.id)
                                   .order_by(SlaRecord.started_at, SlaRecord.id)))


def _pending(session, instance_id: int, element_id: str) -> tuple[list[Timer], list[Task]]:
    """The waiting timers and open tasks with a due time of that element; 404 when there is none."""
    timers = list(session.scalars(select(Timer).where(Timer.instance_id == instance_id,
                                                      Timer.element_id == element_id)))
    tasks = list(session.scalars(select(Task).where(
        Task.instance_id == instance_id, Task.element_id == element_id, Task.state.in_(OPEN_TASK_STATES),
        Task.due_at.is_not(None))))
    if not timers and not tasks:
        raise NotFound(f"instance {instance_id} has no pending deadline at element '{element_id}'")
    return timers, tasks


def _check_new_due(new_due: datetime, current: datetime) -> None:
    if new_due <= clock.now():
        raise Invalid("new_due is not in the future", {"new_due": ["must be in the future"]})
    if new_due <= current:
        raise Invalid(f"new_due must be later than the current due time {current.isoformat()}",
                      {"new_due": ["must be later than the current due time"]})
