"""Drafts: save a diagram and its forms, validate them as a deployment would, hand them to an admin, deploy.

A draft holds one BPMN file and the forms edited with it. The DMN files its business rule tasks need,
the processes its call activities call (their live versions, deployed again with it: a call activity
binds to the callee of its own deployment) and the forms it does not carry come from earlier
deployments.
"""

from __future__ import annotations

import json

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..db import db, unit_of_work
from ..engine import api as engine_api
from ..engine import diff as engine_diff
from ..errors import Conflict, Invalid, NotFound
from ..models import DeploymentFile, Draft, ProcessVersion
from . import deploy as deploy_uc
from .access import Actor


def _problem(message: str, line: int | None = None) -> dict:
    return {"file": "-", "element": None, "line": line, "message": message}


def _header(bpmn_xml: str) -> tuple[str, str]:
    """The process id and name a draft is filed under: its first executable process."""
    try:
        processes = engine_diff.executable_processes(bpmn_xml.encode())
    except engine_diff.XmlProblem as exc:
        raise Invalid("the diagram is not readable XML", [_problem(str(exc), exc.line)]) from exc
    if not processes:
        raise Invalid("the diagram has no executable process",
                      [_problem('no <bpmn:process isExecutable="true"> in the diagram')])
    return processes[0]


def _forms_text(forms: dict | None) -> str:
    """Forms keyed by their id; the key is the form's identity, so the schema's own id follows it."""
    forms = forms or {}
    bad = {key: ["not a form-js schema (a JSON object)"] for key, schema in forms.items()
           if not isinstance(schema, dict) or not key.strip()}
    if bad:
        raise Invalid("some forms are not form-js schemas", {"forms": bad})
    return json.dumps({key: {**schema, "id": key} for key, schema in forms.items()}, ensure_ascii=False)


def get(draft_id: int) -> Draft:
    draft = db.session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id}")
    return draft


def list_drafts(status: str | None = None, process_id: str | None = None) -> list[Draft]:
    query = select(Draft).order_by(Draft.updated_at.desc(), Draft.id.desc())
    if status:
        query = query.where(Draft.status == status)
    if process_id:
        query = query.where(Draft.process_id == process_id)
    return list(db.session.scalars(query))


def version_xml(process_id: str, version: int) -> str:
    row = db.session.scalar(select(ProcessVersion.bpmn_xml).where(
        ProcessVersion.process_id == process_id, ProcessVersion.version == version))
    if row is None:
        raise NotFound(f"process '{process_id}' has no version {version}")
    try:
        return row.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"version {version} of '{process_id}' is not UTF-8 XML; the modeler reads UTF-8 only") from exc


def create(actor: Actor, bpmn_xml: str, forms: dict | None = None, based_on_version: int | None = None,
           note: str = "") -> Draft:
    process_id, name = _header(bpmn_xml)
    forms_text = _forms_text(forms)
    now = clock.now()
    with unit_of_work() as session:
        draft = Draft(process_id=process_id, name=name, bpmn_xml=bpmn_xml, forms=forms_text, author=actor.username,
                      updated_by=actor.username, status="editing", note=note or "",
                      based_on_version=based_on_version, created_at=now, updated_at=now)
        session.add(draft)
    return draft


def save(actor: Actor, draft_id: int, bpmn_xml: str, forms: dict | None = None, note: str | None = None) -> Draft:
    """Replace the diagram and forms; a submitted draft that is edited again goes back to editing."""
    process_id, name = _header(bpmn_xml)
    forms_text = _forms_text(forms)
    with unit_of_work():
        draft = _editable(draft_id)
        draft.process_id, draft.name, draft.bpmn_xml, draft.forms = process_id, name, bpmn_xml, forms_text
        draft.note = draft.note if note is None else note
        draft.status, draft.updated_by, draft.updated_at = "editing", actor.username, clock.now()
    return draft


def _editable(draft_id: int) -> Draft:
    draft = get(draft_id)
    if draft.status == "deployed":
        raise Conflict(f"draft {draft_id} is deployed as version {draft.deployed_version} and can no longer "
                       "change; open that version in the modeler to start a new draft")
    return draft


def files_of(bpmn_xml: str, forms: dict | None) -> dict[str, bytes]:
    """The files a deployment of this content uploads: the diagram, its edited forms, the DMN it needs."""
    process_id, _ = _header(bpmn_xml)
    files = {f"{process_id}.bpmn": bpmn_xml.encode()}
    for form_id, schema in (forms or {}).items():
        files[f"{form_id}.form"] = json.dumps({**schema, "id": form_id}, ensure_ascii=False).encode()
    for name, content in _called_files(files[f"{process_id}.bpmn"], {process_id}).items():
        files.setdefault(name, content)
    for content in [c for n, c in files.items() if n.lower().endswith(".bpmn")]:
        for name, dmn in _decision_files(content).items():
            files.setdefault(name, dmn)
    return files


def draft_files(draft: Draft) -> dict[str, bytes]:
    return files_of(draft.bpmn_xml, json.loads(draft.forms))


def validate_content(bpmn_xml: str, forms: dict | None = None) -> list[dict]:
    """The problems a deployment of this (unsaved) content would meet."""
    return deploy_uc.validate(files_of(bpmn_xml, forms))


