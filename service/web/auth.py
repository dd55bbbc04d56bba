"""/login and /logout: a session cookie for the pages; the API keeps using bearer tokens."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..db import db
from ..errors import Unauthorized
from ..models import User
from ..usecases import accounts
from ..usecases.access import Actor

bp = Blueprint("pages_auth", __name__)


def page_actor() -> Actor | None:
    """The signed-in user of a page request, or None."""
    if "page_actor" in g:
        return g.page_actor
    user = db.session.get(User, session["user_id"]) if session.get("user_id") else None
    g.page_actor = Actor.of(user) if user is not None and user.active else None
    return g.page_actor


def login_required(view):
    """Pages: redirect to /login (keeping where the user wanted to go) when nobody is signed in."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if page_actor() is None:
            return redirect(url_for("pages_auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def _safe_next(target: str | None) -> str:
    if not target or urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages_auth.home")
    return target


@bp.route("/")
@login_required
def home():
    """The first page of the menu this role may open (staff: 我的待办, analysts: 流程建模)."""
    from . import NAV

    endpoints, role = _endpoints(), page_actor().role
    for endpoint, _label, roles in NAV:
        if endpoint in endpoints and (not roles or role in roles):
            return redirect(url_for(endpoint))
    return redirect(url_for("pages_auth.login"))


def _endpoints() -> set[str]:
    from flask import current_app

    return {rule.endpoint for rule in current_app.url_map.iter_rules()}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            user = accounts.authenticate(request.form.get("username", ""), request.form.get("password", ""))
        except Unauthorized:
            flash(_("用户名或密码错误"), "error")
            return render_template("login.html", username=request.form.get("username", "")), 401
        lang = session.get("lang")
        session.clear()
        session["user_id"] = user.id
        if lang:
            session["lang"] = lang
        session.permanent = True
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", username="")


@bp.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("pages_auth.login"))
