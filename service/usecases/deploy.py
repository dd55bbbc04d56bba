"""Deploy BPMN/DMN files and form definitions as new immutable process versions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from .. import clock, forms
from ..db import db, unit_of_work
from ..engine import api as engine_api
from ..engine_host import elements_of, remember
from ..errors import Invalid
from ..models import Deployment, DeploymentFile, FormVersion, ProcessVersion
from . import start_timers, tickets

MAX_FILE_BYTES = 5 * 1024 * 1024
PROCESS_SUFFIXES = (".bpmn", ".bpmn20.xml", ".xml", ".dmn")
FORM_SUFFIXES = (".form", ".json")


@dataclass(frozen=True)
class DeployedProcess:
    process_id: str
    version: int
    name: str
    created: bool


def _problem(file: str, message: str, element: str | None = None, line: int | None = None) -> dict:
    return {"file": file, "element": element, "line": line, "message": message}


def _split(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, dict], list[dict]]:
    """Sort uploads into process files and parsed forms; collect problems naming each file."""
    process_files, form_defs, problems = {}, {}, []
    if not files:
        problems.append(_problem("-", "no files: upload one or more .bpmn, .dmn or .form files as 'files'"))
    for name, content in files.items():
        lower = name.lower()
        if len(content) > MAX_FILE_BYTES:
            problems.append(_problem(name, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"))
        elif lower.endswith(PROCESS_SUFFIXES):
            process_files[name] = content
        elif lower.endswith(FORM_SUFFIXES):
            try:
                form = forms.load_form(content, name)
            except forms.FormDefinitionError as exc:
                problems.append(_problem(name, str(exc)))
                continue
            if form["id"] in form_defs:
                problems.append(_problem(name, f"form id '{form['id']}' is defined twice in this deployment"))
            form_defs[form["id"]] = {"form": form, "file": name, "text": content.decode("utf-8")}
        else:
            problems.append(_problem(name, "unknown file type: expected .bpmn, .bpmn20.xml, .dmn or .form"))
    return process_files, form_defs, problems


def _latest_forms(form_ids: set[str]) -> dict[str, str]:
    if not form_ids:
        return {}
    latest = (select(FormVersion.form_id, func.max(FormVersion.id).label("id"))
              .where(FormVersion.form_id.in_(form_ids)).group_by(FormVersion.form_id).subquery())
    rows = db.session.execute(select(FormVersion).join(latest, FormVersion.id == latest.c.id)).scalars()
    return {row.form_id: row.content for row in rows}


def _compile(files: dict[str, bytes]):
    process_files, form_defs, problems = _split(files)
    result = None
    if process_files:
        functions = current_app.extensions["wuyeflow.functions"]
        result = engine_api.compile_files(process_files, functions)
        problems.extend(p.as_dict() for p in result.problems)
    elif not problems:
        problems.append(_problem(", ".join(files), "no .bpmn file in the deployment"))
    resolved: dict[str, str] = {}
    if result is not None and not problems:
        wanted = {f for p in result.processes for f in p.form_ids}
        stored = _latest_forms(wanted - set(form_defs))
        for process in result.processes:
            for form_id in process.form_ids:
                if form_id in form_defs:
                    resolved[form_id] = form_defs[form_id]["text"]
                elif form_id in stored:
                    resolved[form_id] = stored[form_id]
                else:
                    element = next(e.element_id for e in process.elements.values() if e.form_id == form_id)
                    problems.append(_problem(process.source_file, f"unknown form id '{form_id}': deploy "
                                             f"forms/{form_id}.form with it or before it", element))
    return result, form_defs, resolved, problems


def validate(files: dict[str, bytes]) -> list[dict]:
    """Every problem a deployment of these files would meet; deploys nothing."""
    return _compile(files)[3]


def _checksum(files: dict[str, bytes], resolved_forms: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    for form_id in sorted(resolved_forms):
        digest.update(b"form:" + form_id.encode() + b"\0" + resolved_forms[form_id].encode())
    return digest.hexdigest()


def deploy(files: dict[str, bytes], note: str, deployed_by: str) -> list[DeployedProcess]:
    """Create version n+1 of each process, or return the latest when nothing changed."""
    result, form_defs, resolved, problems = _compile(files)
    if problems:
        raise Invalid("the deployment has problems; nothing was deployed", problems)
    checksum = _checksum(files, resolved)
    with unit_of_work() as session:
        unchanged = _unchanged(result.processes, checksum)
        if unchanged is not None:
            return unchanged
        deployment = Deployment(checksum=checksum, note=note or "", deployed_by=deployed_by, created_at=clock.now())
        session.add(deployment)
        session.flush()
        for name, content in files.items():
            session.add(DeploymentFile(deployment_id=deployment.id, name=name, content=content))
        for form_id, entry in form_defs.items():
            session.add(FormVersion(form_id=form_id, deployment_id=deployment.id, content=entry["text"],
                                    checksum=hashlib.sha256(entry["text"].encode()).hexdigest()))
        return [_add_version(session, process, deployment, files, resolved, checksum)
                for process in result.processes]


def _unchanged(processes, checksum: str) -> list[DeployedProcess] | None:
    """The latest versions, when every process's latest version came from identical files."""
    found = []
    for process in processes:
        latest = _latest_version(process.process_id)
        if latest is None or latest.checksum != checksum:
            return None
        found.append(DeployedProcess(latest.process_id, latest.version, latest.name, False))
    return found


def _latest_version(process_id: str) -> ProcessVersion | None:
    return db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                             .order_by(ProcessVersion.version.desc()).limit(1))


def _add_version(session, process, deployment, files, resolved, checksum) -> DeployedProcess:
    latest = _latest_version(process.process_id)
    number = (latest.version if latest else 0) + 1
    version = ProcessVersion(
        process_id=process.process_id, version=number, name=process.name, deployment_id=deployment.id,
        checksum=checksum, source_file=process.source_file, bpmn_xml=files[process.source_file],
        spec=process.spec, elements=json.dumps({k: v.as_dict() for k, v in process.elements.items()}),
        forms=json.dumps({f: resolved[f] for f in process.form_ids}), note=deployment.note,
        deployed_by=deployment.deployed_by, created_at=deployment.created_at,
        ticket_prefix=tickets.clean_prefix(process.properties.get("ticket_prefix")),
    )
    session.add(version)
    session.flush()
    start_timers.schedule(session, version, process.start_timers)
    return DeployedProcess(process.process_id, number, process.name, True)


def decision_labels(version: ProcessVersion) -> dict[str, str]:
    """{output name: column label} of the DMN decisions the version's rule tasks (called processes included)
    evaluate, read from the DMN files deployed with it: the words for case data no form field names."""
    return remember("decision_labels", version, lambda: _decision_labels(version))


def _decision_labels(version: ProcessVersion) -> dict[str, str]:
    elements = elements_of(version).values()
    wanted = {e.decision_ref for e in elements if e.decision_ref}
    every = not any(e.process_id for e in elements)  # deployed before elements named their decisions
    rows = db.session.scalars(select(DeploymentFile).where(DeploymentFile.deployment_id == version.deployment_id)
                              .order_by(DeploymentFile.name))
    labels: dict[str, str] = {}
    for row in rows:
        if not row.name.lower().endswith((".dmn", ".xml")):
            continue
        for decision, outputs in engine_api.decision_outputs(row.content).items():
            if every or decision in wanted:
                for name, label in outputs.items():
                    labels.setdefault(name, label)
    return labels
