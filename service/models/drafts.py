"""Drafts: diagrams (and the forms edited with them) that analysts work on before an admin deploys them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UtcDateTime, db

DRAFT_STATES = ("editing", "submitted", "deployed")


class Draft(db.Model):
    __tablename__ = "draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(400))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[str] = mapped_column(Text, default="{}")  # JSON {form_id: form-js schema}
    author: Mapped[str] = mapped_column(String(80))
    updated_by: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="editing", index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    based_on_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deployed_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
