"""Fire due timers: claimed one instance at a time, safe with several schedulers on one database."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import func, select
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
            stmt = select(Timer).where(Timer.due_at <= now).order_by(Timer.due_at, Timer.id).limit(BATCH_MAX)
            if is_postgresql():
                stmt = stmt.with_for_update(skip_locked=True)
            due = list(session.scalars(stmt))
            # One query for the batch's instances and versions, held here so the identity map keeps them.
            instances = {i.id: i for i in session.scalars(
                select(Instance).where(Instance.id.in_({t.instance_id for t in due})))}
            versions = {v.id: v for v in session.scalars(select(ProcessVersion).where(
                ProcessVersion.id.in_({i.process_version_id for i in instances.values()})))}
            started = time.perf_counter()
            done: set[int] = set()
            for timer in due:
                if timer.instance_id in done:
                    continue
                done.add(timer.instance_id)
                instance = instances[timer.instance_id]
                count += _fire_instance(session, timer, instance, versions[instance.process_version_id])
                if time.perf_counter() - started > BATCH_BUDGET_S:
                    break
    except StaleDataError:
        log.info("a timer instance changed concurrently; retrying on the next pass")
        return 1
    return count


def _fire_instance(session, timer: Timer, instance: Instance, version: ProcessVersion) -> int:
    if instance.status != "running":
        session.delete(timer)
        return 1
    snap = engine().fire_timers(loaded_spec(version), instance.state)
    apply_snapshot(session, instance, version, snap, "scheduler")
    if not snap.fired and any(t.task_id == timer.task_id for t in snap.timers):
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