def submit(actor: Actor, draft_id: int, note: str | None = None) -> Draft:
    """Hand a draft to the admins; refused (422, with the problems) while it would not deploy."""
    draft = _editable(draft_id)
    validated = draft.updated_at
    problems = deploy_uc.validate(draft_files(draft))
    if problems:
        raise Invalid("the draft has problems; fix them before handing it over", problems)
    with unit_of_work():
        draft = _editable(draft_id)
        if draft.updated_at != validated:
            raise Conflict(f"draft {draft_id} was saved again while it was being checked; submit it again")
        draft.status, draft.updated_by, draft.updated_at = "submitted", actor.username, clock.now()
        draft.note = draft.note if note is None else note
    return draft


def deploy(actor: Actor, draft_id: int, note: str | None = None) -> tuple[Draft, deploy_uc.DeployedProcess]:
    """Deploy a submitted draft as the next version of its process (or the latest, when identical)."""
    draft = get(draft_id)
    if draft.status != "submitted":
        raise Conflict(f"draft {draft_id} is {draft.status}; only a submitted draft can be deployed")
    note = draft.note if note is None else note
    deployed = deploy_uc.deploy(draft_files(draft), note, actor.username)
    mine = next((d for d in deployed if d.process_id == draft.process_id), deployed[0])
    # A second transaction: if it fails, deploying the same draft again finds the identical version.
    with unit_of_work():
        draft = get(draft_id)
        draft.status, draft.deployed_version, draft.note = "deployed", mine.version, note
        draft.updated_by, draft.updated_at = actor.username, clock.now()
    return draft, mine


def diff(draft_id: int) -> dict:
    """The draft against the live (latest) version of its process, element by element."""
    draft = get(draft_id)
    result = diff_files(draft_files(draft))
    live = _latest_version(draft.process_id)
    return {**result, "draft_id": draft.id, "process_id": draft.process_id,
            "based_on_version": draft.based_on_version, "live_version": live.version if live else None}


# --- the diff an admin sees before deploying --------------------------------------------------------

def _latest_version(process_id: str) -> ProcessVersion | None:
    return db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                             .order_by(ProcessVersion.version.desc()).limit(1))


def _called_files(bpmn: bytes, known: set[str]) -> dict[str, bytes]:
    """The live BPMN files of the processes this diagram calls, and of those they call in turn."""
    found, pending = {}, engine_diff.called_elements(bpmn) - known
    while pending:
        called = pending.pop()
        known.add(called)
        live = _latest_version(called)
        if live is None:  # never deployed: validation names the missing process
            continue
        found.setdefault(live.source_file, live.bpmn_xml)
        pending |= engine_diff.called_elements(live.bpmn_xml) - known
    return found


def _decision_files(bpmn: bytes) -> dict[str, bytes]:
    """The latest deployed DMN files that define the decisions this diagram names."""
    wanted, found = engine_diff.decision_refs(bpmn), {}
    if not wanted:
        return found
    for row in db.session.scalars(select(DeploymentFile).where(DeploymentFile.name.ilike("%.dmn"))
                                  .order_by(DeploymentFile.id.desc())):
        try:
            defined = engine_diff.decision_ids(row.content)
        except engine_diff.XmlProblem:
            continue
        if wanted & defined and row.name not in found:
            found[row.name] = row.content
            wanted -= defined
        if not wanted:
            break
    return found


def diff_files(files: dict[str, bytes]) -> dict:
    """Each process in the files against its live (latest) version; also the problems deploying would meet."""
    problems = deploy_uc.validate(files)
    compiled = {}
    if not problems:
        process_files = {n: c for n, c in files.items() if n.lower().endswith(deploy_uc.PROCESS_SUFFIXES)}
        result = engine_api.compile_files(process_files, current_app.extensions["wuyeflow.functions"])
        compiled = {p.process_id: p for p in result.processes}
    forms = _form_schemas(files)
    processes = []
    for content in files.values():
        try:
            headers = engine_diff.executable_processes(content)
        except engine_diff.XmlProblem:
            continue
        for process_id, name in headers:
            processes.append(_process_diff(process_id, name, content, compiled.get(process_id), forms))
    return {"errors": problems, "processes": processes}


def _form_schemas(files: dict[str, bytes]) -> dict[str, dict]:
    schemas = {}
    for name, content in files.items():
        if name.lower().endswith(deploy_uc.FORM_SUFFIXES):
            try:
                schema = json.loads(content)
            except ValueError:
                continue
            if isinstance(schema, dict) and schema.get("id"):
                schemas[schema["id"]] = schema
    return schemas


def _process_diff(process_id: str, name: str, content: bytes, compiled, forms: dict[str, dict]) -> dict:
    live = _latest_version(process_id)
    new = engine_diff.describe(content, process_id, compiled.elements if compiled else None)
    old, live_forms = {}, {}
    if live is not None:
        elements = {k: engine_api.ElementInfo.from_dict(v) for k, v in json.loads(live.elements).items()}
        old = engine_diff.describe(live.bpmn_xml, process_id, elements or None)
        live_forms = {k: json.loads(v) for k, v in json.loads(live.forms).items()}
    used = {row["form"] for row in new.values() if row.get("form")}
    form_changes = [{"form_id": form_id, "change": "added" if form_id not in live_forms else "changed"}
                    for form_id in sorted(used & set(forms)) if live_forms.get(form_id) != forms[form_id]]
    return {"process_id": process_id, "name": name, "live_version": live.version if live else None,
            **engine_diff.diff(old, new), "forms": form_changes}
