"""Timer start events: schedule them at deploy, start a new instance per compound when one is due.

A due schedule row is claimed and moved on to its next due time in one short transaction (row lock with
SKIP LOCKED on PostgreSQL), so several schedulers start each round exactly once; the instances are then
started one per compound. A crash between the two loses that round rather than doubling it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select

from .. import clock
from ..db import db, is_postgresql, unit_of_work
from ..engine import api as engine_api
from ..engine_host import engine, loaded_spec
from ..models import Compound, Instance, ProcessVersion, StartTimer
from . import tickets
from .history import jsonable, record
from .sync import apply_snapshot

log = logging.getLogger(__name__)
ACTOR = "scheduler"


def schedule(session, version: ProcessVersion, start_timers) -> None:
    """Replace the process's schedule with the timer start events of this (new, latest) version."""
    session.execute(delete(StartTimer).where(StartTimer.process_id == version.process_id))
    now = clock.now()
    for element_id, kind, text in start_timers:
        try:
            value = str(engine().evaluate(text, {}))
            due = engine_api.due_after(kind, value, now, now, None)
        except Exception as exc:  # noqa: BLE001 - a timer that needs case data cannot start instances by itself
            log.info("timer start %s of %s is not scheduled: %s", element_id, version.process_id, exc)
            continue
        if due is not None:
            session.add(StartTimer(process_id=version.process_id, process_version_id=version.id,
                                   element_id=element_id, kind=kind, value=value, deployed_at=now, next_due=due))


def fire_start_timers(now: datetime | None = None) -> int:
    """Start the instances of every due timer start event; returns how many were started."""
    now = now or clock.now()
    started = 0
    due_ids = list(db.session.scalars(select(StartTimer.id).where(StartTimer.next_due <= now)
                                      .order_by(StartTimer.next_due)))
    db.session.rollback()
    for row_id in due_ids:
        claimed = _claim(row_id, now)
        if claimed is not None:
            started += _start_round(*claimed)
    return started


def _claim(row_id: int, now: datetime) -> tuple[int, str, datetime] | None:
    with unit_of_work() as session:
        stmt = select(StartTimer).where(StartTimer.id == row_id, StartTimer.next_due <= now)
        if is_postgresql():
            stmt = stmt.with_for_update(skip_locked=True)
        row = session.scalar(stmt)
        if row is None:
            return None
        due = row.next_due
        following = engine_api.due_after(row.kind, row.value, now, row.deployed_at, due)
        if following is None:
            session.delete(row)
        else:
            row.last_due, row.next_due = due, following
        return row.process_version_id, row.element_id, due


def _start_round(version_id: int, element_id: str, due: datetime) -> int:
    version = db.session.get(ProcessVersion, version_id)
    compounds = list(db.session.scalars(select(Compound.id).order_by(Compound.id)))
    loaded, prefix = loaded_spec(version), version.ticket_prefix
    db.session.rollback()
    for compound_id in compounds:
        ticket = tickets.allocate(prefix)[0]
        snap = engine_api.start_fired(engine(), loaded, {"ticket_no": ticket})
        with unit_of_work() as session:
            version = session.get(ProcessVersion, version_id)
            now = clock.now()
            instance = Instance(process_version_id=version.id, process_id=version.process_id,
                                version=version.version, compound_id=compound_id, status=snap.status,
                                state=snap.state, data={}, started_by=ACTOR, created_at=now, updated_at=now,
                                ticket=ticket)
            session.add(instance)
            session.flush()
            record(session, instance.id, ACTOR, "started", element_id,
                   {"process_id": version.process_id, "version": version.version, "timer_due": due.isoformat()})
            record(session, instance.id, ACTOR, "timer_fired", element_id, {"due_at": due.isoformat()})
            apply_snapshot(session, instance, version, snap, ACTOR)
    return len(compounds)


def jsonable_schedule(process_id: str) -> list[dict]:
    """The pending schedule of a process (for the API and the admin page)."""
    rows = db.session.scalars(select(StartTimer).where(StartTimer.process_id == process_id))
    return jsonable([{"element_id": r.element_id, "next_due": r.next_due, "timer": r.value} for r in rows])
