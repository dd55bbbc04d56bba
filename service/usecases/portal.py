"""The residents' portal: file a complaint or repair request, follow it by ticket number plus phone, rate the visit.

Residents have no account. Cases are started by a system actor ("portal", role staff, member of the default
compound, random password nobody knows); the desk then registers them as usual. Their photos are files in
<upload root>/<ticket>/ (checked as images when uploaded); a photo is only ever opened by a name listed from
that folder, never by a path built from the request.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from werkzeug.utils import secure_filename

from ..db import db, unit_of_work
from ..errors import Conflict, NotFound
from ..models import DEFAULT_COMPOUND, HistoryEntry, Instance, Task, Timer, User
from . import accounts, instances
from .access import Actor
from .history import record
from .tasks import open_tasks_of

PORTAL_USER = "portal"
PROCESSES = {"complaint": "complaint", "repair": "repair"}
RATINGS = ("满意", "基本满意", "不满意")
# The shared follow-up visit form (bpmn/followup_visit.bpmn, called by complaints and repairs): a task that
# shows it is the visit the resident may rate.
VISIT_FORM = "followup_visit"
PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
               ".webp": "image/webp"}


def portal_actor() -> Actor:
    """The system actor that starts residents' cases; created on first use with an unusable password."""
    user = db.session.scalar(select(User).where(User.username == PORTAL_USER))
    if user is None:
        user = accounts.create_user(PORTAL_USER, secrets.token_urlsafe(48), "staff", [], [DEFAULT_COMPOUND])
        user = db.session.scalar(select(User).where(User.username == PORTAL_USER))
    return Actor.of(user)


def file_case(kind: str, fields: dict, photos: list[dict]) -> Instance:
    """Start the latest `complaint` / `repair` version with the resident's data, channel online."""
    process_id = PROCESSES[kind]
    data = {"channel": "online", "resident_name": fields["resident_name"], "phone": fields["phone"],
            "unit": fields["unit"], "category": fields["category"], "content": fields["content"],
            "photos": photos, "source": "portal"}
    if kind == "repair":  # prefill the repair registration form's own keys too
        data.update({"fault_category": fields["category"], "fault_description": fields["content"]})
    return instances.start_instance(portal_actor(), process_id, data)


@dataclass
class CaseView:
    instance: Instance
    status: str  # accepted / in_progress / visit / closed / withdrawn
    open_tasks: list[Task]
    deadlines: list[tuple[str, datetime]]
    steps: list[tuple[str, datetime]]
    visit_task: Task | None = None
    rated: dict | None = None
    data: dict = field(default_factory=dict)


def find_case(ticket: str, phone: str) -> Instance:
    """The case with this ticket whose contact phone matches; NotFound otherwise (never says which was wrong)."""
    instance = db.session.scalar(select(Instance).where(Instance.ticket == (ticket or "").strip().upper()))
    stored = str((instance.data or {}).get("phone", "")) if instance is not None else ""
    given = (phone or "").strip()
    if instance is None or not stored or not hmac.compare_digest(stored.encode(), given.encode()):
        raise NotFound("no such case")
    return instance


def case_view(ticket: str, phone: str) -> CaseView:
    instance = find_case(ticket, phone)
    open_tasks = open_tasks_of(instance.id)
    history = list(db.session.scalars(select(HistoryEntry).where(HistoryEntry.instance_id == instance.id)
                                      .order_by(HistoryEntry.id)))
    done = list(db.session.scalars(select(Task).where(Task.instance_id == instance.id, Task.state == "completed")
                                   .order_by(Task.completed_at)))
    timers = list(db.session.scalars(select(Timer).where(Timer.instance_id == instance.id)
                                     .order_by(Timer.due_at)))
    deadlines = [(t.name, t.due_at) for t in open_tasks if t.due_at]
    deadlines += [(t.name, t.due_at) for t in timers]
    deadlines.sort(key=lambda item: item[1])
    visit = next((t for t in open_tasks if _is_visit(t)), None)
    rated = None
    if visit is not None:
        rated = next((h.data for h in history if h.action == "resident_rating"
                      and (h.data or {}).get("task_id") == visit.id), None)
    return CaseView(instance=instance, status=_status(instance, open_tasks, done, history), open_tasks=open_tasks,
                    deadlines=deadlines, steps=[(t.name, t.completed_at) for t in done if t.completed_at],
                    visit_task=visit, rated=rated, data=instance.data or {})


def _status(instance: Instance, open_tasks: list[Task], done: list[Task], history: list[HistoryEntry]) -> str:
    withdrawn = any("withdraw" in (h.element_id or "") for h in history)
    if instance.status == "cancelled":
        return "withdrawn"
    if instance.status == "completed":
        return "withdrawn" if withdrawn else "closed"
    if withdrawn or any("withdraw" in t.element_id for t in open_tasks):
        return "withdrawn"
    if any(_is_visit(t) for t in open_tasks):
        return "visit"
    if not done:
        return "accepted"
    return "in_progress"


def _is_visit(task: Task) -> bool:
    return task.form_id == VISIT_FORM


def rate_visit(ticket: str, phone: str, rating: str, comment: str) -> None:
    """Record the resident's rating of the follow-up visit as history (nothing goes to the engine)."""
    if rating not in RATINGS:
        raise Conflict("unknown rating")
    with unit_of_work() as session:
        view = case_view(ticket, phone)
        if view.visit_task is None:
            raise Conflict("no visit is open")
        if view.rated is not None:
            raise Conflict("already rated")
        record(session, view.instance.id, PORTAL_USER, "resident_rating", view.visit_task.element_id,
               {"rating": rating, "comment": comment[:500], "task_id": view.visit_task.id})


# --- photos ---------------------------------------------------------------------------------------

def _photo_folder(root: str, ticket: str) -> Path:
    return Path(root) / secure_filename(ticket or "")


def save_photos(root: str, ticket: str, photos: list[tuple[str, bytes]]) -> None:
    """Store checked images as <root>/<ticket>/<n>-<name>, numbered in upload order."""
    if not photos:
        return
    folder = _photo_folder(root, ticket)
    folder.mkdir(parents=True, exist_ok=True)
    for number, (name, body) in enumerate(photos, 1):
        (folder / f"{number}-{secure_filename(name) or 'photo'}").write_bytes(body)


def photo_names(root: str, ticket: str | None) -> list[str]:
    """The stored photos of a case, in upload order (plain image files only)."""
    if not ticket or not secure_filename(ticket):
        return []
    folder = _photo_folder(root, ticket)
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir()
             if p.suffix.lower() in PHOTO_TYPES and p.is_file() and not p.is_symlink()]
    return sorted(names, key=lambda n: (int(n.split("-", 1)[0]) if n.split("-", 1)[0].isdigit() else 0, n))


def photo_file(root: str, ticket: str | None, name: str) -> tuple[Path, str]:
    """Path and Content-Type of one photo of a case; NotFound unless `name` is one of photo_names()."""
    if name not in photo_names(root, ticket):
        raise NotFound("no such photo")
    return _photo_folder(root, ticket) / name, PHOTO_TYPES[Path(name).suffix.lower()]


def case_photo_names(actor: Actor, instance_id: int, root: str) -> list[str]:
    """The photos of a case for staff who may open the case (same rule as the case page)."""
    return photo_names(root, instances.visible_instance(actor, instance_id).ticket)


def case_photo_file(actor: Actor, instance_id: int, root: str, name: str) -> tuple[Path, str]:
    return photo_file(root, instances.visible_instance(actor, instance_id).ticket, name)
