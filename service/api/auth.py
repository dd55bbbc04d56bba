"""Bearer tokens for the API (the web pages use a session; both end in the same Actor)."""

from __future__ import annotations

from flask import g, request, session
from flask.views import MethodView
from flask_smorest import Blueprint

from ..db import db
from ..errors import Unauthorized
from ..models import User
from ..usecases import accounts
from ..usecases.access import Actor
from .schemas import TokenRequest, TokenResponse

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in for a bearer token")


def current_actor() -> Actor:
    """The caller, from `Authorization: Bearer` or the page session; 401 otherwise."""
    if "actor" in g:
        return g.actor
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        actor = accounts.actor_for_token(header[7:].strip())
        if actor is None:
            raise Unauthorized(SIGN_IN)
        g.actor = actor
        return g.actor
    user = db.session.get(User, session["user_id"]) if session.get("user_id") else None
    if user is None or not user.active:
        raise Unauthorized(SIGN_IN)
    g.actor = Actor.of(user)
    return g.actor


SIGN_IN = "sign in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>"


@blp.route("/token")
class TokenView(MethodView):
    @blp.arguments(TokenRequest)
    @blp.response(200, TokenResponse)
    def post(self, body):
        """Exchange username and password for a bearer token."""
        token, expires_at = accounts.issue_token(body["username"], body["password"])
        return {"token": token, "expires_at": expires_at}
