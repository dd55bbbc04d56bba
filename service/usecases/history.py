"""The case history: one line per thing that happened, written at once (lines keep the order they were recorded in)."""

from __future__ import annotations

import json

from sqlalchemy import insert

from .. import clock
from ..models import HistoryEntry

_ADD_HISTORY = insert(HistoryEntry.__table__)  # built once: this runs on every step of every case


def jsonable(value: object) -> object:
    """Case data as JSON values (dates and other objects become strings)."""
    return json.loads(json.dumps(value, default=str))


def record(session, instance_id: int, actor: str, action: str, element_id: str | None = None,
           data: dict | None = None) -> None:
    session.execute(_ADD_HISTORY, {"instance_id": instance_id, "at": clock.now(), "actor": actor, "action": action,
                                   "element_id": element_id, "data": jsonable(data) if data is not None else None})
