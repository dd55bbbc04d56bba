"""Drafts over HTTP: save, validate with element ids, hand over, deploy (admins only), the diff; the users API."""

from __future__ import annotations

import json

from tests.conftest import DATA, ROOT
from tests.processes.helpers import FOLLOWUP_FILES

BPMN = DATA / "core_flow.bpmn"
FORM = DATA / "register_form.form"
XML = BPMN.read_text(encoding="utf-8")


def _draft(api, xml: str = XML, as_: str = "analyst", **extra):
    resp = api.post("/api/v1/drafts", as_=as_, json={"bpmn_xml": xml, **extra})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _put(api, draft_id: int, body: dict, as_: str = "analyst"):
    return api.client.put(f"/api/v1/drafts/{draft_id}", headers=api.headers(as_), json=body)


def test_drafts_are_created_listed_read_and_saved_by_analysts_and_admins(api):
    assert api.deploy(BPMN, FORM).status_code == 201
    draft = _draft(api, based_on_version=1, note="first try")
    assert (draft["process_id"], draft["name"], draft["status"]) == ("core_flow", "核心测试流程", "editing")
    assert (draft["author"], draft["based_on_version"], draft["forms"]) == ("analyst", 1, {})

    renamed = XML.replace('name="回复业户"', 'name="答复业户"')
    saved = _put(api, draft["id"], {"bpmn_xml": renamed, "forms": {"register_form": json.loads(FORM.read_text())}},
                 as_="admin")
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["updated_by"] == "admin" and body["note"] == "first try" and "答复业户" in body["bpmn_xml"]
    assert body["forms"]["register_form"]["id"] == "register_form"
    assert api.get(f"/api/v1/drafts/{draft['id']}", as_="analyst").get_json()["bpmn_xml"] == renamed

    copy = api.post("/api/v1/drafts", as_="analyst", json={"process_id": "core_flow", "based_on_version": 1})
    assert copy.status_code == 201 and copy.get_json()["bpmn_xml"] == XML
    listed = api.get("/api/v1/drafts?process_id=core_flow", as_="analyst").get_json()["items"]
    assert [d["id"] for d in listed] == [copy.get_json()["id"], draft["id"]] and "bpmn_xml" not in listed[0]
    assert api.get("/api/v1/drafts?status=submitted", as_="analyst").get_json()["items"] == []


def test_drafts_refuse_staff_strangers_and_broken_xml(api):
    draft = _draft(api)
    assert api.get("/api/v1/drafts", as_="desk").status_code == 403
    assert api.post("/api/v1/drafts", as_="desk", json={"bpmn_xml": XML}).status_code == 403
    assert api.get(f"/api/v1/drafts/{draft['id']}").status_code == 401
    assert api.get("/api/v1/drafts/999", as_="analyst").status_code == 404
    broken = _put(api, draft["id"], {"bpmn_xml": "<bpmn:definitions"})
    assert broken.status_code == 422 and broken.get_json()["errors"][0]["line"] == 1
    diagram_only = XML.replace('isExecutable="true"', 'isExecutable="false"')
    assert api.post("/api/v1/drafts", as_="analyst", json={"bpmn_xml": diagram_only}).status_code == 422
    assert api.post("/api/v1/drafts", as_="analyst", json={"process_id": "core_flow", "based_on_version": 3}) \
        .status_code == 404


