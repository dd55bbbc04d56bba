"""In Chromium against a live server: an analyst edits the complaint diagram and hands it over; an admin deploys it."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import create_app
from service.db import db, unit_of_work
from tests.frontend.conftest import ARTIFACTS
from tests.processes.helpers import FOLLOWUP_FILES
from tests.web.live import loopback

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-123456"
pytestmark = pytest.mark.browser


@pytest.fixture
def live_app(tmp_path):
    """The real app on a free loopback port (SQLite file), complaint v1 deployed, one case running on it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite'}", "SECRET_KEY": "live"})
    with app.app_context():
        from service.usecases import accounts, deploy, instances

        db.create_all()
        with unit_of_work():
            accounts.ensure_compound()
        for name, role, groups in (("admin", "admin", []), ("analyst", "analyst", []), ("desk", "staff", ["客服部"])):
            accounts.create_user(name, PASSWORD, role, groups)
        files = [ROOT / "bpmn" / "complaint.bpmn", ROOT / "bpmn" / "complaint_classification.dmn",
                 *sorted((ROOT / "forms").glob("complaint_*.form")), *FOLLOWUP_FILES]
        deploy.deploy({p.name: p.read_bytes() for p in files}, "v1", "admin")
        running = _start_complaint(app, instances)
    with loopback(app, "live-app") as base:
        yield base, app, running


def _start_complaint(app, instances) -> int:
    from service.models import User
    from service.usecases.access import Actor

    user = db.session.scalar(db.select(User).where(User.username == "desk"))
    return instances.start_instance(Actor.of(user), "complaint", {}).id



