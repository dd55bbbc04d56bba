"""Steps every process test takes: deploy, complete as a department, fire timers, read tasks and timers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from service.usecases.timers import fire_due

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The reusable follow-up visit: a caller (complaint, repair) must be deployed together with it.
FOLLOWUP_FILES = (ROOT / "bpmn" / "followup_visit.bpmn", ROOT / "bpmn" / "followup_satisfaction.dmn",
                  ROOT / "forms" / "followup_visit.form")


def deploy_files(api, files) -> dict:
    """Deploy and insist on 201 (printing the problems when the deployment is refused)."""
    resp = api.deploy(*files)
    if resp.status_code == 422:
        print(resp.get_json()["errors"])
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def deploy_process(api, process_id: str) -> None:
    """A process with its own forms (`forms/<process_id>_*.form`)."""
    deploy_files(api, [ROOT / "bpmn" / f"{process_id}.bpmn", *sorted((ROOT / "forms").glob(f"{process_id}_*.form"))])


def fire(app) -> int:
    """What `wuyeflow scheduler --once` does: fire everything due at the (test-controlled) time."""
    with app.app_context():
        return fire_due()


def complete(api, iid: int, element: str, data: dict, as_: str) -> dict:
    """Complete the open task `element` as `as_`; the response must be 200."""
    resp = api.complete(api.task(iid, element)["id"], data, as_=as_)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def do(api, instance_id: int, element_id: str, data: dict, as_: str) -> dict:
    """Complete the open task `element_id` as a member of its group; returns the task."""
    task = api.task(instance_id, element_id)
    resp = api.complete(task["id"], data, as_=as_)
    assert resp.status_code == 200, (element_id, resp.get_json())
    return task


def open_tasks(api, iid: int) -> list[tuple[str, str]]:
    return sorted((t["element_id"], t["group"]) for t in api.instance(iid)["tasks"])


def elements(api, instance_id: int) -> list[str]:
    return sorted(t["element_id"] for t in api.instance(instance_id)["tasks"])


def timers(api, iid: int) -> dict[str, str]:
    return {t["element_id"]: t["due_at"] for t in api.instance(iid)["timers"]}


def timer_list(api, instance_id: int) -> list[tuple[str, str]]:
    return [(t["element_id"], t["due_at"]) for t in api.instance(instance_id)["timers"]]


def iso(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()
