"""In Chromium against a live server: the task list draws only the newest answer of its queries, and every
date and time input of a form is labelled with its field's label. Screenshots: test-artifacts/."""

from __future__ import annotations

import pytest

from tests.frontend.conftest import ARTIFACTS
from tests.web.test_browser_staff import Tab, field, row, serve

pytestmark = pytest.mark.browser
# Counts the task-list answers the page has handled: the counter moves in a task queued once an answer's
# body is read, so after the page's own code has drawn it (or dropped it).
COUNT_LIST_ANSWERS = """
  window.__listAnswers = 0;
  const realFetch = window.fetch;
  window.fetch = async (...args) => {
    const resp = await realFetch(...args);
    if (!String(args[0]).startsWith('/api/v1/tasks?')) return resp;
    const text = resp.text.bind(resp);
    resp.text = async () => {
      const body = await text();
      setTimeout(() => { window.__listAnswers += 1; });
      return body;
    };
    return resp;
  };
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("task-views")) as server:
        yield server


class HeldQuery:
    """Holds the next task-list query of one tab (scope) until release(): an answer that comes late."""

    def __init__(self, page, scope: str):
        self.page, self.scope, self.route, self.armed = page, scope, None, False
        page.route("**/api/v1/tasks?*", self._handle)

    def arm(self) -> None:
        self.armed = True

    def _handle(self, route) -> None:
        if self.armed and f"scope={self.scope}" in route.request.url:
            self.armed, self.route = False, route
        else:
            route.continue_()

    def wait_held(self) -> None:
        for _ in range(600):
            if self.route is not None:
                return
            self.page.wait_for_timeout(50)  # lets Playwright dispatch the route to _handle
        raise AssertionError(f"no {self.scope} query was held")

    def release(self) -> None:
        """Let the held query answer, and wait until the page has handled that answer."""
        handled = self.page.evaluate("window.__listAnswers")
        self.route.continue_()
        self.route = None
        self.page.wait_for_function("(n) => window.__listAnswers > n", arg=handled)


def test_an_older_answer_of_the_task_list_is_not_drawn_over_a_newer_one(browser, live):
    fresh = live.complaint("register")
    task_id = fresh["tasks"]["register"]
    tab = Tab(browser, live, "desk2")
    page = tab.page
    page.add_init_script(COUNT_LIST_ANSWERS)
    held = HeldQuery(page, "groups")

    # the list opens on 部门待办 and its query is slow; 我的待办 is clicked meanwhile and answers first
    held.arm()
    page.goto("about:blank")  # from /tasks, only the hash would change: no new page
    page.goto(f"{live.base}/tasks#groups")
    held.wait_held()
    page.locator("#tab-mine").click()
    page.wait_for_function("() => window.__listAnswers === 1")  # 我的待办 drawn
    held.release()
    assert page.locator("#tab-mine[aria-selected=true]").count() == 1
    assert row(page, task_id).count() == 0 and page.locator("#task-empty").is_visible()  # nothing of mine yet

    # 部门待办 twice: the first query is slow, the second answers; the task is claimed; then the first answers
    held.arm()
    page.locator("#tab-groups").click()
    held.wait_held()
    page.locator("#tab-groups").click()
    row(page, task_id).get_by_role("button", name="认领").click()
    row(page, task_id).get_by_role("button", name="退回").wait_for()
    held.release()
    assert row(page, task_id).get_by_role("button", name="退回").is_visible()  # still claimed on screen
    assert row(page, task_id).get_by_role("button", name="认领").count() == 0 and "desk2" in row(page, task_id).inner_text()
    tab.shot("tasks-late-answer.png")
    assert tab.dialogs == [] and tab.unexpected_errors() == [], (tab.dialogs, tab.errors)
    tab.close()


def test_every_date_and_time_input_is_labelled_with_its_field(browser, live):
    task_id = live.complaint("register")["tasks"]["register"]
    tab = Tab(browser, live, "desk")
    page = tab.page
    page.goto(f"{live.base}/tasks/{task_id}")
    page.locator("#task-form:not([aria-busy]) .fjs-form").wait_for()
    for label, component in (("发生时间", "Field_occurred_at"), ("受理时间", "Field_accepted_at")):
        assert field(page, label).is_visible()  # the field's own label, shown above its two inputs
        group = page.get_by_role("group", name=label, exact=True)
        assert group.count() == 1
        for part, kind in (("日期", "date"), ("时间", "time")):
            named = page.get_by_role("textbox", name=f"{label} {part}", exact=True)  # Chromium's role for both
            assert named.count() == 1 and named.get_attribute("id").endswith(f"-{component}-{kind}"), (label, part)
            assert group.locator(f'input[type="{kind}"]').count() == 1
    inputs = page.locator('#task-form input[type="date"], #task-form input[type="time"]')
    names = inputs.evaluate_all("nodes => nodes.map((n) => n.labels.length + ':' + n.getAttribute('aria-labelledby'))")
    assert len(names) == 4 and all(name.split(":")[1] != "null" for name in names), names
    tab.shot("task-register-datetime.png")
    page.locator("#task-form").screenshot(path=ARTIFACTS / "task-register-datetime-labels.png")
    assert tab.unexpected_errors() == [], tab.errors
    tab.close()


def test_the_called_visit_is_the_current_step_on_the_complaint_diagram(browser, live):
    from service.usecases import tasks

    case = live.complaint("handle_eng")
    with live.app.app_context():
        tasks.complete(live.actor("eng"), case["tasks"]["handle_eng"], {
            "investigation": "现场核实", "handling_result": "已修复", "handler": "王师傅",
            "handled_at": "2026-11-28T15:00+08:00", "beyond_authority": False})
        feedback = next(t for t in tasks.open_tasks_of(case["id"]) if t.element_id == "feedback")
        tasks.complete(live.actor("desk"), feedback.id, {"feedback_method": "phone", "feedback_content": "已告知",
                                                         "fed_back_at": "2026-11-28T16:00+08:00"})
        visit = next(t for t in tasks.open_tasks_of(case["id"]) if t.element_id == "followup_visit_desk")
    tab = Tab(browser, live, "desk")
    page = tab.page
    for path in (f"/tasks/{visit.id}", f"/instances/{case['id']}"):
        page.goto(f"{live.base}{path}")
        page.wait_for_selector("body[data-diagram-ready=true]")
        # followup_visit_desk is drawn in followup_visit: the complaint's diagram shows its call activity
        assert page.locator('.djs-element.wf-current[data-element-id="followup"]').count() == 1, path
        assert page.locator('.djs-element.wf-finished[data-element-id="followup"]').count() == 0, path
        assert page.locator('.djs-element.wf-finished[data-element-id="feedback"]').count() == 1, path
        for flow in ("Flow_visited", "Flow_rework"):  # nothing after the running visit has been passed yet
            assert page.locator(f'.djs-connection.wf-finished[data-element-id="{flow}"]').count() == 0, (path, flow)
    tab.shot("instance-called-visit.png")
    assert tab.unexpected_errors() == [], tab.errors
    tab.close()
