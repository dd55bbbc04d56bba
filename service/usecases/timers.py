"""Fire due timers: claimed one instance at a time, safe with several schedulers on one database."""

from __future__ import annotations

import logging
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


def fire_one(now: datetime | None = None) -> bool:
    """Fire the timers of one instance that has a due timer; False when nothing is due."""
    now = now or clock.now()
    try:
        with unit_of_work() as session:
            stmt = select(Timer).where(Timer.due_at <= now).order_by(Timer.due_at, Timer.id).limit(1)
            if is_postgresql():
                stmt = stmt.with_for_update(skip_locked=True)
            timer = session.scalar(stmt)
            if timer is None:
                return False
            instance = session.get(Instance, timer.instance_id)
            if instance.status != "running":
                session.delete(timer)
                return True
            version = session.get(ProcessVersion, instance.process_version_id)
            snap = engine().fire_timers(loaded_spec(version), instance.state)
            apply_snapshot(session, instance, version, snap, "scheduler")
            if not snap.fired and any(t.task_id == timer.task_id for t in snap.timers):
                return False  # due to the microsecond but not yet past it for the engine: next pass
    except StaleDataError:
        log.info("timer instance changed concurrently; retrying on the next pass")
    return True


def fire_due(now: datetime | None = None, limit: int = 10_000) -> int:
    """Fire everything that is due now; returns how many instances were started or woken."""
    from .start_timers import fire_start_timers

    count = fire_start_timers(now)
    while count < limit and fire_one(now):
        count += 1
    return count
