"""The task list, claiming, and completing a task with validated form data."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, delete, false, func, literal, or_, select, tuple_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from .. import clock, forms
from ..db import UtcDateTime, db, unit_of_work
from ..engine import api as engine_api
from ..engine_host import engine, form_of, loaded_spec
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import OPEN_TASK_STATES, Instance, ProcessVersion, Task, TaskCandidate
from .access import Actor
from .history import record
from .instances import MAX_RETRIES
from .sync import apply_snapshot

PAGE_MAX = 200
TASK, CANDIDATE = Task.__table__, TaskCandidate.__table__
# Completing: only while still open and not taken by someone else meanwhile (built once; see sync.py).
_COMPLETE_TASK = update(TASK).where(
    TASK.c.id == bindparam("b_id"), TASK.c.state.in_(OPEN_TASK_STATES),
    or_(TASK.c.assignee.is_(None), TASK.c.assignee == bindparam("b_me")),
).values(state="completed", completed_by=bindparam("b_me"), completed_at=bindparam("b_at"))
_DROP_CANDIDATES = delete(CANDIDATE).where(CANDIDATE.c.task_id == bindparam("b_id"))
# A task with its instance and process version, in one statement.
_CASE_OF_TASK = (select(Task, Instance, ProcessVersion).join(Instance, Instance.id == Task.instance_id)
                 .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
                 .where(Task.id == bindparam("b_id")))


@dataclass(frozen=True)
class TaskQuery:
    group: str | None = None
    assignee: str | None = None
    process_id: str | None = None
    state: str | None = None
    due_before: datetime | None = None
    cursor: str | None = None
    limit: int = 50
    scope: str | None = None  # mine | groups | all: the tabs of the task list page
    q: str | None = None  # text in the task name
    sort: str = "created"  # created | -created | due | -due


SCOPES = ("mine", "groups", "all")
SORTS = ("created", "-created", "due", "-due")
# Tasks without a due time sort after every dated one, in both directions.
_NO_DUE_ASC = datetime(9999, 12, 31, tzinfo=UTC)
_NO_DUE_DESC = datetime(1970, 1, 1, tzinfo=UTC)


def _sort_key(sort: str):
    if sort in ("due", "-due"):
        missing = _NO_DUE_ASC if sort == "due" else _NO_DUE_DESC
        return func.coalesce(Task.due_at, literal(missing, UtcDateTime()))
    return Task.created_at


def _key_value(task: Task, sort: str) -> datetime:
    if sort in ("due", "-due"):
        return task.due_at or (_NO_DUE_ASC if sort == "due" else _NO_DUE_DESC)
    return task.created_at


def _encode_cursor(task: Task, sort: str = "created") -> str:
    value = [_key_value(task, sort).isoformat(), task.id]
    raw = json.dumps(value if sort == "created" else [sort, *value])  # the original shape for the default sort
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str, sort: str = "created") -> tuple[datetime, str]:
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if len(parts) == 3:
            if parts.pop(0) != sort:
                raise ValueError("the cursor belongs to another sort order")
        elif sort != "created":
            raise ValueError("the cursor belongs to another sort order")
        key, task_id = parts
        return datetime.fromisoformat(key), str(task_id)
    except (ValueError, TypeError) as exc:
        raise Invalid("cursor is not one this service handed out", {"cursor": ["invalid"]}) from exc


def list_tasks(actor: Actor, query: TaskQuery) -> tuple[list[Task], str | None]:
    """Tasks the actor may see, oldest first unless sorted otherwise, with keyset pagination."""
    states = _states(query.state)
    if query.sort not in SORTS:
        raise Invalid(f"sort must be one of {', '.join(SORTS)}", {"sort": ["unknown sort order"]})
    stmt, by_candidate = _whose(select(Task).where(Task.state.in_(states)), actor, query, states)
    if query.process_id:
        stmt = stmt.where(Task.process_id == query.process_id)
    if query.due_before:
        stmt = stmt.where(Task.due_at <= query.due_before)
    if query.q and query.q.strip():
        stmt = stmt.where(Task.name.ilike(_contains(query.q.strip()), escape="\\"))
    return _page(stmt, query, by_candidate and query.sort in ("created", "-created"))


def _whose(stmt, actor: Actor, query: TaskQuery, states: tuple[str, ...]):
    """Restrict to the tab, group or person asked for; True when it is one group's open tasks
    (then the candidate index gives the order)."""
    open_only = set(states) <= set(OPEN_TASK_STATES)
    if query.scope == "groups" and len(actor.groups) == 1 and open_only:
        (compound_id, group), = actor.groups
        return _of_group(stmt, group, {compound_id}), True
    if query.scope:
        return stmt.where(scope_clause(actor, query.scope, states)), False
    if query.group:
        compounds = {c for c, g in actor.groups if g == query.group}
        if not compounds and not actor.sees_all:
            raise Forbidden(f"you are not a member of group '{query.group}'")
        compounds = compounds or set(actor.compounds)
        if open_only:
            return _of_group(stmt, query.group, compounds), True
        return stmt.where(Task.compound_id.in_(compounds), Task.groups.contains(query.group)), False
    if query.assignee:
        name = actor.username if query.assignee == "me" else query.assignee
        if name != actor.username and not actor.sees_all:
            raise Forbidden("you may only list your own tasks")
        return stmt.where(Task.assignee == name, Task.compound_id.in_(actor.compounds)), False
    if actor.sees_all:
        return stmt.where(Task.compound_id.in_(actor.compounds)), False
    return stmt.where(_mine(actor)), False


def _of_group(stmt, group: str, compounds: set[int]):
    return stmt.join(TaskCandidate, TaskCandidate.task_id == Task.id).where(
        TaskCandidate.group_name == group, TaskCandidate.compound_id.in_(compounds))


def _page(stmt, query: TaskQuery, by_candidate: bool = False) -> tuple[list[Task], str | None]:
    """One page in the query's sort order, after its cursor (keyset pagination on sort key and id).

    On one group's list the creation order is read from the candidate row (same time and task id as
    the task), so the candidate index serves filter, order and cursor alike: no sort, no scan.
    """
    key, task_key = (TaskCandidate.created_at, TaskCandidate.task_id) if by_candidate else (
        _sort_key(query.sort), Task.id)
    descending = query.sort.startswith("-")
    if query.cursor:
        after, task_id = _decode_cursor(query.cursor, query.sort)
        bound = literal(after, UtcDateTime())
        # A row-value comparison, so the index seeks straight to the cursor instead of filtering up to it.
        after_cursor = tuple_(key, task_key) < tuple_(bound, literal(task_id)) if descending else (
            tuple_(key, task_key) > tuple_(bound, literal(task_id)))
        stmt = stmt.where(after_cursor)
    order = (key.desc(), task_key.desc()) if descending else (key, task_key)
    limit = max(1, min(query.limit, PAGE_MAX))
    rows = list(db.session.scalars(stmt.order_by(*order).limit(limit + 1)))
    next_cursor = _encode_cursor(rows[limit - 1], query.sort) if len(rows) > limit else None
    return rows[:limit], next_cursor


def _contains(text: str) -> str:
    """A LIKE pattern matching the text anywhere, its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def scope_clause(actor: Actor, scope: str, states: tuple[str, ...] = OPEN_TASK_STATES):
    """The tasks of one tab of the task list: mine (held by or offered to me), my groups', all I may see."""
    if scope == "mine":
        offered = and_(Task.assignee.is_(None), Task.candidate_user == actor.username)
        return and_(or_(Task.assignee == actor.username, offered), Task.compound_id.in_(actor.compounds))
    if scope == "groups":
        if not actor.groups:
            return false()
        if set(states) <= set(OPEN_TASK_STATES):
            pairs = [and_(TaskCandidate.group_name == g, TaskCandidate.compound_id == c) for c, g in actor.groups]
            return Task.id.in_(select(TaskCandidate.task_id).where(or_(*pairs)))
        return or_(*[and_(Task.compound_id == c, Task.groups.contains(g)) for c, g in actor.groups])
    if scope == "all":
        if not actor.sees_all:
            raise Forbidden("only admins and managers may list every task of their compounds")
        return Task.compound_id.in_(actor.compounds)
    raise Invalid(f"scope must be one of {', '.join(SCOPES)}", {"scope": ["unknown scope"]})