def test_validate_reports_problems_with_the_element_ids(api):
    api.deploy(BPMN, FORM)
    bad = (XML.replace("category == 'repair'", "__import__('os').system('id')")
           .replace('<bpmn:userTask id="escalate" name="经理督办" />',
                    '<bpmn:scriptTask id="escalate" name="经理督办" />')
           .replace('camunda:formRef="register_form"', 'camunda:formRef="no_such_form"'))
    unsaved = api.post("/api/v1/drafts/validate", as_="analyst", json={"bpmn_xml": bad})
    assert unsaved.status_code == 200
    errors = unsaved.get_json()["errors"]
    assert {e["element"] for e in errors} == {"f_repair", "escalate"}, errors
    assert all(e["file"] == "core_flow.bpmn" and e["line"] for e in errors)

    draft = _draft(api, bad.replace("<bpmn:scriptTask", "<bpmn:userTask")
                   .replace("__import__('os').system('id')", "category == 'repair'"))
    stored = api.post(f"/api/v1/drafts/{draft['id']}/validate", as_="analyst").get_json()["errors"]
    assert [(e["element"], "no_such_form" in e["message"]) for e in stored] == [("register", True)]
    assert api.post("/api/v1/drafts/validate", as_="desk", json={"bpmn_xml": XML}).status_code == 403


def test_submit_then_only_an_admin_deploys_and_the_draft_is_then_read_only(api):
    api.deploy(BPMN, FORM, note="v1")
    running = api.start("core_flow").get_json()
    draft = _draft(api, XML.replace("<bpmn:userTask", "<bpmn:scriptTask", 1))
    refused = api.post(f"/api/v1/drafts/{draft['id']}/submit", as_="analyst", json={"note": "改"})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["element"] == "register"
    assert api.post(f"/api/v1/drafts/{draft['id']}/deploy", as_="admin", json={}).status_code == 409

    fixed = XML.replace('name="回复业户"', 'name="答复业户"')
    assert _put(api, draft["id"], {"bpmn_xml": fixed}).status_code == 200
    submitted = api.post(f"/api/v1/drafts/{draft['id']}/submit", as_="analyst", json={"note": "答复措辞"})
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert [d["id"] for d in api.get("/api/v1/drafts?status=submitted", as_="admin").get_json()["items"]] \
        == [draft["id"]]

    assert api.post(f"/api/v1/drafts/{draft['id']}/deploy", as_="analyst", json={}).status_code == 403
    deployed = api.post(f"/api/v1/drafts/{draft['id']}/deploy", as_="admin", json={"note": "审核通过"})
    assert deployed.status_code == 201, deployed.get_json()
    body = deployed.get_json()
    assert (body["process_id"], body["version"], body["created"]) == ("core_flow", 2, True)
    assert (body["draft"]["status"], body["draft"]["deployed_version"]) == ("deployed", 2)
    versions = api.get("/api/v1/processes", as_="admin").get_json()["items"][0]["versions"]
    assert [(v["version"], v["note"], v["deployed_by"], v["running_instances"]) for v in versions] == [
        (1, "v1", "admin", 1), (2, "审核通过", "admin", 0)]
    assert api.instance(running["id"])["version"] == 1
    assert api.start("core_flow").get_json()["version"] == 2

    assert _put(api, draft["id"], {"bpmn_xml": XML}).status_code == 409
    assert api.post(f"/api/v1/drafts/{draft['id']}/submit", as_="analyst", json={}).status_code == 409
    assert api.post(f"/api/v1/drafts/{draft['id']}/deploy", as_="admin", json={}).status_code == 409


def test_saving_a_submitted_draft_takes_it_back_to_editing(api):
    api.deploy(BPMN, FORM)
    draft = _draft(api)
    assert api.post(f"/api/v1/drafts/{draft['id']}/submit", as_="analyst", json={}).status_code == 200
    assert _put(api, draft["id"], {"bpmn_xml": XML}).get_json()["status"] == "editing"


CHANGED = (XML.replace('name="登记投诉"', 'name="登记客户投诉"')
           .replace("category == 'repair'", "category in ('repair', 'leak')")
           .replace("<bpmn:timeDuration>PT24H</bpmn:timeDuration>", "<bpmn:timeDuration>PT48H</bpmn:timeDuration>")
           .replace('<bpmn:userTask id="reply" name="回复业户" />',
                    '<bpmn:userTask id="reply" name="回复业户" camunda:candidateGroups="客服部,物业经理" />')
           .replace('    <bpmn:userTask id="escalate" name="经理督办" />\n', "")
           .replace('<bpmn:sequenceFlow id="f_esc" sourceRef="escalate" targetRef="reply" />',
                    '<bpmn:userTask id="call_back" name="电话回访" />'))


