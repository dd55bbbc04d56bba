"""Deployments and the immutable process versions and form versions they create."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UtcDateTime, db


class Deployment(db.Model):
    __tablename__ = "deployment"
    id: Mapped[int] = mapped_column(primary_key=True)
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    deployed_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeploymentFile(db.Model):
    __tablename__ = "deployment_file"
    __table_args__ = (UniqueConstraint("deployment_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class FormVersion(db.Model):
    """A form-js definition as deployed; the latest per form_id serves later deployments."""

    __tablename__ = "form_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(200), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"))
    checksum: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)


class ProcessVersion(db.Model):
    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(400))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"), index=True)
    checksum: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(String(255))
    # The large columns load only when read: the per-process caches in engine_host keep their parsed form.
    bpmn_xml: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    spec: Mapped[str] = mapped_column(Text, deferred=True)
    elements: Mapped[str] = mapped_column(Text, deferred=True)
    forms: Mapped[str] = mapped_column(Text, deferred=True)
    note: Mapped[str] = mapped_column(Text, default="")
    deployed_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ticket_prefix: Mapped[str] = mapped_column(String(16), default="WF", server_default="WF")
