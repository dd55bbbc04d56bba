"""In Chromium against a live server: one complaint from the resident's portal to 已办结, every step through the
pages. The resident files it online with a photo and gets a ticket; 客服部 registers, acknowledges and dispatches
it; 清洁绿化部 handles it; 客服部 feeds the result back; the resident rates the visit on the portal; 客服部 does the
follow-up visit (the shared followup_visit call activity); 清洁绿化部 records preventive measures; 客服部 archives;
the resident sees the case closed. Screenshots: test-artifacts/e2e-*.png.

Forms are worked as a person would: 提交 on the empty form shows form-js's required-field errors, the fields are
filled, and the test waits until no field shows an error (form-js re-validates a field when its value reaches the
form's state, so this is the explicit sign that every value, the date and time pickers included, was taken)
before it submits again. No sleeps, no API calls.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from service.cli import DEMO_USERS
from tests.frontend.conftest import ARTIFACTS
from tests.web.live import loopback, seeded_app
from tests.web.test_browser_staff import Tab, choose, field

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.browser
RESIDENT = {"phone": "13912345678", "name": "李四", "unit": "6栋1单元902", "content": "6栋1单元楼道垃圾三天没人清理，气味很大"}


def png(width: int = 48, height: int = 32, rgb: tuple[int, int, int] = (46, 125, 50)) -> bytes:
    """A real, solid-colour PNG: the portal checks the image's magic bytes, the staff page shows a thumbnail."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@dataclass
class Live:
    base: str
    app: object


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e")
    app = seeded_app(path, DEMO_USERS, PORTAL_UPLOAD_DIR=str(path / "uploads"), RATELIMIT_ENABLED=False)
    with loopback(app, "live-e2e") as base:
        yield Live(base, app)


class Resident:
    """A browser without a staff account (the portal only), kept on the loopback server."""

    def __init__(self, browser, live: Live):
        self.live = live
        self.context = browser.new_context(viewport={"width": 430, "height": 900}, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
        self.context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(live.base) else r.abort())
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)

    def track(self, ticket: str) -> None:
        page = self.page
        page.goto(f"{self.live.base}/portal/track")
        page.get_by_label("工单号").fill(ticket)
        page.get_by_label("联系电话").fill(RESIDENT["phone"])
        page.get_by_role("button", name="查询").click()
        page.locator("#case-title", has_text=ticket).wait_for()

    def status(self) -> str:
        return self.page.locator(".case .status strong").inner_text().strip()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / name, full_page=True)


# --- staff pages ---------------------------------------------------------------------------------
def shot(tab, step: int, name: str) -> None:
    tab.shot(f"e2e-{step:02d}-{name}.png")


def open_from_list(tab: Tab, live: Live, ticket: str, task_name: str, claim: bool = False) -> None:
    """Find the case's task on /tasks (部门待办) by ticket and name, optionally claim it, and open it."""
    page = tab.page
    # The hash opens 部门待办 with the page's one first query (the list draws only its newest query's answer,
    # tests/web/test_browser_task_views.py; one query is simply quicker).
    if page.goto(f"{live.base}/tasks#groups") is None:  # only the hash changed: load the list afresh
        page.reload()
    page.locator("#tab-groups[aria-selected=true]").wait_for()
    page.locator("#task-rows:not([aria-busy])").wait_for()
    row = page.locator("tr[data-task-id]").filter(has_text=ticket).filter(has_text=task_name)
    row.wait_for()
    if claim:
        row.get_by_role("button", name="认领").click()
        row.get_by_role("button", name="退回").wait_for()  # claimed by me, without a reload
    task_id = row.get_attribute("data-task-id")
    row.get_by_role("link", name="办理").click()
    page.wait_for_url(f"**/tasks/{task_id}")
    form_ready(page, task_name)


def form_ready(page, task_name: str) -> None:
    assert page.locator(".page-head h1").inner_text() == task_name
    page.locator("#task-form:not([aria-busy]) .fjs-form").wait_for()


def show_required(page) -> None:
    """提交 on the untouched form: form-js marks the required fields and nothing is sent."""
    page.get_by_role("button", name="提交").click()
    page.locator("#submit-status", has_text="请先修正").wait_for()
    assert page.locator(".fjs-has-errors").count() > 0


def submit(page, task_name: str, snap) -> None:
    """Once no field shows an error any more (every value is in the form's state), a screenshot, then 提交."""
    page.locator(".fjs-has-errors").first.wait_for(state="detached")
    snap()
    page.get_by_role("button", name="提交").click()
    page.locator(".flash", has_text=f"已提交「{task_name}」").wait_for()


