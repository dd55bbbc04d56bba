"""Human ticket numbers: <prefix>-<local date>-<4-digit sequence>, e.g. TS-20261127-0001."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam
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
    """Hand out `count` consecutive numbers in a transaction of their own (a failed start leaves a gap).

    One upsert that counts on and returns the new last number: atomic on both databases."""
    day = clock.now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y%m%d")
    with unit_of_work(keep_loaded=True) as session:  # what the caller read stays loaded
        last = session.execute(_COUNT_ON[is_postgresql()], {"prefix": prefix, "day": day, "last": count}).scalar_one()
    first = last - count + 1
    return [f"{prefix}-{day}-{number:04d}" for number in range(first, first + count)]


def _count_on(insert):
    table = TicketCounter.__table__
    stmt = insert(table).values(prefix=bindparam("prefix"), day=bindparam("day"), last=bindparam("last"))
    return stmt.on_conflict_do_update(index_elements=[table.c.prefix, table.c.day],
                                      set_={"last": table.c.last + stmt.excluded.last}).returning(table.c.last)


_COUNT_ON = {False: _count_on(sqlite_insert), True: _count_on(pg_insert)}
