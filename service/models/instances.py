"""Instances and their read models: tasks, candidate groups, timers, history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UtcDateTime, db

OPEN_TASK_STATES = ("ready", "claimed")


class Instance(db.Model):
    __tablename__ = "instance"
    __table_args__ = (Index("ix_instance_compound_status", "compound_id", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    ticket: Mapped[str | None] = mapped_column(String(40), unique=True)
    started_by: Mapped[str] = mapped_column(String(80))
    incident_element: Mapped[str | None] = mapped_column(String(200))
    incident_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The messages and other non-timer events it waits for, as of its last step (read model: the case
    # page needs no engine restore). None for rows written before the column existed.
    waiting: Mapped[list | None] = mapped_column(JSON, nullable=True)
    __mapper_args__ = {"version_id_col": lock_version}


class StartTimer(db.Model):
    """The schedule of a timer start event of the latest version: a new instance per due time."""

    __tablename__ = "start_timer"
    __table_args__ = (Index("ix_start_timer_due", "next_due", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(400))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_due: Mapped[datetime] = mapped_column(UtcDateTime())
    last_due: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TicketCounter(db.Model):
    """The last ticket number handed out per prefix and local day (TS-20261127-0001)."""

    __tablename__ = "ticket_counter"
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Task(db.Model):
    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_assignee_state", "assignee", "state", "created_at", "id"),
        Index("ix_task_compound_state", "compound_id", "state", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    process_id: Mapped[str] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(20))
    groups: Mapped[str] = mapped_column(String(400), default="")
    candidate_user: Mapped[str | None] = mapped_column(String(80))
    excluded_users: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    assignee: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16))
    form_id: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(80))


class TaskCandidate(db.Model):
    """One row per (open task, candidate group): the indexed path of the group task list."""

    __tablename__ = "task_candidate"
    __table_args__ = (Index("ix_task_candidate_lookup", "group_name", "compound_id", "created_at", "task_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    group_name: Mapped[str] = mapped_column(String(120))
    compound_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Timer(db.Model):
    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_due", "due_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(400))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Deadlines (calendar issue): the timer's expression, and whether a calendar function computed its due
    # time in a year whose schedule was not yet known; such timers are recomputed when it is imported.
    expression: Mapped[str | None] = mapped_column(Text)
    provisional: Mapped[bool] = mapped_column(default=False, server_default=false())


class HistoryEntry(db.Model):
    __tablename__ = "history"
    __table_args__ = (Index("ix_history_instance", "instance_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict | None] = mapped_column(JSON)