def count_tasks(actor: Actor, day_end: datetime) -> dict:
    """Open tasks per tab of the task list, with how many are overdue and due by `day_end` (end of today)."""
    now = clock.now()
    counts: dict = {}
    for scope in SCOPES:
        if scope == "all" and not actor.sees_all:
            continue
        where = and_(Task.state.in_(OPEN_TASK_STATES), scope_clause(actor, scope))
        row = db.session.execute(select(
            func.count(Task.id),
            func.count(Task.id).filter(Task.due_at < now),
            func.count(Task.id).filter(and_(Task.due_at >= now, Task.due_at < day_end)),
        ).where(where)).one()
        counts[scope] = {"open": row[0], "overdue": row[1], "due_today": row[2]}
    return counts


def case_labels(tasks: list[Task]) -> dict[int, tuple[str, str | None]]:
    """Process name and ticket number of each task's instance."""
    ids = {t.instance_id for t in tasks}
    if not ids:
        return {}
    rows = db.session.execute(select(Instance.id, Instance.ticket, ProcessVersion.name)
                              .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
                              .where(Instance.id.in_(ids)))
    return {iid: (name, ticket) for iid, ticket, name in rows}


def _states(state: str | None) -> tuple[str, ...]:
    if state in (None, "", "open"):
        return OPEN_TASK_STATES
    allowed = ("ready", "claimed", "completed", "cancelled")
    if state not in allowed:
        raise Invalid(f"state must be open or one of {', '.join(allowed)}", {"state": ["unknown state"]})
    return (state,)


