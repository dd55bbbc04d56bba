"""The working-day calendar's database part (overrides, imported schedules) and SLA records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UtcDateTime, db


class CalendarYear(db.Model):
    """A year whose official schedule (holidays and 调休 make-up days) has been imported: not provisional."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(400))
    url: Mapped[str | None] = mapped_column(String(1000))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    imported_by: Mapped[str] = mapped_column(String(80))


class CalendarDay(db.Model):
    """One date decided by hand: an official schedule's day (`official`, belongs to `year`), a company
    holiday or duty day (`compound` empty), or one compound's own rest or duty day."""

    __tablename__ = "calendar_day"
    __table_args__ = (Index("ix_calendar_day_day_compound", "day", "compound"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    working: Mapped[bool] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    compound: Mapped[str | None] = mapped_column(String(64))  # Compound.code; None: company-wide
    official: Mapped[bool] = mapped_column(default=False)
    year: Mapped[int | None] = mapped_column(ForeignKey("calendar_year.year", ondelete="CASCADE"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CalendarRevision(db.Model):
    """A single row counting calendar changes: every process compares it to rebuild its cached calendar."""

    __tablename__ = "calendar_revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SlaRecord(db.Model):
    """One service commitment of one case: started, due, closed as met or breached, time it took.

    `kind` says what keeps it: a timer boundary event (`timer`, breached when the timer fires) or a
    user task with a due date (`task`, met when completed by `due_at`). Paused working time (a
    `sla_pause` task open) is counted in `paused_seconds` and left out of `working_seconds`.
    """

    __tablename__ = "sla_record"
    __table_args__ = (
        Index("ix_sla_record_instance_open", "instance_id", "completed_at"),
        Index("ix_sla_record_report", "commitment", "started_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"))
    compound_id: Mapped[int] = mapped_column(Integer)
    process_id: Mapped[str] = mapped_column(String(200))
    commitment: Mapped[str] = mapped_column(String(64))
    element_id: Mapped[str] = mapped_column(String(200))
    task_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    met: Mapped[bool | None] = mapped_column()
    working_seconds: Mapped[int | None] = mapped_column(Integer)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    extended: Mapped[bool] = mapped_column(default=False, server_default=false())
    provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
