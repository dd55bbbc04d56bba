"""Start instances, read them, deliver messages and errors, cancel them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..db import db, unit_of_work
from ..engine import api as engine_api
from ..engine_host import engine, loaded_spec
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import Compound, HistoryEntry, Instance, ProcessVersion, Task, Timer
from . import tickets
from .access import Actor
from .history import jsonable, record
from .sync import apply_snapshot

WORKER_ROLES = ("staff", "manager", "admin")
MAX_RETRIES = 5


def latest_version(process_id: str) -> ProcessVersion:
    version = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                                .order_by(ProcessVersion.version.desc()).limit(1))
    if version is None:
        raise NotFound(f"no process '{process_id}' is deployed")
    return version


def _compound_for(actor: Actor, code: str | None) -> int:
    if code:
        compound = db.session.scalar(select(Compound).where(Compound.code == code))
        if compound is None:
            raise Invalid(f"unknown compound '{code}'", {"compound": ["unknown compound"]})
        if not actor.in_compound(compound.id):
            raise Forbidden(f"you are not a member of compound '{code}'")
        return compound.id
    if len(actor.compounds) == 1:
        return next(iter(actor.compounds))
    if not actor.compounds:
        raise Forbidden("you belong to no compound; ask an admin to add you to one")
    raise Invalid("you belong to several compounds: say which one", {"compound": ["required"]})


def start_instance(actor: Actor, process_id: str, data: dict | None, compound: str | None = None) -> Instance:
    """Start the latest version of a process for the actor's compound."""
    actor.require(*WORKER_ROLES)
    if data is not None and not isinstance(data, dict):
        raise Invalid("data must be a JSON object", {"data": ["must be an object"]})
    # The engine runs before the write transaction: on SQLite the write lock is held only for the writes.
    version = latest_version(process_id)
    compound_id = _compound_for(actor, compound)
    loaded = loaded_spec(version)
    ticket = tickets.allocate(version.ticket_prefix)[0]
    snap = engine().start(loaded, jsonable({**(data or {}), "ticket_no": ticket}))
    with unit_of_work(keep_loaded=True) as session:  # the version is immutable: no need to read it again
        now = clock.now()
        instance = Instance(
            process_version_id=version.id, process_id=version.process_id, version=version.version,
            compound_id=compound_id, status=snap.status, state=snap.state, data={}, started_by=actor.username,
            created_at=now, updated_at=now, ticket=ticket,
        )
        session.add(instance)
        session.flush()
        record(session, instance.id, actor.username, "started", None,
               {"process_id": version.process_id, "version": version.version, "data": data or {}})
        apply_snapshot(session, instance, version, snap, actor.username, new=True)
    return instance


def visible_instance(actor: Actor, instance_id: int) -> Instance:
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"no instance {instance_id}")
    if not actor.in_compound(instance.compound_id):
        raise Forbidden(f"instance {instance_id} belongs to a compound you are not a member of")
    return instance


def instance_view(actor: Actor, instance_id: int) -> dict:
    """Status, version, data, open tasks, pending timers and history of one instance."""
    instance = visible_instance(actor, instance_id)
    tasks = db.session.scalars(select(Task).where(Task.instance_id == instance.id).order_by(Task.created_at))
    timers = db.session.scalars(select(Timer).where(Timer.instance_id == instance.id).order_by(Timer.due_at))
    history = db.session.scalars(select(HistoryEntry).where(HistoryEntry.instance_id == instance.id)
                                 .order_by(HistoryEntry.id))
    version = db.session.get(ProcessVersion, instance.process_version_id)
    return {"instance": instance, "tasks": list(tasks), "timers": list(timers), "history": list(history),
            "waiting": waiting_events(instance, version), "process_version": version}


def waiting_events(instance: Instance, version: ProcessVersion) -> list[engine_api.WaitingEvent]:
    """The messages (and other non-timer events) a running instance waits for, read from its state."""
    if instance.status not in ("running", "incident"):
        return []
    if instance.waiting is not None:
        return [engine_api.WaitingEvent(**w) for w in instance.waiting]
    return list(engine().resume(loaded_spec(version), instance.state, dump=False).snapshot.waiting)


