"""Users, compounds, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..db import db, unit_of_work
from ..errors import Conflict, Invalid, NotFound, Unauthorized
from ..models import DEFAULT_COMPOUND, ROLES, ApiToken, Compound, Membership, User
from .access import Actor

TOKEN_LIFETIME = timedelta(hours=12)


def ensure_compound(code: str = DEFAULT_COMPOUND, name: str | None = None) -> Compound:
    """The compound with this code, created when missing (inside the caller's transaction)."""
    compound = db.session.scalar(select(Compound).where(Compound.code == code))
    if compound is None:
        compound = Compound(code=code, name=name or ("默认小区" if code == DEFAULT_COMPOUND else code))
        db.session.add(compound)
        db.session.flush()
    return compound


def create_user(username: str, password: str, role: str, groups: list[str] | None = None,
                compounds: list[str] | None = None) -> User:
    """Create a user, or update role, password and memberships of an existing one."""
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", {"role": [f"unknown role '{role}'"]})
    if not username or not password:
        raise Invalid("username and password are required")
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, created_at=clock.now(), role=role, password_hash="")
            session.add(user)
        user.role = role
        user.password_hash = _hash_password(password)
        user.memberships.clear()
        session.flush()
        for code in compounds or [DEFAULT_COMPOUND]:
            compound = ensure_compound(code)
            for group in groups or [""]:
                user.memberships.append(Membership(compound_id=compound.id, group_name=group))
    return user


def authenticate(username: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        raise Unauthorized("wrong username or password")
    return user


def issue_token(username: str, password: str) -> tuple[str, object]:
    """Check the password and hand out a bearer token."""
    user = authenticate(username, password)
    token = secrets.token_urlsafe(32)
    expires_at = clock.now() + TOKEN_LIFETIME
    with unit_of_work() as session:
        session.add(ApiToken(token_hash=_hash(token), user_id=user.id, expires_at=expires_at))
    return token, expires_at


ACTOR_TTL_S = 2.0  # other processes see a deactivated user or changed membership within this time
_ACTORS: dict[str, tuple[float, object, Actor]] = {}


def actor_for_token(token: str) -> Actor | None:
    """The active user a bearer token belongs to; None when unknown, expired or deactivated.

    Remembered per process for ACTOR_TTL_S (it would cost three queries on every API call);
    update_user forgets them at once in its own process.
    """
    cached = _ACTORS.get(token)
    now = time.monotonic()
    if cached is not None and now - cached[0] < ACTOR_TTL_S and cached[1] > clock.now():
        return cached[2]
    _ACTORS.pop(token, None)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.expires_at <= clock.now():
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if len(_ACTORS) > 10_000:
        _ACTORS.clear()
    return _ACTORS.setdefault(token, (now, row.expires_at, Actor.of(user)))[2]


def forget_actors() -> None:
    _ACTORS.clear()


def _hash_password(password: str) -> str:
    """scrypt by default; tests configure a cheap method (PASSWORD_HASH_METHOD) to stay fast."""
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- web issue: the users page and /api/v1/users ---------------------------------------------------

def describe_user(user: User) -> dict:
    """A user as the users page and API show it: role, state, departments and compounds."""
    return {"username": user.username, "role": user.role, "active": user.active, "created_at": user.created_at,
            "groups": sorted({m.group_name for m in user.memberships if m.group_name}),
            "compounds": sorted({m.compound.code for m in user.memberships})}


def list_users() -> list[dict]:
    return [describe_user(user) for user in db.session.scalars(select(User).order_by(User.username))]


def known_groups() -> list[str]:
    """Departments in use: members' groups and the lanes and candidate groups of deployed processes."""
    import json

    from ..models import ProcessVersion

    names = set(db.session.scalars(select(Membership.group_name).where(Membership.group_name != "")))
    for elements in db.session.scalars(select(ProcessVersion.elements)):
        for info in json.loads(elements).values():
            if info.get("kind") == "userTask":
                names.update(filter(None, [info.get("lane"), *(info.get("candidate_groups") or [])]))
    return sorted(names)


def add_user(username: str, password: str, role: str, groups: list[str], compounds: list[str]) -> dict:
    """Create a new user; 409 when the name is taken (create_user would silently update it)."""
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' exists already", {"username": ["taken"]})
    clean = sorted({g.strip() for g in groups if g.strip()})
    return describe_user(create_user(username, password, role, clean, sorted({c.strip() for c in compounds
                                                                               if c.strip()}) or None))


def update_user(username: str, changed_by: str, *, role: str | None = None, groups: list[str] | None = None,
                compounds: list[str] | None = None, active: bool | None = None,
                password: str | None = None) -> dict:
    """Change role, departments, compounds, password or active state; admins cannot lock themselves out."""
    if role is not None and role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", {"role": [f"unknown role '{role}'"]})
    if username == changed_by and (active is False or role not in (None, "admin")):
        raise Conflict("you cannot deactivate your own account or take away your own admin role")
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user '{username}'")
        current = describe_user(user)
        user.role = role or user.role
        user.active = user.active if active is None else active
        if password:
            user.password_hash = _hash_password(password)
        if groups is not None or compounds is not None:
            _set_memberships(user, current["groups"] if groups is None else groups,
                             current["compounds"] if compounds is None else compounds)
        if active is False:
            session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    forget_actors()
    return describe_user(user)


def _set_memberships(user: User, groups: list[str], compounds: list[str]) -> None:
    groups = sorted({g.strip() for g in groups if g.strip()})
    user.memberships.clear()
    db.session.flush()
    for code in sorted({c.strip() for c in compounds if c.strip()}) or [DEFAULT_COMPOUND]:
        compound = ensure_compound(code)
        for group in groups or [""]:
            user.memberships.append(Membership(compound_id=compound.id, group_name=group))
