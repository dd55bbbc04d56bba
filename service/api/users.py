"""Users and their departments (admins): list, create, change role or groups, deactivate."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..models import ROLES
from ..usecases import accounts
from .auth import current_actor
from .schemas import In, LocalDateTime

blp = Blueprint("users", __name__, url_prefix="/api/v1", description="User accounts (admins)")
NAME = validate.Regexp(r"^[\w.\-@]{1,80}$", error="letters, digits, _ . - @; at most 80")
PASSWORD = validate.Length(min=8, max=200)


class UserSchema(Schema):
    username = fields.String()
    role = fields.String()
    active = fields.Boolean()
    groups = fields.List(fields.String())
    compounds = fields.List(fields.String())
    created_at = LocalDateTime()


class UserList(Schema):
    items = fields.List(fields.Nested(UserSchema))
    roles = fields.List(fields.String())
    known_groups = fields.List(fields.String(), metadata={"description": "departments in use, for suggestions"})


class NewUser(In):
    username = fields.String(required=True, validate=NAME)
    password = fields.String(required=True, validate=PASSWORD)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    groups = fields.List(fields.String(validate=validate.Length(max=120)), load_default=list)
    compounds = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list)


class UserChange(In):
    role = fields.String(validate=validate.OneOf(ROLES))
    groups = fields.List(fields.String(validate=validate.Length(max=120)))
    compounds = fields.List(fields.String(validate=validate.Length(max=64)))
    active = fields.Boolean()
    password = fields.String(validate=PASSWORD)


def _admin():
    actor = current_actor()
    actor.require("admin")
    return actor


@blp.route("/users")
class UsersView(MethodView):
    @blp.response(200, UserList)
    def get(self):
        """Every user with role, departments and compounds."""
        _admin()
        return {"items": accounts.list_users(), "roles": list(ROLES), "known_groups": accounts.known_groups()}

    @blp.arguments(NewUser)
    @blp.response(201, UserSchema)
    def post(self, body):
        """Create a user (409 when the name is taken)."""
        _admin()
        return accounts.add_user(body["username"], body["password"], body["role"], body["groups"],
                                 body["compounds"])


@blp.route("/users/<username>")
class UserView(MethodView):
    @blp.arguments(UserChange)
    @blp.response(200, UserSchema)
    def patch(self, body, username):
        """Change role, departments, compounds, password, or deactivate (active: false)."""
        actor = _admin()
        return accounts.update_user(username, actor.username, **body)
