"""Human ticket numbers: <prefix>-<local date>-<4-digit sequence>, e.g. TS-20261127-0001."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..db import is_postgresql, unit_of_work
from ..models import TicketCounter

DEFAULT_PREFIX = "WF"
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")


def clean_prefix(value: str | None) -> str:
    """The process's `ticket_prefix` property, upper-cased; the default when absent or unusable."""
    prefix = (value or "").strip().upper()
    return prefix if _PREFIX.match(prefix) else DEFAULT_PREFIX


def allocate(prefix: str, count: int = 1) -> list[str]:
    """Hand out `count` consecutive numbers in a transaction of their own (a failed start leaves a gap)."""
    day = clock.now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y%m%d")
    insert = pg_insert if is_postgresql() else sqlite_insert
    with unit_of_work() as session:
        session.execute(insert(TicketCounter).values(prefix=prefix, day=day, last=0).on_conflict_do_nothing())
        row = session.scalar(select(TicketCounter).where(TicketCounter.prefix == prefix, TicketCounter.day == day)
                             .with_for_update())
        first = row.last + 1
        row.last += count
    return [f"{prefix}-{day}-{number:04d}" for number in range(first, first + count)]
