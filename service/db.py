"""Database handle, time-zone-safe columns, and the unit of work every use case runs in."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# What a use case committed is what it returns: reading it back must not cost a SELECT per object.
# (A rollback still expires everything, so the next transaction of a request reads fresh rows.)
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


class UtcDateTime(TypeDecorator):
    """Stores UTC (naive on SQLite), always hands back aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout, and manual transactions so that writers can BEGIN IMMEDIATE."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


@contextmanager
def unit_of_work(keep_loaded: bool = False) -> Iterator:
    """One write transaction: commit on success, roll back on any error.

    Any read transaction is ended first so the write one starts as a writer. That normally expires
    every loaded object (fresh rows inside the write transaction); `keep_loaded` keeps them for a
    caller that re-reads what must be fresh itself and relies on optimistic version checks for the rest.
    """
    session = db.session
    if keep_loaded and not (session.new or session.dirty or session.deleted):
        session.commit()  # nothing to write; expire_on_commit is off, so loaded rows stay loaded
    else:
        session.rollback()
    token = _write_intent.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_intent.reset(token)


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"
