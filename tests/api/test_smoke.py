from tests.conftest import DATA


def test_deploy_start_complete(api):
    resp = api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["process_id"] == "core_flow" and body["version"] == 1
    resp = api.start("core_flow", {})
    assert resp.status_code == 201, resp.get_json()
    inst = resp.get_json()
    task = inst["tasks"][0]
    assert task["element_id"] == "register" and task["group"] == "客服部"
    data = {"resident_name": "张三", "phone": "13800138000", "category": "other"}
    resp = api.complete(task["id"], data)
    assert resp.status_code == 200, resp.get_json()
    reply = api.task(inst["id"], "reply")
    assert api.complete(reply["id"]).status_code == 200
    assert api.instance(inst["id"])["status"] == "completed"