def set_datetime(page, component_id: str, hhmm: str) -> None:
    """Today at `hhmm` in a form-js date-time field, found by its component id (its two parts are labelled
    only 日期 / 时间). Native date and time inputs are filled; form-js's own pickers are clicked: the calendar's
    today and the time from its list (typing into them proved unreliable on a loaded machine)."""
    date_input = page.locator(f'input[id$="-{component_id}-date"]')
    time_input = page.locator(f'input[id$="-{component_id}-time"]')
    today = datetime.now(SHANGHAI).date().isoformat()
    if date_input.get_attribute("type") == "date":
        date_input.fill(today)
        time_input.fill(hhmm)
        assert (date_input.input_value(), time_input.input_value()) == (today, hhmm)
        return
    date_input.click()
    calendar = page.locator(".flatpickr-calendar.open")
    calendar.locator(".flatpickr-day.today").click()
    calendar.wait_for(state="hidden")
    time_input.click()
    page.locator(".fjs-dropdownlist-item", has_text=re.compile(rf"^{hhmm}$")).click()
    assert time_input.input_value() == hhmm


def form(page):
    """The task's form-js form (labels are looked up there, not in the case summary or the diagram)."""
    return page.locator("#task-form")


def radio(page, label: str, option: str) -> None:
    field(page, label).get_by_label(option, exact=True).check()


