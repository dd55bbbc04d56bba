"""The modeler and admin pages through the test client: who may open them, what they carry, 403s as pages."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import DATA

PAGES = ("/modeler", "/admin/processes", "/admin/users")
ALLOWED = {"admin": set(PAGES), "analyst": {"/modeler"}, "desk": set(), "boss": set()}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _login(client, username: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    resp = client.post("/login", data={"username": username, "password": "pw-123456", "csrf_token": token})
    assert resp.status_code == 302
    return _csrf(client.get("/login").get_data(as_text=True))


def _json_script(html: str, element_id: str) -> dict:
    return json.loads(re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
                      .group(1))


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_pages_open_for_their_roles_and_answer_403_pages_otherwise(api, client, username):
    _login(client, username)
    for path in PAGES:
        resp = client.get(path)
        if path in ALLOWED[username]:
            assert resp.status_code == 200, (username, path)
        else:
            assert resp.status_code == 403, (username, path)
            assert resp.mimetype == "text/html" and "没有权限" in resp.get_data(as_text=True)
    nav = re.search(r'<nav class="mainnav".*?</nav>', client.get("/login").get_data(as_text=True), re.S).group(0)
    assert ("流程建模" in nav) == ("/modeler" in ALLOWED[username])
    assert ("流程管理" in nav) == ("/admin/processes" in ALLOWED[username])
    assert ("用户与部门" in nav) == ("/admin/users" in ALLOWED[username])


def test_signed_out_visitors_are_sent_to_the_login_page(client):
    for path in (*PAGES, "/modeler/complaint", "/admin/"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"], path


def test_modeler_page_carries_the_bundle_its_config_and_its_strings(api, client):
    api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form")
    _login(client, "analyst")
    assert client.get("/modeler/no_such_process").status_code == 404
    html = client.get("/modeler/core_flow?version=1").get_data(as_text=True)
    assert "vendor/wuyeflow-modeler.js" in html and "js/modeler.js" in html and 'id="wf-props"' in html
    assert _json_script(html, "wf-config") == {"process_id": "core_flow", "version": 1, "draft_id": None}
    strings = _json_script(html, "wf-strings")
    assert strings["saved"] == "草稿已保存" and strings["status"]["submitted"] == "已提交"
    for label in ("保存草稿", "服务器校验", "提交部署", "导入 .bpmn", "导出 .bpmn", "新建"):
        assert label in html
    draft = client.get("/modeler/anything?draft=7").get_data(as_text=True)  # the page loads draft 7 itself
    assert _json_script(draft, "wf-config")["draft_id"] == 7


def test_english_by_switch(api, client):
    _login(client, "admin")
    html = client.get("/modeler?lang=en").get_data(as_text=True)
    assert "Save draft" in html and _json_script(html, "wf-strings")["saved"] == "Draft saved"
    assert "Process management" in client.get("/admin/processes").get_data(as_text=True)
    users = client.get("/admin/users").get_data(as_text=True)
    assert "Users and departments" in users and _json_script(users, "wf-strings")["roles"]["analyst"] == "Analyst"


def test_the_session_calls_the_draft_api_with_the_csrf_token(api, client):
    token = _login(client, "analyst")
    body = {"bpmn_xml": (DATA / "core_flow.bpmn").read_text(encoding="utf-8")}
    assert client.post("/api/v1/drafts", json=body).status_code == 400  # no token
    created = client.post("/api/v1/drafts", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201 and created.get_json()["author"] == "analyst"


def test_admin_processes_page_lists_nothing_itself_but_loads_it(api, client):
    _login(client, "admin")
    html = client.get("/admin/processes").get_data(as_text=True)
    assert "js/admin-processes.js" in html and "js/admin-diff.js" in html
    assert "待部署的草稿" in html and "上传文件部署" in html and "运行中实例" in html
    assert client.get("/admin/").headers["Location"].endswith("/admin/processes")
