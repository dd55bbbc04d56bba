"""The server's form errors (422) in the page user's language; API clients with a token keep English."""

import re

import pytest

from service.forms import validate_submission
from service.forms.messages import TEMPLATES, Message
from tests.conftest import DATA

BAD = {"resident_name": "", "phone": "12345", "category": "nope", "received_at": "tomorrow", "content": "x" * 2001}


def login(client, username: str) -> str:
    """Sign in through the login page; the CSRF token a page's script would send."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": username, "password": "pw-123456", "csrf_token": token}).status_code == 302
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/tasks").get_data(as_text=True)).group(1)


@pytest.fixture
def case(api):
    assert api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form").status_code == 201
    return api.start("core_flow").get_json()


def submit(client, token: str, task_id: str, lang: str | None = None):
    path = f"/api/v1/tasks/{task_id}/complete" + (f"?lang={lang}" if lang else "")
    resp = client.post(path, json={"data": BAD}, headers={"X-CSRFToken": token})
    assert resp.status_code == 422, resp.get_json()
    return resp.get_json()["errors"]


def test_page_users_read_the_errors_in_chinese_by_default_and_english_by_switch(api, client, case):
    task_id = case["tasks"][0]["id"]
    token = login(client, "desk")
    errors = submit(client, token, task_id)
    assert errors == {
        "resident_name": ["此项为必填项。"],
        "phone": [r"格式不正确（应符合 ^1[3-9]\d{9}$）。"],
        "category": ["不是可选的选项：\"nope\"。"],
        "received_at": ["日期时间格式不正确（应为 YYYY-MM-DDTHH:MM）。"],
        "content": ["不能超过 2000 个字符。"],
    }
    errors = submit(client, token, task_id, lang="en")  # the switch, remembered in the session
    assert errors["resident_name"] == ["This field is required."]
    assert errors["content"] == ["Must be at most 2000 characters."]
    assert submit(client, token, task_id)["phone"] == [r"Must match the pattern ^1[3-9]\d{9}$."]


def test_token_clients_keep_the_english_messages(api, case):
    resp = api.complete(case["tasks"][0]["id"], BAD, as_="desk")
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["resident_name"] == ["This field is required."]


def test_every_message_of_the_forms_package_can_be_translated(app):
    from service.i18n import _SAY

    assert set(_SAY) == set(TEMPLATES)
    form = {"id": "all_messages", "schemaVersion": 19, "type": "default", "components": [
        {"type": "textfield", "id": "a", "key": "a", "validate": {"required": True}},
        {"type": "textfield", "id": "b", "key": "b", "validate": {"minLength": 3, "validationType": "email"}},
        {"type": "number", "id": "c", "key": "c", "validate": {"min": 1}, "increment": "0.5"},
        {"type": "checklist", "id": "d", "key": "d", "values": [{"label": "x", "value": "x"}]},
        {"type": "dynamiclist", "id": "e", "path": "e", "components": [{"type": "number", "id": "f", "key": "f"}]},
    ]}
    _clean, errors = validate_submission(form, {"b": "x", "c": 0.7, "d": ["y"], "e": {"f": 1}, "zz": 1})
    messages = [m for listed in errors.values() for m in listed]
    assert len(messages) >= 6 and all(isinstance(m, Message) for m in messages), errors
    _clean, errors = validate_submission(form, [])
    assert all(isinstance(m, Message) for listed in errors.values() for m in listed)
    with app.test_request_context("/?lang=zh_CN"):
        from service.i18n import say

        assert {say(m) for m in messages} >= {"此项为必填项。", "至少需要 3 个字符。", "表单中没有此字段。", "应为列表。"}
