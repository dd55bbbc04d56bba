"""Users, compounds, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..db import db, unit_of_work
from ..errors import Invalid, Unauthorized
from ..models import DEFAULT_COMPOUND, ROLES, ApiToken, Compound, Membership, User

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
        user.password_hash = generate_password_hash(password)
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


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.expires_at <= clock.now():
        return None
    return db.session.get(User, row.user_id)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