# --- the case ----------------------------------------------------------------------------------------
def test_a_complaint_from_the_portal_to_closed_through_the_pages(browser, live, tmp_path):
    step = 0

    def snap(tab, name):
        nonlocal step
        step += 1
        shot(tab, step, name)

    # the resident files the complaint online, with a photo, and notes the ticket number
    resident = Resident(browser, live)
    page = resident.page
    page.goto(f"{live.base}/portal")
    page.get_by_role("link", name=re.compile("投诉")).first.click()
    page.wait_for_url("**/portal/new/complaint")
    page.get_by_label("联系电话").fill(RESIDENT["phone"])
    page.get_by_label("姓名").fill(RESIDENT["name"])
    page.get_by_label("楼栋/单元/房号").fill(RESIDENT["unit"])
    page.get_by_label("类别").select_option(label="环境卫生/绿化")
    page.get_by_label("情况描述").fill(RESIDENT["content"])
    photo = tmp_path / "楼道.png"
    photo.write_bytes(png())
    page.locator('input[type="file"][name="photos"]').set_input_files(photo)
    snap(resident, "portal-form")
    page.get_by_role("button", name="提交").click()
    ticket = page.locator("#ticket").inner_text().strip()
    assert re.fullmatch(r"TS-\d{8}-\d{4}", ticket), ticket
    snap(resident, "portal-ticket")
    resident.track(ticket)
    assert resident.status() == "已受理"

    # 客服部: claims the registration on 部门待办, checks the resident's data and registers the complaint
    desk = Tab(browser, live, "kefu")
    page = desk.page
    open_from_list(desk, live, ticket, "登记投诉", claim=True)
    for label, value in (("业户姓名", RESIDENT["name"]), ("联系电话", RESIDENT["phone"]), ("楼栋/单元/房号", RESIDENT["unit"])):
        assert form(page).get_by_label(label).input_value() == value  # prefilled from the portal
    assert field(page, "投诉渠道").locator(".fjs-select-display").inner_text() == "网络（业主APP/网站）"
    assert field(page, "投诉类别").locator(".fjs-select-display").inner_text() == "环境卫生/绿化"
    thumbnail = page.locator('.task-side img[src*="/photos/"]')
    thumbnail.wait_for()
    thumbnail.evaluate("img => img.decode()")  # the resident's photo, served to the desk
    assert thumbnail.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [48, 32]
    show_required(page)
    snap(desk, "register-required")
    form(page).get_by_label("发生地点").fill("6栋1单元各楼层楼道")
    set_datetime(page, "Field_accepted_at", "09:00")
    submit(page, "登记投诉", lambda: snap(desk, "register-filled"))

    # 受理回复 and 任务分派 are the desk's too: each opens right after the previous one
    page.locator(".flash", has_text="下一步：受理回复").wait_for()
    form_ready(page, "受理回复")
    show_required(page)
    form(page).get_by_label("处理人姓名").fill("王客服")
    choose(page, "进度查询渠道", "客服中心电话")
    radio(page, "回复方式", "电话")
    set_datetime(page, "Field_acknowledged_at", "09:30")
    submit(page, "受理回复", lambda: snap(desk, "acknowledge"))
    page.locator(".flash", has_text="下一步：任务分派（服务派工单）").wait_for()
    form_ready(page, "任务分派（服务派工单）")
    assert field(page, "责任部门").locator(".fjs-select-display").inner_text() == "清洁绿化部"  # the DMN's choice
    show_required(page)
    form(page).get_by_label("派工单号").fill("PG-0001")
    form(page).get_by_label("处理要求").fill("今日内清运楼道垃圾并消毒")
    submit(page, "任务分派（服务派工单）", lambda: snap(desk, "dispatch"))
    page.wait_for_url(f"{live.base}/tasks*")  # the next step is another department's

    # 清洁绿化部 handles it
    cleaning = Tab(browser, live, "qingjie")
    page = cleaning.page
    open_from_list(cleaning, live, ticket, "清洁绿化部处理")
    show_required(page)
    form(page).get_by_label("调查核实情况").fill("现场核实：6栋1单元3至9楼楼道堆放垃圾")
    form(page).get_by_label("处理措施及结果").fill("已清运垃圾并消毒，保洁员每日巡查两次")
    form(page).get_by_label("处理人").fill("赵保洁")
    set_datetime(page, "Field_handled_at", "11:00")
    submit(page, "清洁绿化部处理", lambda: snap(cleaning, "handle"))
    page.wait_for_url(f"{live.base}/tasks*")

    # 客服部 feeds the result back; the follow-up visit (the called followup_visit) is the desk's next step
    page = desk.page
    open_from_list(desk, live, ticket, "客服前台跟踪 / 处理结果反馈")
    show_required(page)
    radio(page, "反馈方式", "电话")
    form(page).get_by_label("反馈内容").fill("已电话告知业户垃圾已清运、楼道已消毒")
    set_datetime(page, "Field_fed_back_at", "11:30")
    submit(page, "客服前台跟踪 / 处理结果反馈", lambda: snap(desk, "feedback"))
    page.locator(".flash", has_text="下一步：客服部回访").wait_for()
    form_ready(page, "客服部回访")
    assert "客服部" in page.locator(".task-meta").inner_text()

    # the resident sees the visit step on the portal and rates it
    resident.track(ticket)
    assert resident.status() == "待回访"
    page = resident.page
    page.locator(".rating").get_by_label("满意", exact=True).check()
    page.locator(".rating").get_by_label("意见或建议（可选）").fill("处理及时，谢谢")
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("感谢您的评价").wait_for()
    snap(resident, "portal-rated")

    # 客服部 does the visit through the followup_visit form: satisfied
    page = desk.page
    show_required(page)
    radio(page, "回访方式", "电话回访")
    form(page).get_by_label("回访人").fill("王客服")
    set_datetime(page, "Field_visited_at", "14:05")
    radio(page, "业户满意度", "满意")
    form(page).get_by_label("业户意见").fill("业户表示满意，希望保持")
    assert form(page).get_by_label("返单原因").count() == 0  # only asked when the resident is not satisfied
    submit(page, "客服部回访", lambda: snap(desk, "visit"))
    page.wait_for_url(f"{live.base}/tasks*")  # preventive measures are 清洁绿化部's

    # 清洁绿化部 records preventive measures; 客服部 archives the case
    page = cleaning.page
    open_from_list(cleaning, live, ticket, "制定预防措施（清洁绿化部）")
    show_required(page)
    form(page).get_by_label("原因分析").fill("垃圾清运班次不足，楼道巡查未覆盖高层")
    form(page).get_by_label("预防措施").fill("增加傍晚清运一班，高层楼道纳入每日巡查")
    form(page).get_by_label("负责人").fill("赵主管")
    submit(page, "制定预防措施（清洁绿化部）", lambda: snap(cleaning, "preventive"))
    page = desk.page
    open_from_list(desk, live, ticket, "归档（投诉处理档案）")
    case_url = page.locator(".task-meta a[href*='/instances/']").get_attribute("href")
    show_required(page)
    form(page).get_by_label("档案编号").fill("TSDA-2026-0001")
    set_datetime(page, "Field_archived_at", "16:00")
    submit(page, "归档（投诉处理档案）", lambda: snap(desk, "archive"))
    page.wait_for_url(f"{live.base}/tasks*")

    # the case page shows it closed, with the times picked in the forms; so does the portal, every step done
    page.goto(f"{live.base}{case_url}")
    page.locator(".badge-completed", has_text="已办结").wait_for()
    today = datetime.now(SHANGHAI).date().isoformat()
    data = page.locator(".data-table").inner_text()
    for label, hhmm in (("受理时间", "09:00"), ("回复时间", "09:30"), ("处理完成时间", "11:00"), ("回访时间", "14:05"),
                        ("归档时间", "16:00")):
        assert re.search(rf"{label}\s+{today} {hhmm}", data), (label, data)
    assert re.search(r"业户满意度\s+满意", data), data
    page.wait_for_selector("body[data-diagram-ready=true]")
    assert page.locator('.djs-element.wf-finished[data-element-id="followup"]').count() == 1
    snap(desk, "case-closed")
    resident.track(ticket)
    assert resident.status() == "已办结"
    steps = resident.page.locator(".steps").inner_text()
    for name in ("登记投诉", "清洁绿化部处理", "客服部回访", "制定预防措施（清洁绿化部）", "归档（投诉处理档案）"):
        assert name in steps, (name, steps)
    assert resident.page.locator(".rating").count() == 0
    snap(resident, "portal-closed")

    for tab in (desk, cleaning):
        assert tab.dialogs == [] and tab.unexpected_errors() == [], (tab.dialogs, tab.errors)
        tab.close()
    resident.context.close()
