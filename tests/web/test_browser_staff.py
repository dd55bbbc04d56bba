"""In Chromium against a live server: the desk claims, unclaims and registers a complaint through the
pages, the engineering department handles one, a manager follows the case, staff and the resident see the
resident's photos, form-js speaks the page's language. Screenshots: test-artifacts/."""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from service import clock
from service.db import db
from tests.frontend.conftest import ARTIFACTS
from tests.web.live import PASSWORD, loopback, seeded_app

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser
USERS = (("desk", "staff", ["客服部"]), ("desk2", "staff", ["客服部"]), ("eng", "staff", ["工程部"]),
         ("boss", "manager", ["物业经理"]))
REGISTER = {"resident_name": "张三", "phone": "13800138000", "unit": "3栋2单元501", "channel": "phone",
            "category": "repair", "content": "楼道灯坏了一周，晚上看不见路", "location": "3栋2单元5楼楼道",
            "urgent": False, "escalated_over_head": False, "repeated_complaint": False, "serious_impact": False}
ACK = {"handler_name": "李客服", "progress_channel": "hotline", "ack_method": "phone"}


def iso(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).isoformat(timespec="minutes")


@dataclass
class Live:
    base: str
    app: object

    def actor(self, username: str):
        from service.models import User
        from service.usecases.access import Actor

        return Actor.of(db.session.scalar(db.select(User).where(User.username == username)))

    def complaint(self, stage: str = "register", accepted_days_ago: float = 0, **data) -> dict:
        """A complaint started by the desk and moved on to `stage` (register, dispatch or handle_eng)."""
        from service.usecases import instances, tasks

        accepted = iso(clock.now() - timedelta(days=accepted_days_ago))
        with self.app.app_context():
            desk = self.actor("desk")
            case = instances.start_instance(desk, "complaint", {"channel": "phone", "accepted_at": accepted, **data})
            steps = {"register": {**REGISTER, "accepted_at": accepted, **data},
                     "acknowledge": {**ACK, "acknowledged_at": accepted},
                     "dispatch": {"department": "工程部", "requirements": "请尽快处理"}}
            for element, body in steps.items():
                if element == stage:
                    break
                task = next(t for t in tasks.open_tasks_of(case.id) if t.element_id == element)
                tasks.complete(desk, task.id, body)
            open_tasks = {t.element_id: t.id for t in tasks.open_tasks_of(case.id)}
            return {"id": case.id, "ticket": case.ticket, "tasks": open_tasks}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("staff")) as server:
        yield server


@contextmanager
def serve(path: Path) -> Iterator[Live]:
    """The real app on a free loopback port (SQLite file in `path`) with every bundled process deployed."""
    app = seeded_app(path, USERS, PORTAL_UPLOAD_DIR=str(path / "uploads"))
    with loopback(app, "live-staff") as base:
        yield Live(base, app)


class Tab:
    """A signed-in page that records script errors, dialogs (an alert would mean a script ran) and
    requests leaving the loopback server."""

    def __init__(self, browser, live: Live, username: str, width: int = 1400, height: int = 900):
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
        self.context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(live.base) else r.abort())
        self.page = page = self.context.new_page()
        page.set_default_timeout(60_000)  # a loaded CI machine is slower than a quiet one
        page.on("pageerror", lambda err: self.errors.append(f"pageerror: {err}"))
        page.on("console", lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.on("dialog", self._dialog)
        page.goto(f"{live.base}/login?next=/tasks")
        page.fill('input[name="username"]', username)
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url(f"{live.base}/tasks*")

    def unexpected_errors(self) -> list[str]:
        """Errors other than the browser's note about the 422 a test provoked on purpose."""
        return [e for e in self.errors if "status of 422" not in e]

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.accept()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / name, full_page=True)

    def close(self) -> None:
        self.context.close()


def row(page, task_id: str):
    return page.locator(f'tr[data-task-id="{task_id}"]')


def field(page, label: str):
    """The form-js field labelled with this text (a required field's label ends with *)."""
    label_node = page.locator("label.fjs-form-field-label").filter(has_text=re.compile(rf"^{re.escape(label)}\*?$"))
    return page.locator(".fjs-form-field").filter(has=label_node).last


def choose(page, label: str, option: str) -> None:
    """Pick an option of a form-js select (a custom dropdown, not a <select>)."""
    field(page, label).locator(".fjs-select-display").click()
    page.locator(".fjs-dropdownlist-item", has_text=option).first.click()