def _by_id(items):
    return {item["id"]: item for item in items}


def test_draft_diff_lists_added_removed_and_changed_elements_against_the_live_version(api):
    api.deploy(BPMN, FORM)
    form = json.loads(FORM.read_text())
    form["components"][0]["label"] = "住户姓名"
    draft = _draft(api, CHANGED, forms={"register_form": form}, based_on_version=1)
    resp = api.get(f"/api/v1/drafts/{draft['id']}/diff", as_="admin")
    assert resp.status_code == 200
    diff = resp.get_json()
    assert (diff["draft_id"], diff["based_on_version"], diff["live_version"]) == (draft["id"], 1, 1)
    [process] = diff["processes"]
    assert (process["process_id"], process["live_version"]) == ("core_flow", 1)
    assert _by_id(process["added"]) == {"call_back": {"id": "call_back", "name": "电话回访", "type": "userTask"}}
    assert set(_by_id(process["removed"])) == {"escalate", "f_esc"}
    changed = {e["id"]: {c["field"]: (c["old"], c["new"]) for c in e["changes"]} for e in process["changed"]}
    assert changed["register"] == {"name": ("登记投诉", "登记客户投诉")}
    assert changed["f_repair"] == {"condition": ("category == 'repair'", "category in ('repair', 'leak')")}
    assert changed["repair_late"] == {"timer": ("timeDuration: PT24H", "timeDuration: PT48H")}
    assert changed["reply"] == {"candidate_groups": (None, "客服部, 物业经理")}
    assert process["forms"] == [{"form_id": "register_form", "change": "changed"}]
    # escalate is gone but f_late still points at it: deploying would fail, and the diff says so
    assert diff["errors"] and all(e["file"] == "core_flow.bpmn" for e in diff["errors"]), diff["errors"]
    assert api.get(f"/api/v1/drafts/{draft['id']}/diff", as_="desk").status_code == 403


