"""The scheduler process: sleeps until the next timer is due (or a short poll), fires, repeats."""

from __future__ import annotations

import logging
import signal
import time

from . import clock
from .db import db
from .usecases import timers

log = logging.getLogger(__name__)


def run(once: bool = False, poll: float = 0.2) -> int:
    """Fire due timers; with once=True a single pass. Never fires a timer before its due time."""
    if once:
        return timers.fire_due()
    stopping = {"flag": False}

    def _stop(signum, frame):
        stopping["flag"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    total = 0
    while not stopping["flag"]:
        try:
            total += timers.fire_due()
            due = timers.next_due()
            db.session.rollback()
        except Exception:  # noqa: BLE001 - a failed pass is logged and retried, the loop must live
            log.exception("scheduler pass failed")
            db.session.rollback()
            due = None
        wait = poll if due is None else min(poll, max(0.0, (due - clock.now()).total_seconds()))
        time.sleep(max(wait, 0.005))
    return total