def png(width: int, height: int, tint: int) -> bytes:
    """A small real PNG (a colour gradient), so a thumbnail has something to show."""
    rows = b"".join(b"\0" + bytes(v for x in range(width) for v in (x * 255 // width, tint, y * 255 // height))
                    for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def type_date(page, locator, year: int, month: int, day: int) -> None:
    """Type a date into a native date input with the keyboard, in the order this browser shows its parts."""
    expected = f"{year:04d}-{month:02d}-{day:02d}"
    for order in (f"{month:02d}{day:02d}{year:04d}", f"{year:04d}{month:02d}{day:02d}", f"{day:02d}{month:02d}{year:04d}"):
        locator.focus()
        page.keyboard.type(order)
        if locator.input_value() == expected:
            return
        locator.evaluate("e => { e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); }")
    raise AssertionError(f"could not type {expected} into {locator}")


def set_phone_on_the_wire(route, phone: str) -> None:
    """Change the submitted phone after the page's own checks: what a client without them would send."""
    body = json.loads(route.request.post_data)
    body["data"]["phone"] = phone
    route.continue_(post_data=json.dumps(body))


def test_desk_claims_unclaims_and_registers_a_complaint(browser, live):
    fresh = live.complaint("register")
    live.complaint("dispatch", accepted_days_ago=4)  # overdue
    live.complaint("dispatch", accepted_days_ago=0)
    tab = Tab(browser, live, "desk")
    page = tab.page
    # nothing claimed yet: the list opens on 部门待办
    page.locator("#tab-groups[aria-selected=true]").wait_for()
    task_id = fresh["tasks"]["register"]
    row(page, task_id).wait_for()
    assert "登记投诉" in row(page, task_id).inner_text()
    assert page.locator(".due-flag-overdue").count() >= 1
    page.evaluate("window.__samePage = true")

    row(page, task_id).get_by_role("button", name="认领").click()
    row(page, task_id).get_by_role("button", name="退回").wait_for()
    assert "desk" in row(page, task_id).inner_text()
    page.locator('[data-count="mine"]', has_text="1").wait_for()
    tab.shot("tasks.png")

    page.locator("#tab-groups").focus()
    page.keyboard.press("ArrowLeft")  # keyboard: to 我的待办
    page.locator("#tab-mine[aria-selected=true]").wait_for()
    row(page, task_id).get_by_role("button", name="退回").click()
    row(page, task_id).get_by_role("button", name="认领").wait_for()
    page.locator('[data-count="mine"]', has_text="0").wait_for()
    assert page.evaluate("window.__samePage") is True, "claim and unclaim must not reload the page"

    row(page, task_id).get_by_role("link", name="办理").click()
    page.wait_for_url(f"**/tasks/{task_id}")
    page.get_by_label("业户姓名").wait_for()
    page.wait_for_selector("body[data-diagram-ready=true]")
    assert page.locator('.djs-element.wf-current[data-element-id="register"]').count() == 1
    assert field(page, "投诉渠道").locator(".fjs-select-display").inner_text() == "来电"  # prefilled from the case

    page.get_by_label("业户姓名").fill("王小明")
    page.get_by_label("联系电话").fill("12345")
    page.get_by_label("楼栋/单元/房号").fill("5栋1单元302")
    choose(page, "投诉类别", "设施设备/维修")
    page.get_by_role("textbox", name="投诉内容").fill("<script>alert('x')</script>电梯异响三天")
    completes: list[str] = []
    page.on("request", lambda r: completes.append(r.url) if r.url.endswith("/complete") else None)
    page.get_by_role("button", name="提交").click()
    field(page, "联系电话").locator(".fjs-form-field-error").wait_for()  # form-js's own check, nothing sent
    assert "请先修正" in page.locator("#submit-status").inner_text() and completes == []
    assert field(page, "联系电话").locator(".fjs-form-field-error").inner_text().strip() == "格式不正确。"

    page.get_by_label("联系电话").fill("13800138000")
    page.route("**/complete", lambda route: set_phone_on_the_wire(route, "123"))
    page.get_by_role("button", name="提交").click()
    server_error = field(page, "联系电话").locator(".wf-server-error")
    server_error.wait_for()  # the server's 422, shown at the field it names, in the page's language
    assert server_error.inner_text().strip().startswith("格式不正确（应符合") and page.locator("#form-errors").is_visible()
    tab.shot("task-register-errors.png")
    page.unroute("**/complete")
    page.get_by_label("联系电话").fill("13800138001")
    server_error.wait_for(state="detached")  # editing the field clears its message

    page.get_by_role("button", name="提交").click()
    page.locator(".flash", has_text="下一步：受理回复").wait_for()  # 受理回复 is the desk's too: it opens directly
    assert page.locator("h1").inner_text() == "受理回复"
    page.wait_for_selector("body[data-diagram-ready=true]")
    assert page.locator('.djs-element.wf-current[data-element-id="acknowledge"]').count() == 1
    assert page.locator('.djs-element.wf-finished[data-element-id="register"]').count() == 1
    history = page.locator(".timeline").inner_text()
    assert "完成" in history and "登记投诉" in history
    page.locator(".timeline details summary").first.click()
    assert "<script>alert('x')</script>电梯异响三天" in page.locator(".timeline").inner_text()  # text, not markup
    assert "<script>alert('x')</script>电梯异响三天" in page.locator(".summary").inner_text()
    tab.shot("task-acknowledge.png")
    assert tab.dialogs == [] and tab.unexpected_errors() == [], (tab.dialogs, tab.errors)
    tab.close()


def test_engineering_handles_the_case_and_a_manager_follows_it(browser, live):
    case = live.complaint("handle_eng", content="<img src=x onerror=alert(1)>外墙渗水")
    task_id = case["tasks"]["handle_eng"]

    boss = Tab(browser, live, "boss")
    page = boss.page
    page.goto(f"{live.base}/instances/{case['id']}")
    page.wait_for_selector("body[data-diagram-ready=true]")
    assert page.locator('.djs-element.wf-current[data-element-id="handle_eng"]').count() == 1
    assert page.locator('.djs-element.wf-finished[data-element-id="dispatch"]').count() == 1
    assert page.locator('.djs-connection.wf-finished').count() >= 3  # the path so far
    page.locator(".countdown", has_text="还剩").first.wait_for()  # live countdowns to the deadlines
    assert page.locator('#message-form option[value="complaint_withdrawn"]').count() == 1
    assert "<img src=x onerror=alert(1)>外墙渗水" in page.locator(".data-table").inner_text()
    history = page.locator(".timeline").inner_text()
    assert "发起" in history and "任务分派（服务派工单）" in history
    boss.shot("instance.png")
    assert boss.dialogs == [] and boss.unexpected_errors() == [], (boss.dialogs, boss.errors)
    boss.close()

    eng = Tab(browser, live, "eng")
    page = eng.page
    desks_task = live.complaint("register")["tasks"]["register"]
    response = page.goto(f"{live.base}/tasks/{desks_task}")
    assert response.status == 403 and page.locator("h1", has_text="没有权限").is_visible()
    eng.shot("error-403.png")
    eng.errors.clear()  # the browser logs the 403 itself
    page.goto(f"{live.base}/tasks")
    row(page, task_id).get_by_role("link", name="办理").click()
    page.get_by_label("调查核实情况").fill("现场核实：外墙裂缝渗水")
    page.get_by_label("处理措施及结果").fill("已修补外墙裂缝")
    page.get_by_label("处理人").fill("王师傅")
    # the date and time typed with the keyboard, then 提交 at once: the value must be in the form already
    type_date(page, page.locator('[id$="-Field_handled_at-date"]'), 2026, 11, 28)
    page.locator('[id$="-Field_handled_at-time"]').focus()
    page.keyboard.type("1500")
    eng.shot("task-handle.png")
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/complete") else None)
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(f"{live.base}/tasks*")  # 处理结果反馈 is the desk's: back to the list
    page.locator(".flash", has_text="已提交「工程部处理」").wait_for()
    assert sent and sent[0]["data"]["handled_at"] == "2026-11-28T15:00+08:00", sent

    page.goto(f"{live.base}/instances/{case['id']}")
    page.wait_for_selector("body[data-diagram-ready=true]")
    assert page.locator('.djs-element.wf-current[data-element-id="feedback"]').count() == 1
    assert page.locator('.djs-element.wf-finished[data-element-id="handle_eng"]').count() == 1
    assert "eng 完成 工程部处理" in page.locator(".timeline").inner_text()
    page.locator(".timeline details summary").last.click()
    assert "已修补外墙裂缝" in page.locator(".timeline").inner_text()
    assert page.locator("#cancel-form").count() == 0  # staff may not cancel
    eng.shot("instance-after-handling.png")
    assert eng.dialogs == [] and eng.unexpected_errors() == [], (eng.dialogs, eng.errors)
    eng.close()


def test_task_list_on_a_phone(browser, live):
    live.complaint("register")
    phone = Tab(browser, live, "desk", width=390, height=844)
    page = phone.page
    page.locator("tr[data-task-id]").first.wait_for()
    assert not page.locator(".task-table thead").is_visible()  # rows are cards
    first = page.locator("tr[data-task-id]").first.bounding_box()
    assert first["width"] <= 390
    phone.shot("tasks-phone.png")
    page.goto(f"{live.base}/tasks?lang=en")  # English by the switch, the scripts' words too
    page.locator("tr[data-task-id]").first.get_by_role("button", name="Claim").wait_for()
    assert page.locator("#tab-mine").inner_text().startswith("My tasks")
    phone.shot("tasks-phone-en.png")
    assert phone.unexpected_errors() == [], phone.errors
    phone.close()


def test_form_words_follow_the_page_language(browser, live):
    task_id = live.complaint("register")["tasks"]["register"]
    tab = Tab(browser, live, "desk")
    page = tab.page
    for lang, required, choose_one, submit in (("zh_CN", "此项为必填项。", "请选择", "提交"),
                                                ("en", "Field is required.", "Select", "Submit")):
        page.goto(f"{live.base}/tasks/{task_id}?lang={lang}")
        page.locator(".fjs-form-field-textfield").first.wait_for()
        assert field(page, "投诉类别").locator(".fjs-select-display").inner_text() == choose_one
        page.get_by_role("button", name=submit).click()
        error = field(page, "业户姓名").locator(".fjs-form-field-error")
        error.wait_for()
        assert error.inner_text().strip() == required
        assert field(page, "投诉类别").locator(".fjs-form-field-error").inner_text().strip() == required
        tab.shot(f"task-required-{lang}.png")
    assert tab.unexpected_errors() == [], tab.errors
    tab.close()


def test_staff_see_the_residents_photos(browser, live):
    from service.usecases import portal

    case = live.complaint("register")
    portal.save_photos(live.app.config["PORTAL_UPLOAD_DIR"], case["ticket"],
                       [("stairs.png", png(160, 120, 40)), ("wall.png", png(120, 160, 200))])
    desk = Tab(browser, live, "desk")
    page = desk.page
    page.goto(f"{live.base}/tasks/{case['tasks']['register']}")
    thumbs = page.locator(".summary ~ .photos img")
    thumbs.first.wait_for()
    assert thumbs.count() == 2
    page.wait_for_function("() => [...document.querySelectorAll('.photos img')].every((i) => i.complete && i.naturalWidth > 0)")
    assert thumbs.first.bounding_box()["width"] <= 100  # a thumbnail, not the picture
    with page.expect_popup() as opened:
        thumbs.first.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.url.endswith(f"/instances/{case['id']}/photos/1-stairs.png")
    assert full.evaluate("() => document.images[0].naturalWidth") == 160  # full size
    full.close()
    desk.shot("task-photos.png")
    page.goto(f"{live.base}/instances/{case['id']}?lang=en")
    page.locator(".photos img").nth(1).wait_for()
    assert page.locator(".photos figcaption").inner_text() == "Resident's photos"
    desk.shot("instance-photos-en.png")
    page.goto(f"{live.base}/instances/{case['id']}?lang=zh_CN")
    page.locator(".photos img").nth(1).wait_for()
    desk.shot("instance-photos.png")
    assert desk.unexpected_errors() == [], desk.errors
    desk.close()


def test_a_resident_files_with_a_photo_and_sees_it_on_a_phone(browser, live, tmp_path):
    photo = tmp_path / "楼道.png"
    photo.write_bytes(png(200, 150, 90))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(live.base) else r.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{live.base}/portal/new/complaint")
    page.locator('input[name="resident_name"]').fill("李四")
    page.locator('input[name="phone"]').fill("13912345678")
    page.locator('input[name="unit"]').fill("3栋2单元501")
    page.locator('select[name="category"]').select_option("cleaning")
    page.locator('textarea[name="content"]').fill("楼道垃圾三天没人清理")
    page.locator('input[type="file"]').set_input_files(str(photo))
    page.locator('main form button[type="submit"]').click()
    ticket = page.locator("#ticket").inner_text()
    for lang, headline in (("zh_CN", "您上传的照片"), ("en", "Your photos")):
        page.goto(f"{live.base}/portal/track?ticket={ticket}&lang={lang}")
        page.locator('input[name="phone"]').fill("13912345678")
        page.locator('form[action$="/portal/track"] button[type="submit"]').click()
        page.locator(".photos img").wait_for()
        assert page.locator(".photos figcaption").inner_text() == headline
        page.wait_for_function("() => document.querySelector('.photos img').naturalWidth === 200")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        page.screenshot(path=ARTIFACTS / f"portal-track-photos-{lang}.png", full_page=True)
    stranger = browser.new_context()
    response = stranger.new_page().goto(live.base + page.locator(".photos a").first.get_attribute("href"))
    assert response.status == 404  # the link works only in the browser that proved the phone number
    stranger.close()
    assert errors == [], errors
    context.close()
