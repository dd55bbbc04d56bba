"""Deploying versions: identical files, changed forms, rollbacks, validation errors, roles."""

import json

from tests.conftest import DATA

BPMN = DATA / "core_flow.bpmn"
FORM = DATA / "register_form.form"


def _form_with_label(label: str) -> tuple[str, bytes]:
    form = json.loads(FORM.read_text())
    form["components"][0]["label"] = label
    return ("register_form.form", json.dumps(form, ensure_ascii=False).encode())


def test_identical_files_return_the_latest_version(api):
    first = api.deploy(BPMN, FORM, note="first")
    assert first.status_code == 201
    again = api.deploy(BPMN, FORM, note="a different note does not count")
    assert again.status_code == 200
    assert again.get_json()["version"] == 1 and again.get_json()["created"] is False


def test_changed_form_alone_makes_a_new_version_and_rollback_is_a_new_version(api):
    assert api.deploy(BPMN, FORM).get_json()["version"] == 1
    changed = api.deploy(BPMN, _form_with_label("住户姓名"))
    assert changed.status_code == 201 and changed.get_json()["version"] == 2
    rollback = api.deploy(BPMN, FORM)
    assert rollback.status_code == 201 and rollback.get_json()["version"] == 3
    versions = api.get("/api/v1/processes", as_="analyst").get_json()["items"][0]["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3]


def test_form_resolved_from_an_earlier_deployment(api):
    assert api.deploy(BPMN, FORM).status_code == 201
    resp = api.deploy(("core_flow.bpmn", BPMN.read_text().replace("24小时未处理", "24小时内未处理").encode()))
    assert resp.status_code == 201 and resp.get_json()["version"] == 2


def test_running_instances_stay_on_their_version(api):
    api.deploy(BPMN, FORM)
    old = api.start("core_flow").get_json()
    api.deploy(("core_flow.bpmn", BPMN.read_text().replace('name="回复业户"', 'name="答复业户"').encode()), FORM)
    new = api.start("core_flow").get_json()
    assert old["version"] == 1 and new["version"] == 2
    data = {"resident_name": "李四", "phone": "13900139000", "category": "other"}
    assert api.complete(old["tasks"][0]["id"], data).status_code == 200
    assert api.task(old["id"], "reply")["name"] == "回复业户"
    assert api.complete(new["tasks"][0]["id"], data).status_code == 200
    assert api.task(new["id"], "reply")["name"] == "答复业户"


def test_deployed_xml_is_served(api):
    api.deploy(BPMN, FORM)
    resp = api.get("/api/v1/processes/core_flow/versions/1/bpmn", as_="analyst")
    assert resp.status_code == 200 and resp.data == BPMN.read_bytes()
    assert api.get("/api/v1/processes/core_flow/versions/9/bpmn", as_="analyst").status_code == 404


def test_roles_and_credentials(api, client):
    assert client.post("/api/v1/deployments").status_code == 401
    assert api.deploy(BPMN, FORM, as_="analyst").status_code == 403
    assert api.deploy(BPMN, FORM, as_="desk").status_code == 403
    assert api.deploy(BPMN, FORM, as_="analyst", validate=True).get_json() == {"errors": []}
    bad = client.get("/api/v1/processes", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401 and set(bad.get_json()) == {"code", "status", "message", "errors"}


def _errors(resp):
    assert resp.status_code == 422, resp.get_json()
    return resp.get_json()["errors"]


def test_unknown_form_is_refused_with_element(api):
    errors = _errors(api.deploy(BPMN))
    assert errors[0]["element"] == "register" and "register_form" in errors[0]["message"]


def test_malformed_xml_names_file_and_line(api):
    errors = _errors(api.deploy(("broken.bpmn", b"<?xml version='1.0'?>\n<definitions>\n<oops></definitions>")))
    assert errors[0]["file"] == "broken.bpmn" and errors[0]["line"] == 3


def test_reserved_ids_expressions_scripts_and_services_are_refused(api):
    xml = BPMN.read_bytes()
    cases = {
        b'id="reply"': (b'id="End"', "End"),
        b"category == 'repair'": (b"__import__('os').system('touch /tmp/pwned')", "f_repair"),
        '<bpmn:userTask id="escalate" name="经理督办" />'.encode():
            (b'<bpmn:scriptTask id="escalate" name="x"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
             "escalate"),
    }
    for old, (new, element) in cases.items():
        assert old in xml, old
        errors = _errors(api.deploy(("core_flow.bpmn", xml.replace(old, new)), FORM))
        assert any(e["element"] == element and e["line"] for e in errors), errors
    juel = xml.replace(b"category == 'repair'", b"${category == 'repair'}")
    assert "JUEL" in _errors(api.deploy(("core_flow.bpmn", juel), FORM))[0]["message"]


def test_validate_deploys_nothing(api):
    resp = api.deploy(BPMN, FORM, validate=True)
    assert resp.status_code == 200 and resp.get_json() == {"errors": []}
    assert api.get("/api/v1/processes", as_="admin").get_json()["items"] == []


def test_no_files_and_unknown_types(api):
    assert _errors(api.deploy())
    errors = _errors(api.deploy(("notes.txt", b"hello")))
    assert errors[0]["file"] == "notes.txt"


def test_openapi_and_health(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/tasks/{task_id}/complete" in spec["paths"]
    assert client.get("/healthz").status_code == 200


def test_duplicate_ids_and_several_decisions_per_dmn_are_refused(api):
    xml = BPMN.read_text().replace('<bpmn:userTask id="escalate"', '<bpmn:userTask id="reply"')
    errors = _errors(api.deploy(("core_flow.bpmn", xml.encode()), FORM))
    assert any(e["element"] == "reply" and "used twice" in e["message"] and e["line"] for e in errors), errors
    dmn = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">
  <decision id="first" name="A"><decisionTable id="t1"><output id="o1" name="a" typeRef="string" /></decisionTable></decision>
  <decision id="second" name="B"><decisionTable id="t2"><output id="o2" name="b" typeRef="string" /></decisionTable></decision>
</definitions>"""
    errors = _errors(api.deploy(BPMN, FORM, ("two.dmn", dmn)))
    assert errors[0]["file"] == "two.dmn" and "one decision per DMN file" in errors[0]["message"]