def with_retries(step: Callable[[], object]) -> object:
    """Run a write step again when another transaction changed the same instance first."""
    for attempt in range(MAX_RETRIES):
        try:
            return step()
        except StaleDataError:
            if attempt == MAX_RETRIES - 1:
                raise Conflict("the case was changed by someone else at the same moment; try again") from None
    return None


def deliver_message(actor: Actor, instance_id: int, name: str, payload: dict | None,
                    correlations: dict | None = None) -> Instance:
    actor.require(*WORKER_ROLES)
    if payload is not None and not isinstance(payload, dict):
        raise Invalid("data must be a JSON object", {"data": ["must be an object"]})

    def step() -> Instance:
        with unit_of_work() as session:
            instance = _running(actor, instance_id)
            version = db.session.get(ProcessVersion, instance.process_version_id)
            try:
                snap = engine().deliver_message(loaded_spec(version), instance.state, name, jsonable(payload or {}),
                                                correlations)
            except engine_api.NotWaiting as exc:
                raise Conflict(f"instance {instance_id} is {exc}") from exc
            record(session, instance.id, actor.username, "message_received", None,
                   {"message": name, "data": payload or {}})
            apply_snapshot(session, instance, version, snap, actor.username)
            return instance
    return with_retries(step)


def throw_event(actor: Actor, instance_id: int, kind: str, name: str, code: str | None) -> Instance:
    """Deliver a BPMN error or escalation from outside the instance."""
    actor.require(*WORKER_ROLES)

    def step() -> Instance:
        with unit_of_work() as session:
            instance = _running(actor, instance_id)
            version = db.session.get(ProcessVersion, instance.process_version_id)
            try:
                snap = engine().throw(loaded_spec(version), instance.state, kind, name, code)
            except engine_api.NotWaiting as exc:
                raise Conflict(f"instance {instance_id} is {exc}") from exc
            record(session, instance.id, actor.username, f"{kind}_received", None, {"name": name, "code": code})
            apply_snapshot(session, instance, version, snap, actor.username)
            return instance
    return with_retries(step)


def cancel_instance(actor: Actor, instance_id: int, reason: str = "") -> Instance:
    actor.require("admin", "manager")
    with unit_of_work() as session:
        instance = _running(actor, instance_id)
        version = db.session.get(ProcessVersion, instance.process_version_id)
        instance.status = "cancelled"
        instance.ended_at = clock.now()
        record(session, instance.id, actor.username, "cancelled", None, {"reason": reason})
        snap = engine_api.Snapshot(state=instance.state, status="cancelled", data=instance.data)
        apply_snapshot(session, instance, version, snap, actor.username)
    return instance


def _running(actor: Actor, instance_id: int) -> Instance:
    instance = visible_instance(actor, instance_id)
    if instance.status in ("completed", "cancelled"):
        raise Conflict(f"instance {instance_id} is {instance.status}")
    return instance


def start_many(actor: Actor, process_id: str, datas: list[dict], compound: str | None = None) -> list[int]:
    """Bulk path (imports, seeding): start many instances of the latest version in one transaction."""
    actor.require("admin")
    ids = []
    numbers = tickets.allocate(latest_version(process_id).ticket_prefix, len(datas)) if datas else []
    with unit_of_work() as session:
        version = latest_version(process_id)
        compound_id = _compound_for(actor, compound)
        loaded = loaded_spec(version)
        now = clock.now()
        started = []
        for data, ticket in zip(datas, numbers, strict=True):
            snap = engine().start(loaded, jsonable({**(data or {}), "ticket_no": ticket}))
            instance = Instance(
                process_version_id=version.id, process_id=version.process_id, version=version.version,
                compound_id=compound_id, status=snap.status, state=snap.state, data={},
                started_by=actor.username, created_at=now, updated_at=now, ticket=ticket,
            )
            session.add(instance)
            started.append((instance, snap))
        session.flush()  # one batched INSERT … RETURNING for the ids
        for instance, snap in started:
            record(session, instance.id, actor.username, "started", None,
                   {"process_id": version.process_id, "version": version.version, "bulk": True})
            apply_snapshot(session, instance, version, snap, actor.username, new=True)
            ids.append(instance.id)
    return ids