def _mine(actor: Actor):
    group_clauses = [and_(TaskCandidate.group_name == g, TaskCandidate.compound_id == c) for c, g in actor.groups]
    in_groups = Task.id.in_(select(TaskCandidate.task_id).where(or_(*group_clauses))) if group_clauses else None
    clauses = [Task.assignee == actor.username, Task.candidate_user == actor.username]
    if in_groups is not None:
        clauses.append(in_groups)
    return or_(*clauses)


def visible_task(actor: Actor, task_id: str) -> Task:
    return _visible(actor, task_id, db.session.get(Task, task_id))


def _visible(actor: Actor, task_id: str, task: Task | None) -> Task:
    if task is None:
        raise NotFound(f"no task {task_id}")
    if not actor.may_see_task(task):
        raise Forbidden(f"task {task_id} belongs to group(s) {task.groups or '-'}; you are not a member")
    return task


def open_tasks_of(instance_id: int) -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.instance_id == instance_id,
                                                      Task.state.in_(OPEN_TASK_STATES)).order_by(Task.created_at)))


def task_form(task: Task, version: ProcessVersion | None = None) -> dict | None:
    if not task.form_id:
        return None
    if version is None:
        instance = db.session.get(Instance, task.instance_id)
        version = db.session.get(ProcessVersion, instance.process_version_id)
    return form_of(version, task.form_id)


def claim(actor: Actor, task_id: str) -> Task:
    with unit_of_work():
        task = _workable(actor, task_id)
        if task.assignee and task.assignee != actor.username:
            raise Conflict(f"task {task_id} is claimed by {task.assignee}")
        task.assignee, task.state = actor.username, "claimed"
        record(db.session, task.instance_id, actor.username, "claimed", task.element_id)
    return task


