"""The staff pages through the test client: who may open what, 403/404 pages, escaping, Chinese and English."""

import re

import pytest

from tests.conftest import DATA

GOOD = {"resident_name": "张三", "phone": "13800138000", "category": "other",
        "received_at": "2026-11-27T10:00:00+08:00", "content": "<script>alert('x')</script>楼道灯坏了"}


def login(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"username": username, "password": "pw-123456", "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)


@pytest.fixture
def case(api):
    assert api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form").status_code == 201
    return api.start("core_flow").get_json()


def html(resp, status: int = 200) -> str:
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    assert resp.content_type.startswith("text/html")
    return resp.get_data(as_text=True)


def test_signed_out_pages_redirect_to_login(client, case):
    for path in ("/tasks", f"/tasks/{case['tasks'][0]['id']}", f"/instances/{case['id']}"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"], path


def test_task_list_for_staff_and_managers_not_analysts(api, client, case):
    login(client, "desk")
    page = html(client.get("/tasks"))
    assert "我的待办" in page and "部门待办" in page and 'data-scope="all"' not in page
    assert "js/tasks.js" in page and "css/pages.css" in page
    assert 'href="/tasks"' in page  # in the top menu
    assert "客服部" in page  # my department
    client.get("/login")
    login(client, "boss")
    assert 'data-scope="all"' in html(client.get("/tasks"))
    login(client, "analyst")
    page = html(client.get("/tasks"), 403)
    assert "没有权限" in page and 'href="/tasks"' not in page.split("<main")[0]


def test_task_page_shows_form_summary_history_and_diagram(api, client, case):
    task_id = case["tasks"][0]["id"]
    login(client, "desk")
    page = html(client.get(f"/tasks/{task_id}"))
    assert "登记投诉" in page and 'id="task-form"' in page and "提交" in page and "认领" in page
    assert case["ticket"] and case["ticket"] in page and "案件摘要" in page and "处理记录" in page and "流程图" in page
    assert "发起" in page and "核心测试流程" in page
    assert "vendor/wuyeflow-forms.js" in page and "vendor/wuyeflow-viewer.js" in page
    assert f"/instances/{case['id']}" in page


def test_task_without_a_form_offers_a_comment(api, client, case):
    reply = api.complete(case["tasks"][0]["id"], GOOD, as_="desk").get_json()["next_tasks"][0]
    assert reply["element_id"] == "reply"
    login(client, "desk")
    page = html(client.get(f"/tasks/{reply['id']}"))
    assert 'id="task-comment"' in page and "完成" in page and 'id="task-form"' not in page
    # the history so far, in words, with the submitted fields by their labels
    assert "完成" in page and "登记投诉" in page and "业户姓名" in page and "其他" in page


def test_other_departments_task_is_a_403_page_and_unknown_ids_404(api, client, case):
    login(client, "eng")
    page = html(client.get(f"/tasks/{case['tasks'][0]['id']}"), 403)
    assert "没有权限" in page and "<!doctype html>" in page
    html(client.get("/tasks/00000000-0000-0000-0000-000000000000"), 404)
    html(client.get("/instances/999999"), 404)


def test_manager_sees_but_may_not_work_a_task(api, client, case):
    login(client, "boss")
    page = html(client.get(f"/tasks/{case['tasks'][0]['id']}"))
    assert "您可以查看此任务" in page and 'id="submit-task"' not in page


def test_case_page_escapes_user_text(api, client, case):
    api.complete(case["tasks"][0]["id"], GOOD, as_="desk")
    login(client, "desk")
    for path in (f"/instances/{case['id']}", f"/tasks/{api.task(case['id'], 'reply')['id']}"):
        page = html(client.get(path))
        assert "<script>alert(" not in page, path
        assert "&lt;script&gt;alert(" in page, path


def test_case_page_for_staff_and_managers(api, client, case):
    api.complete(case["tasks"][0]["id"], GOOD, as_="desk")
    login(client, "desk")
    page = html(client.get(f"/instances/{case['id']}"))
    assert "核心测试流程" in page and "回复业户" in page and "案件数据" in page and "处理记录" in page
    assert "业户姓名" in page and "张三" in page and "其他" in page  # labels and option labels, not keys
    assert 'id="cancel-form"' not in page  # staff may not cancel
    login(client, "boss")
    page = html(client.get(f"/instances/{case['id']}"))
    assert 'id="cancel-form"' in page and '<option value="withdraw">业户撤诉（withdraw）</option>' in page


def test_case_page_lists_deadlines_and_marks_overdue(api, client, case):
    api.complete(case["tasks"][0]["id"], {**GOOD, "category": "repair"}, as_="desk")
    login(client, "eng")
    page = html(client.get(f"/instances/{case['id']}"))
    assert "24小时未处理" in page and 'class="countdown" data-due="' in page
    assert "工程部处理" in page and "due-overdue" in page  # due 4 office hours after 2026-11-27 10:00


def test_done_opens_the_next_task_when_mine_else_the_list(api, client, case):
    login(client, "desk")
    api.complete(case["tasks"][0]["id"], GOOD, as_="desk")
    resp = client.get(f"/tasks/{case['tasks'][0]['id']}/done")
    reply = api.task(case["id"], "reply")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/tasks/{reply['id']}")
    page = html(client.get(resp.headers["Location"]))
    assert "已提交「登记投诉」" in page and "下一步：回复业户" in page
    other = api.start("core_flow").get_json()
    api.complete(other["tasks"][0]["id"], {**GOOD, "category": "repair"}, as_="desk")
    resp = client.get(f"/tasks/{other['tasks'][0]['id']}/done")
    assert resp.headers["Location"].endswith("/tasks")


def test_english_by_switch(api, client, case):
    login(client, "desk")
    page = html(client.get("/tasks?lang=en"))
    assert "My tasks" in page and "Department tasks" in page and "我的待办" not in page
    page = html(client.get(f"/tasks/{case['tasks'][0]['id']}"))
    assert "Submit" in page and "Case summary" in page and "History" in page


def test_home_opens_the_first_page_the_role_may_use(api, client):
    import re

    for username, target in (("desk", "/tasks"), ("analyst", "/modeler")):
        client.post("/logout")
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"username": username, "password": "pw-123456", "csrf_token": token})
        resp = client.get("/")
        assert resp.status_code == 302 and resp.headers["Location"].startswith(target), (username, resp.headers)