def _page(browser, base: str, errors: list[str]):
    context = browser.new_context(viewport={"width": 1500, "height": 950}, locale="zh-CN")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    page = context.new_page()
    page.on("pageerror", lambda err: errors.append(f"pageerror: {err}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _login(page, base: str, username: str, then: str) -> None:
    page.goto(f"{base}/login?next={then}")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}{then}")


def test_analyst_edits_validates_saves_and_submits_then_admin_deploys(browser, live_app):
    base, app, running_id = live_app
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    page = _page(browser, base, errors)

    _login(page, base, "analyst", "/modeler/complaint")
    page.wait_for_selector("body[data-modeler-ready=true]")
    assert page.locator('[data-element-id="register"]').count() == 1, "the complaint diagram renders"
    assert page.locator("#wf-version").input_value() == "1"
    page.evaluate("""() => {
        const { modeler } = window.WuyeFlowModelerPage;
        const register = modeler.get('elementRegistry').get('register');
        modeler.get('modeling').updateLabel(register, '登记客户投诉');
        modeler.get('selection').select(register);
    }""")
    page.locator("text=登记客户投诉").first.wait_for()
    page.locator("#wf-props .bio-properties-panel-header-label", has_text="登记客户投诉").wait_for()
    assert page.locator(".bjsl-button").is_visible(), "the bpmnlint button is shown"
    page.screenshot(path=ARTIFACTS / "modeler-open.png")

    _server_problem_shows_on_its_element(page)
    _edit_form(page)

    page.click("#wf-validate")
    page.locator("#wf-status", has_text="校验通过").wait_for()
    assert page.locator("#wf-problems li").count() == 0
    page.fill("#wf-note", "登记任务改名")
    page.click("#wf-save")
    page.locator("#wf-status", has_text="已另存为新草稿").wait_for()
    assert "draft=" in page.url
    page.screenshot(path=ARTIFACTS / "modeler-complaint.png")
    page.click("#wf-submit")
    page.locator("#wf-status", has_text="已提交给管理员部署").wait_for()

    page.click("text=退出")
    _login(page, base, "admin", "/admin/processes")
    draft = page.locator(".submitted-draft")
    draft.locator(".diff-box").wait_for()
    assert "登记投诉" in draft.inner_text() and "登记客户投诉" in draft.inner_text()
    assert "complaint_register" in draft.inner_text(), "the edited form is in the diff"
    assert draft.locator("code", has_text="register").count() >= 1
    page.screenshot(path=ARTIFACTS / "admin-processes-diff.png", full_page=True)
    draft.locator("input").fill("登记任务改名（已审核）")
    draft.locator("button", has_text="部署").click()
    page.locator("#wf-admin-status", has_text="版本 2").wait_for()
    page.locator('tr[data-version="complaint:2"]').wait_for()
    assert page.locator('tr[data-version="complaint:1"] .running').inner_text() == "1"
    assert page.locator('tr[data-version="complaint:2"] .running').inner_text() == "0"
    assert page.locator(".submitted-draft").count() == 0
    page.screenshot(path=ARTIFACTS / "admin-processes-deployed.png", full_page=True)
    assert errors == [], errors

    with app.app_context():
        from service.models import Instance

        assert db.session.get(Instance, running_id).version == 1


def _server_problem_shows_on_its_element(page) -> None:
    """An unsafe due-date expression: the server names the element; the page marks it and lists the problem."""
    page.evaluate("""() => {
        const { modeler } = window.WuyeFlowModelerPage;
        const register = modeler.get('elementRegistry').get('register');
        modeler.get('modeling').updateProperties(register, { 'camunda:dueDate': "__import__('os')" });
    }""")
    page.click("#wf-validate")
    page.locator('.djs-element.wf-error[data-element-id="register"]').wait_for()
    assert page.locator('.djs-overlays[data-container-id="register"] .wf-problem-badge').count() == 1
    item = page.locator("#wf-problems li", has=page.locator('button[data-element="register"]'))
    assert "dueDate" in item.inner_text()
    item.locator("button").click()  # selects the element: the properties panel shows it
    page.locator("#wf-props .bio-properties-panel-header-label", has_text="登记客户投诉").wait_for()
    page.screenshot(path=ARTIFACTS / "modeler-server-problems.png", full_page=True)
    page.evaluate("() => window.WuyeFlowModelerPage.modeler.get('commandStack').undo()")


def _edit_form(page) -> None:
    """The form a user task names opens in the form-js editor; the change goes into the draft."""
    page.click('#wf-forms button[data-form="complaint_register"]')
    page.locator("#wf-form-dialog .fjs-palette").wait_for()
    page.locator("#wf-form-dialog").get_by_text("业户姓名").first.wait_for()
    page.evaluate("""() => {
        const editor = window.WuyeFlowFormDialog.editor;
        const field = editor.get('formFieldRegistry').getAll().find((f) => f.key === 'resident_name');
        editor.get('modeling').editFormField(field, 'label', '业户姓名（必填）');
    }""")
    page.screenshot(path=ARTIFACTS / "modeler-form-editor.png")
    page.click("#wf-form-apply")
    page.locator("#wf-forms li", has_text="complaint_register").locator(".badge").wait_for()


def test_admin_manages_users_and_the_pages_switch_to_english(browser, live_app):
    base, _app, _running = live_app
    errors: list[str] = []
    page = _page(browser, base, errors)
    _login(page, base, "admin", "/admin/users")
    page.locator('tr[data-user="desk"]').wait_for()
    form = page.locator("#wf-new-user")
    form.locator('input[name="username"]').fill("gongcheng")
    form.locator('input[name="password"]').fill("pw-12345678")
    form.locator('select[name="role"]').select_option("staff")
    form.locator('input[name="groups"]').fill("工程部，保安部")
    form.locator('button[type="submit"]').click()
    row = page.locator('tr[data-user="gongcheng"]')
    row.wait_for()
    assert row.locator('[data-field="groups"]').input_value() == "保安部, 工程部"
    row.locator('[data-field="role"]').select_option("manager")
    row.locator('button[data-action="save"]').click()
    page.locator("#wf-admin-status", has_text="已保存 gongcheng").wait_for()
    page.locator('tr[data-user="gongcheng"] button[data-action="deactivate"]').click()
    page.locator('tr[data-user="gongcheng"].user-inactive').wait_for()
    page.screenshot(path=ARTIFACTS / "admin-users.png", full_page=True)

    page.goto(f"{base}/modeler?lang=en")
    page.wait_for_selector("body[data-modeler-ready=true]")
    assert page.locator("#wf-save").inner_text() == "Save draft"
    assert "Not saved as a draft yet" in page.locator("#wf-status").inner_text()
    page.screenshot(path=ARTIFACTS / "modeler-new-en.png")
    assert errors == [], errors
