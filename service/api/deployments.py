"""Deploy and validate files; list processes, versions and their XML."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from ..db import db
from ..errors import Invalid, NotFound
from ..models import Instance, ProcessVersion
from ..usecases import deploy as deploy_uc
from .auth import current_actor
from .schemas import DeployForm, DeployResponse, ProcessList, ValidateResponse

blp = Blueprint("deployments", __name__, url_prefix="/api/v1", description="Deploy process versions")


def uploaded_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for storage in request.files.getlist("files"):
        name = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        if not name:
            raise Invalid("an uploaded file has no name", {"files": ["every file needs a file name"]})
        if name in files:
            raise Invalid(f"file '{name}' is uploaded twice", {"files": [f"duplicate {name}"]})
        files[name] = storage.read()
    return files


@blp.route("/deployments")
class DeploymentsView(MethodView):
    @blp.arguments(DeployForm, location="form")
    @blp.response(201, DeployResponse)
    @blp.alt_response(422, description="The files have problems; nothing was deployed")
    def post(self, form):
        """Deploy BPMN/DMN files and forms as new process versions (multipart field `files`)."""
        actor = current_actor()
        actor.require("admin")
        deployed = deploy_uc.deploy(uploaded_files(), form["note"], actor.username)
        first = deployed[0]
        body = {**first.__dict__, "processes": [d.__dict__ for d in deployed]}
        return body, (201 if first.created else 200)


@blp.route("/deployments/validate")
class ValidateView(MethodView):
    @blp.response(200, ValidateResponse)
    def post(self):
        """Check files as a deployment would, deploying nothing."""
        actor = current_actor()
        actor.require("admin", "analyst")
        return {"errors": deploy_uc.validate(uploaded_files())}


@blp.route("/processes")
class ProcessesView(MethodView):
    @blp.response(200, ProcessList)
    def get(self):
        """Every deployed process with its versions and running instance counts."""
        current_actor()
        running = dict(db.session.execute(
            select(Instance.process_version_id, func.count()).where(Instance.status.in_(("running", "incident")))
            .group_by(Instance.process_version_id)).all())
        processes: dict[str, dict] = {}
        for version in db.session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_id,
                                                                          ProcessVersion.version)):
            entry = processes.setdefault(version.process_id, {"process_id": version.process_id, "versions": []})
            entry.update(name=version.name, latest_version=version.version)
            entry["versions"].append({**{k: getattr(version, k) for k in (
                "version", "name", "checksum", "deployed_by", "created_at", "note")},
                "running_instances": running.get(version.id, 0)})
        return {"items": list(processes.values()), "next_cursor": None}


@blp.route("/processes/<process_id>/versions/<int:number>/bpmn")
class VersionXmlView(MethodView):
    @blp.response(200, content_type="application/xml")
    def get(self, process_id, number):
        """The deployed BPMN XML of one version."""
        current_actor()
        version = db.session.scalar(select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.version == number))
        if version is None:
            raise NotFound(f"process '{process_id}' has no version {number}")
        return Response(version.bpmn_xml, mimetype="application/xml")
