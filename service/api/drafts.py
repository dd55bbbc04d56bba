"""Drafts of the modeler: create, save, validate, hand to an admin, deploy; the diff against the live version."""

from __future__ import annotations

import json

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from ..db import db
from ..errors import Invalid, NotFound
from ..models import DRAFT_STATES, FormVersion
from ..usecases import drafts as drafts_uc
from .auth import current_actor
from .deployments import uploaded_files
from .schemas import DeployedSchema, In, LocalDateTime, ProblemSchema, ValidateResponse

blp = Blueprint("drafts", __name__, url_prefix="/api/v1", description="Modeler drafts and version diffs")
EDITORS = ("analyst", "admin")


class DraftSummary(Schema):
    id = fields.Integer()
    process_id = fields.String()
    name = fields.String()
    author = fields.String()
    updated_by = fields.String()
    status = fields.String()
    note = fields.String()
    based_on_version = fields.Integer(allow_none=True)
    deployed_version = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class DraftDetail(DraftSummary):
    bpmn_xml = fields.String()
    forms = fields.Function(lambda draft: json.loads(draft.forms))


class DraftList(Schema):
    items = fields.List(fields.Nested(DraftSummary))


class DraftFilter(In):
    status = fields.String(validate=validate.OneOf(DRAFT_STATES))
    process_id = fields.String()


class DraftContent(In):
    bpmn_xml = fields.String(required=True, validate=validate.Length(min=1, max=5 * 1024 * 1024))
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)


class DraftSave(DraftContent):
    note = fields.String(load_default=None, allow_none=True)


class DraftCreate(In):
    bpmn_xml = fields.String(validate=validate.Length(min=1, max=5 * 1024 * 1024))
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)
    process_id = fields.String(metadata={"description": "with based_on_version and no bpmn_xml: copy that version"})
    based_on_version = fields.Integer(load_default=None, allow_none=True)
    note = fields.String(load_default="")


class NoteBody(In):
    note = fields.String(load_default=None, allow_none=True)


class DeployedDraft(DeployedSchema):
    draft = fields.Nested(DraftSummary)


class FieldChange(Schema):
    field = fields.String()
    old = fields.String(allow_none=True)
    new = fields.String(allow_none=True)


class ElementSummary(Schema):
    id = fields.String()
    name = fields.String()
    type = fields.String(allow_none=True)


class ElementChange(ElementSummary):
    changes = fields.List(fields.Nested(FieldChange))


class FormChange(Schema):
    form_id = fields.String()
    change = fields.String()


class ProcessDiff(Schema):
    process_id = fields.String()
    name = fields.String()
    live_version = fields.Integer(allow_none=True)
    added = fields.List(fields.Nested(ElementSummary))
    removed = fields.List(fields.Nested(ElementSummary))
    changed = fields.List(fields.Nested(ElementChange))
    forms = fields.List(fields.Nested(FormChange))


class DiffResponse(Schema):
    errors = fields.List(fields.Nested(ProblemSchema))
    processes = fields.List(fields.Nested(ProcessDiff))
    draft_id = fields.Integer()
    process_id = fields.String()
    based_on_version = fields.Integer(allow_none=True)
    live_version = fields.Integer(allow_none=True)


def _editor():
    actor = current_actor()
    actor.require(*EDITORS)
    return actor


@blp.route("/drafts")
class DraftsView(MethodView):
    @blp.arguments(DraftFilter, location="query")
    @blp.response(200, DraftList)
    def get(self, args):
        """Drafts, newest first (filter by status and process)."""
        _editor()
        return {"items": drafts_uc.list_drafts(args.get("status"), args.get("process_id"))}

    @blp.arguments(DraftCreate)
    @blp.response(201, DraftDetail)
    def post(self, body):
        """A new draft from BPMN XML (and forms), or a copy of a deployed version (process_id + based_on_version)."""
        actor = _editor()
        xml = body.get("bpmn_xml")
        if not xml:
            if not body.get("process_id") or not body.get("based_on_version"):
                raise Invalid("send bpmn_xml, or process_id with based_on_version",
                              {"bpmn_xml": ["required without process_id and based_on_version"]})
            xml = drafts_uc.version_xml(body["process_id"], body["based_on_version"])
        return drafts_uc.create(actor, xml, body["forms"], body["based_on_version"], body["note"])


@blp.route("/drafts/<int:draft_id>")
class DraftView(MethodView):
    @blp.response(200, DraftDetail)
    def get(self, draft_id):
        """One draft with its XML and forms."""
        _editor()
        return drafts_uc.get(draft_id)

    @blp.arguments(DraftSave)
    @blp.response(200, DraftDetail)
    def put(self, body, draft_id):
        """Save the diagram and forms (409 once deployed)."""
        return drafts_uc.save(_editor(), draft_id, body["bpmn_xml"], body["forms"], body["note"])


@blp.route("/drafts/validate")
class ContentValidateView(MethodView):
    @blp.arguments(DraftContent)
    @blp.response(200, ValidateResponse)
    def post(self, body):
        """Check unsaved modeler content as a deployment would (DMN and forms resolved as on deploy)."""
        _editor()
        return {"errors": drafts_uc.validate_content(body["bpmn_xml"], body["forms"])}


@blp.route("/drafts/<int:draft_id>/validate")
class DraftValidateView(MethodView):
    @blp.response(200, ValidateResponse)
    def post(self, draft_id):
        """Check the saved draft as a deployment would."""
        _editor()
        return {"errors": drafts_uc.validate_content(*_content(drafts_uc.get(draft_id)))}


def _content(draft) -> tuple[str, dict]:
    return draft.bpmn_xml, json.loads(draft.forms)


@blp.route("/drafts/<int:draft_id>/submit")
class SubmitView(MethodView):
    @blp.arguments(NoteBody)
    @blp.response(200, DraftDetail)
    @blp.alt_response(422, description="The draft would not deploy; errors list the problems")
    def post(self, body, draft_id):
        """Hand the draft to the admins for deployment."""
        return drafts_uc.submit(_editor(), draft_id, body["note"])


@blp.route("/drafts/<int:draft_id>/deploy")
class DeployDraftView(MethodView):
    @blp.arguments(NoteBody)
    @blp.response(201, DeployedDraft)
    def post(self, body, draft_id):
        """Deploy a submitted draft as the next version of its process (admins)."""
        actor = current_actor()
        actor.require("admin")
        draft, deployed = drafts_uc.deploy(actor, draft_id, body["note"])
        return {**deployed.__dict__, "draft": draft}, (201 if deployed.created else 200)


@blp.route("/drafts/<int:draft_id>/diff")
class DraftDiffView(MethodView):
    @blp.response(200, DiffResponse)
    def get(self, draft_id):
        """Elements added, removed and changed against the live version of the draft's process."""
        _editor()
        return drafts_uc.diff(draft_id)


@blp.route("/deployments/diff")
class FilesDiffView(MethodView):
    @blp.response(200, DiffResponse)
    def post(self):
        """The same multipart body as validate: each process against its live version."""
        _editor()
        return drafts_uc.diff_files(uploaded_files())


@blp.route("/forms/<form_id>")
class FormView(MethodView):
    @blp.response(200)
    def get(self, form_id):
        """The latest deployed form-js schema with this id (for the form editor)."""
        _editor()
        latest = select(func.max(FormVersion.id)).where(FormVersion.form_id == form_id).scalar_subquery()
        content = db.session.scalar(select(FormVersion.content).where(FormVersion.id == latest))
        if content is None:
            raise NotFound(f"no deployed form '{form_id}'")
        return json.loads(content)
