"""Fire due timers: claimed one instance at a time, safe with several schedulers on one database."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..db import db, is_postgresql, unit_of_work
from ..engine_host import engine, loaded_spec
from ..models import Instance, ProcessVersion, Timer
from .sync import apply_snapshot

log = logging.getLogger(__name__)


def next_due() -> datetime | None:
    """When the earliest pending timer is due (the scheduler sleeps until then)."""
    return db.session.scalar(select(func.min(Timer.due_at)))


BATCH_BUDGET_S = 0.02  # one write transaction fires instances for at most this long (SQLite has one writer)
BATCH_MAX = 64
CHUNK = 8  # instances loaded per query inside a batch (a batch often ends on its time budget first)


def fire_batch(now: datetime | None = None) -> int:
    """Fire the due timers of a batch of instances in one transaction; 0 when nothing is due.

    The batch is the earliest-due timers' instances, claimed with FOR UPDATE SKIP LOCKED on PostgreSQL
    so concurrent schedulers take disjoint batches; it stops after BATCH_BUDGET_S so the write lock is
    never held long. An instance whose timer the engine does not yet see as past (due to the
    microsecond) is left for the next pass.
    """
    now = now or clock.now()
    if db.session.scalar(select(Timer.id).where(Timer.due_at <= now).limit(1)) is None:
        db.session.rollback()
        return 0  # a read, so an idle scheduler never takes the write lock
    count = 0
    try:
        with unit_of_work() as session:
            stmt = (select(Timer.instance_id, Timer.task_id).where(Timer.due_at <= now)
                    .order_by(Timer.due_at, Timer.id).limit(BATCH_MAX))
            if is_postgresql():
                stmt = stmt.with_for_update(skip_locked=True)
            due: dict[int, str] = {}
            for instance_id, task_id in session.execute(stmt):
                due.setdefault(instance_id, task_id)  # the earliest due timer of each instance
            count = _fire_instances(session, due)
    except StaleDataError:
        log.info("a timer instance changed concurrently; retrying on the next pass")
        return 1
    return count


def _fire_instances(session, due: dict[int, str]) -> int:
    """Fire instance after instance (loaded CHUNK at a time) until the batch's time budget is spent."""
    started, count = time.perf_counter(), 0
    ids, versions = list(due), {}
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset:offset + CHUNK]
        # Held in this dict, so the identity map keeps them while they are fired.
        instances = {i.id: i for i in session.scalars(select(Instance).where(Instance.id.in_(chunk)))}
        missing = {i.process_version_id for i in instances.values()} - versions.keys()
        if missing:
            versions.update((v.id, v) for v in session.scalars(
                select(ProcessVersion).where(ProcessVersion.id.in_(missing))))
        for instance_id in chunk:
            instance = instances[instance_id]
            count += _fire_instance(session, instance, versions[instance.process_version_id], due[instance_id])
            if time.perf_counter() - started > BATCH_BUDGET_S:
                return count
    return count


def _fire_instance(session, instance: Instance, version: ProcessVersion, task_id: str) -> int:
    if instance.status != "running":
        session.execute(delete(Timer).where(Timer.instance_id == instance.id))
        return 1
    snap = engine().fire_timers(loaded_spec(version), instance.state)
    apply_snapshot(session, instance, version, snap, "scheduler")
    if not snap.fired and any(t.task_id == task_id for t in snap.timers):
        return 0  # due to the microsecond but not yet past it for the engine: next pass
    return 1


def fire_due(now: datetime | None = None, limit: int = 10_000) -> int:
    """Fire everything that is due now; returns how many instances were started or woken."""
    from .start_timers import fire_start_timers

    count = fire_start_timers(now)
    while count < limit:
        fired = fire_batch(now)
        if not fired:
            break
        count += fired
    return count