def unclaim(actor: Actor, task_id: str) -> Task:
    with unit_of_work():
        task = _workable(actor, task_id)
        if task.assignee != actor.username and actor.role not in ("admin", "manager"):
            raise Conflict(f"task {task_id} is claimed by {task.assignee or 'nobody'}")
        task.assignee, task.state = None, "ready"
        record(db.session, task.instance_id, actor.username, "unclaimed", task.element_id)
    return task


def _workable(actor: Actor, task_id: str, task: Task | None = None) -> Task:
    task = visible_task(actor, task_id) if task is None else _visible(actor, task_id, task)
    if not actor.may_work(task):
        raise Forbidden(f"only members of {task.groups or task.candidate_user} may work on task {task_id}")
    if task.state not in OPEN_TASK_STATES:
        raise Conflict(f"task {task_id} is already {task.state}")
    return task


def _validated(task: Task, version: ProcessVersion, data: object) -> dict:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Invalid("data must be a JSON object", {"data": ["must be an object"]})
    form = task_form(task, version)
    if form is None:
        return data
    clean, errors = forms.validate_submission(form, data)
    if errors:
        raise Invalid("the form has errors; nothing was saved", errors)
    return clean


@dataclass(frozen=True)
class Completed:
    """A completed task and what its instance now waits for (the page opens the next task directly)."""

    task: Task
    open_tasks: list[Task]
    labels: dict[int, tuple[str, str | None]]


class _Changed(Exception):
    """The instance moved on between computing the step and writing it."""


def complete(actor: Actor, task_id: str, data: object) -> Completed:
    """Validate the data against the task's form and move the instance on.

    The engine step is computed outside the write transaction and written only if the instance is
    still at the version it was computed from (optimistic locking); otherwise it is computed again.
    A conflict with another task of the same instance (a parallel branch) is retried here; 409 means
    this task itself was completed or taken by someone else.
    """
    for _ in range(MAX_RETRIES):
        db.session.rollback()  # a retry reads everything afresh
        task, instance, version = db.session.execute(_CASE_OF_TASK, {"b_id": task_id}).first() or (None,) * 3
        task = _workable(actor, task_id, task)
        _check_holder(actor, task)
        clean = _validated(task, version, data)
        if instance.status != "running":
            raise Conflict(f"instance {instance.id} is {instance.status}")
        try:
            snap = engine().complete(loaded_spec(version), instance.state, task.id, clean)
        except engine_api.TaskNotReady as exc:
            raise Conflict(str(exc)) from exc
        try:
            return _write_completion(actor, task, instance, version, snap, clean)
        except (_Changed, StaleDataError):
            continue
    raise Conflict("the case kept changing while this task was being completed; try again")


def _check_holder(actor: Actor, task: Task) -> None:
    if task.assignee and task.assignee != actor.username:
        raise Conflict(f"task {task.id} is claimed by {task.assignee}")


def _write_completion(actor: Actor, task: Task, instance: Instance, version: ProcessVersion, snap,
                      clean: dict) -> Completed:
    """Write the step computed from `instance` as read; the instance's lock_version guards the update.

    The task's UPDATE is itself conditional (still open, not taken by someone else meanwhile: a claim
    does not move the instance's version); the instance's UPDATE … WHERE lock_version = … fails if
    anything moved the instance on. Either way the step is computed again from fresh rows.
    """
    with unit_of_work(keep_loaded=True) as session:
        now = clock.now()
        if session.execute(_COMPLETE_TASK, {"b_id": task.id, "b_me": actor.username, "b_at": now}).rowcount != 1:
            raise _Changed()
        for name, value in (("state", "completed"), ("completed_by", actor.username), ("completed_at", now)):
            set_committed_value(task, name, value)
        session.execute(_DROP_CANDIDATES, {"b_id": task.id})
        record(session, instance.id, actor.username, "task_completed", task.element_id, clean)
        open_tasks = apply_snapshot(session, instance, version, snap, actor.username)
    return Completed(task, open_tasks, {instance.id: (version.name, instance.ticket)})