def test_deployments_diff_takes_the_multipart_body_of_validate(api):
    api.deploy(BPMN, FORM)
    files = {"files": [(_bytes(XML.replace('name="回复业户"', 'name="答复业户"')), "core_flow.bpmn"),
                       (_bytes(FORM.read_text()), "register_form.form")]}
    resp = api.post("/api/v1/deployments/diff", as_="admin", data=files, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["errors"] == []
    [process] = body["processes"]
    assert [(e["id"], e["changes"]) for e in process["changed"]] == [
        ("reply", [{"field": "name", "old": "回复业户", "new": "答复业户"}])]
    assert process["added"] == [] and process["removed"] == [] and process["forms"] == []

    new = XML.replace('id="core_flow"', 'id="new_flow"').replace('processRef="core_flow"', 'processRef="new_flow"')
    fresh = api.post("/api/v1/deployments/diff", as_="analyst", content_type="multipart/form-data",
                     data={"files": [(_bytes(new), "new_flow.bpmn")]}).get_json()["processes"][0]
    assert fresh["live_version"] is None and "register" in _by_id(fresh["added"]) and fresh["removed"] == []


def test_a_complaint_draft_finds_the_dmn_and_the_called_visit_deployed_with_the_process(api):
    files = [ROOT / "bpmn" / "complaint.bpmn", ROOT / "bpmn" / "complaint_classification.dmn",
             *sorted((ROOT / "forms").glob("complaint_*.form")), *FOLLOWUP_FILES]
    assert api.deploy(*files).status_code == 201
    draft = api.post("/api/v1/drafts", as_="analyst", json={"process_id": "complaint", "based_on_version": 1})
    draft_id = draft.get_json()["id"]
    assert api.post(f"/api/v1/drafts/{draft_id}/validate", as_="analyst").get_json()["errors"] == []
    diff = api.get(f"/api/v1/drafts/{draft_id}/diff", as_="analyst").get_json()
    assert diff["errors"] == [] and diff["processes"][0]["changed"] == []
    # the call activity's callee (followup_visit, with its own DMN) comes live from the earlier deployment
    assert [(p["process_id"], p["changed"], p["added"]) for p in diff["processes"]] == [
        ("complaint", [], []), ("followup_visit", [], [])]
    assert api.post(f"/api/v1/drafts/{draft_id}/submit", as_="analyst", json={}).status_code == 200
    deployed = api.post(f"/api/v1/drafts/{draft_id}/deploy", as_="admin", json={"note": "草稿"})
    assert deployed.status_code == 201, deployed.get_json()
    assert (deployed.get_json()["process_id"], deployed.get_json()["version"]) == ("complaint", 2)
    case = api.start("complaint", {"channel": "phone"}).get_json()
    assert case["version"] == 2 and api.instance(case["id"])["status"] == "running"
    form = api.get("/api/v1/forms/complaint_register", as_="analyst")
    assert form.status_code == 200 and form.get_json()["id"] == "complaint_register"
    assert api.get("/api/v1/forms/nope", as_="analyst").status_code == 404


def _bytes(text: str):
    import io

    return io.BytesIO(text.encode("utf-8"))


# --- users ---------------------------------------------------------------------------------------------

def test_users_api_lists_creates_changes_and_deactivates(api):
    listed = api.get("/api/v1/users", as_="admin")
    assert listed.status_code == 200
    users = {u["username"]: u for u in listed.get_json()["items"]}
    assert users["desk"]["groups"] == ["客服部"] and users["desk"]["compounds"] == ["default"]
    assert "客服部" in listed.get_json()["known_groups"] and "analyst" in listed.get_json()["roles"]
    assert api.get("/api/v1/users", as_="analyst").status_code == 403
    assert api.get("/api/v1/users", as_="desk").status_code == 403

    new = {"username": "gongcheng2", "password": "pw-123456", "role": "staff", "groups": ["工程部", " 工程部 "]}
    created = api.post("/api/v1/users", as_="admin", json=new)
    assert created.status_code == 201 and created.get_json()["groups"] == ["工程部"]
    assert api.post("/api/v1/users", as_="admin", json=new).status_code == 409
    assert api.post("/api/v1/users", as_="admin", json={**new, "username": "x", "password": "short"}).status_code == 422
    assert api.post("/api/v1/users", as_="admin", json={**new, "username": "y", "role": "root"}).status_code == 422
    assert api.post("/api/v1/users", as_="analyst", json={**new, "username": "z"}).status_code == 403

    patch = api.client.patch
    changed = patch("/api/v1/users/gongcheng2", headers=api.headers("admin"),
                    json={"role": "manager", "groups": ["工程部", "物业经理"], "compounds": ["default", "b-zone"]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json() | {"created_at": None} == {
        "username": "gongcheng2", "role": "manager", "active": True, "groups": ["工程部", "物业经理"],
        "compounds": ["b-zone", "default"], "created_at": None}
    assert api.headers("gongcheng2")  # can sign in
    off = patch("/api/v1/users/gongcheng2", headers=api.headers("admin"), json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert api.client.get("/api/v1/tasks", headers={"Authorization": api.headers("gongcheng2")["Authorization"]}) \
        .status_code == 401
    assert api.client.post("/api/v1/auth/token", json={"username": "gongcheng2", "password": "pw-123456"}) \
        .status_code == 401
    assert patch("/api/v1/users/admin", headers=api.headers("admin"), json={"active": False}).status_code == 409
    assert patch("/api/v1/users/admin", headers=api.headers("admin"), json={"role": "staff"}).status_code == 409
    assert patch("/api/v1/users/nobody", headers=api.headers("admin"), json={"role": "staff"}).status_code == 404
    assert patch("/api/v1/users/desk", headers=api.headers("analyst"), json={"role": "admin"}).status_code == 403
