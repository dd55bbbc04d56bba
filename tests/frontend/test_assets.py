"""The committed bundles in static/vendor: as MANIFEST.txt lists them, and working in Chromium."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from .conftest import ROOT

VENDOR = ROOT / "static" / "vendor"
FRONTEND = ROOT / "frontend"
DATA = Path(__file__).resolve().parent / "data"
FORM = ROOT / "tests" / "data" / "register_form.form"

BUNDLES = {
    "wuyeflow-modeler": "WuyeFlowModeler",
    "wuyeflow-viewer": "WuyeFlowViewer",
    "wuyeflow-forms": "WuyeFlowForms",
    "wuyeflow-form-editor": "WuyeFlowForms",
}


def manifest() -> dict[str, str]:
    entries = {}
    for line in (VENDOR / "MANIFEST.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            digest, name = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line).groups()
            entries[name] = digest
    return entries


def test_every_manifest_file_exists_with_its_sha256():
    entries = manifest()
    expected = {f"{name}.{ext}" for name in BUNDLES for ext in ("js", "css")} | {"chart.umd.js"}
    assert expected <= set(entries), f"missing from MANIFEST.txt: {sorted(expected - set(entries))}"
    for name, digest in entries.items():
        path = VENDOR / name
        assert path.is_file(), f"{name} is in MANIFEST.txt but not in static/vendor"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{name} differs from MANIFEST.txt"
    unlisted = {p.name for p in VENDOR.iterdir()} - set(entries) - {"MANIFEST.txt"}
    assert not unlisted, f"in static/vendor but not in MANIFEST.txt: {sorted(unlisted)}"


def test_manifest_names_the_exactly_pinned_versions():
    package = json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((FRONTEND / "package-lock.json").read_text(encoding="utf-8"))
    text = (VENDOR / "MANIFEST.txt").read_text(encoding="utf-8")
    for section in ("dependencies", "devDependencies"):
        for name, spec in package[section].items():
            if spec.startswith("file:"):
                continue
            assert re.fullmatch(r"\d+\.\d+\.\d+", spec), f"{name} is not pinned exactly: {spec!r}"
            assert lock["packages"][f"node_modules/{name}"]["version"] == spec, f"{name}: lock and package.json differ"
            if section == "dependencies":
                assert f"{name}@{spec}" in text, f"MANIFEST.txt does not name {name}@{spec}"
    assert f"esbuild {package['devDependencies']['esbuild']}" in text
    assert package["dependencies"]["bpmn-js"].startswith("18.")
    assert package["dependencies"]["bpmnlint"].startswith("11.")


# --- in Chromium ------------------------------------------------------------------------------------

LAYOUT = """
  body { margin: 0; font-family: "Noto Sans CJK SC", sans-serif; }
  #canvas { position: absolute; left: 0; top: 0; bottom: 0; right: 380px; }
  #props { position: absolute; top: 0; bottom: 0; right: 0; width: 380px; overflow: auto;
           border-left: 1px solid #ccc; }
  #form { max-width: 640px; margin: 24px; }
  #editor { position: absolute; inset: 0; }
  #chart { width: 600px; height: 300px; }
"""


def open_page(tab, static_server, name: str, bundles: list[str], body: str):
    head = []
    for bundle in bundles:
        if bundle.endswith(".js"):
            head.append(f'<script src="/static/vendor/{bundle}"></script>')
        else:
            head.append(f'<link rel="stylesheet" href="/static/vendor/{bundle}.css">')
            head.append(f'<script src="/static/vendor/{bundle}.js"></script>')
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f"<title>{name}</title><style>{LAYOUT}</style>{''.join(head)}</head><body>{body}</body></html>"
    )
    tab.page.goto(static_server.page(f"{name}.html", html))
    return tab.page


def assert_clean(tab):
    assert tab.errors == [], tab.errors
    assert tab.outside_requests == [], f"the bundles reached outside: {tab.outside_requests}"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.browser
def test_viewer_imports_a_diagram_and_marks_elements(tab, static_server, artifacts):
    page = open_page(tab, static_server, "viewer", ["wuyeflow-viewer"], '<div id="canvas"></div>')
    result = page.evaluate(
        """async (xml) => {
            const viewer = WuyeFlowViewer.create(document.getElementById('canvas'));
            const { warnings } = await viewer.importXML(xml);
            viewer.get('canvas').zoom('fit-viewport');
            return {
              warnings: warnings.map((w) => w.message),
              current: WuyeFlowViewer.mark(viewer, ['register', 'no_such_task'], 'wf-current'),
              finished: WuyeFlowViewer.mark(viewer, ['start_received', 'f1'], 'wf-finished'),
              api: Object.keys(WuyeFlowViewer).sort(),
            };
        }""",
        read(DATA / "simple_di.bpmn"),
    )
    assert result["warnings"] == []
    assert result["current"] == ["register"]
    assert result["finished"] == ["start_received", "f1"]
    assert result["api"] == ["NavigatedViewer", "clearMarks", "create", "mark", "markers", "versions"]
    assert page.locator('.djs-element.wf-current[data-element-id="register"]').count() == 1
    assert page.locator("text=登记报修").first.is_visible()
    assert page.locator(".bjs-powered-by").is_visible(), "the bpmn.io watermark must stay visible (licence)"
    page.screenshot(path=artifacts / "viewer.png")
    assert_clean(tab)


@pytest.mark.browser
def test_modeler_imports_without_warnings_and_shows_camunda_properties(tab, static_server, artifacts):
    page = open_page(
        tab, static_server, "modeler", ["wuyeflow-modeler"], '<div id="canvas"></div><div id="props"></div>'
    )
    result = page.evaluate(
        """async (xml) => {
            const $ = (id) => document.getElementById(id);
            window.modeler = WuyeFlowModeler.create($('canvas'), $('props'));
            const linted = new Promise((resolve) => modeler.on('linting.completed', (e) => resolve(e.issues)));
            const { warnings } = await modeler.importXML(xml);
            modeler.get('canvas').zoom('fit-viewport');
            return { warnings: warnings.map((w) => w.message), issues: await linted };
        }""",
        read(DATA / "simple_di.bpmn"),
    )
    assert result["warnings"] == []
    assert result["issues"] == {}, "a clean diagram should pass bpmnlint:recommended and the WuyeFlow rules"

    page.click('[data-element-id="register"]')
    panel = page.locator("#props")
    panel.locator(".bio-properties-panel-header-label", has_text="登记报修").wait_for()
    groups = panel.locator(".bio-properties-panel-group-header-title").all_inner_texts()
    assert {"General", "User assignment", "Forms"} <= set(groups), groups
    panel.locator(".bio-properties-panel-group-header", has_text="User assignment").click()
    panel.locator(".bio-properties-panel-group-header", has_text="Forms").click()
    values = panel.locator("input, textarea, select").evaluate_all("els => els.map((e) => e.value)")
    assert "desk" in values, values  # camunda:candidateGroups
    assert "register_form" in values, values  # camunda:formRef

    button = page.locator(".bjsl-button")
    assert button.inner_text().strip() == "No Issues"
    assert page.locator(".bjs-powered-by").is_visible(), "the bpmn.io watermark must stay visible (licence)"
    xml = page.evaluate("async () => (await modeler.saveXML({ format: true })).xml")
    assert 'camunda:candidateGroups="desk"' in xml and 'camunda:formRef="register_form"' in xml
    page.screenshot(path=artifacts / "modeler.png")
    assert_clean(tab)


@pytest.mark.browser
def test_bpmnlint_reports_the_wuyeflow_rules_with_a_visible_button(tab, static_server, artifacts):
    page = open_page(tab, static_server, "lint", ["wuyeflow-modeler"], '<div id="canvas"></div><div id="props"></div>')
    issues = page.evaluate(
        """async (xml) => {
            const $ = (id) => document.getElementById(id);
            window.modeler = WuyeFlowModeler.create($('canvas'), $('props'));
            const linted = new Promise((resolve) => modeler.on('linting.completed', (e) => resolve(e.issues)));
            await modeler.importXML(xml);
            modeler.get('canvas').zoom('fit-viewport');
            await linted;
            const byRule = await modeler.get('linting').lint();
            return Object.fromEntries(Object.entries(byRule).map(([rule, reports]) => [
              rule, reports.map((r) => [r.id, r.category]).sort()]));
        }""",
        read(DATA / "lint_violations.bpmn"),
    )
    assert issues["wuyeflow/no-script-task"] == [["compute", "error"]]
    assert issues["wuyeflow/no-service-task"] == [["notify", "error"]]
    assert issues["wuyeflow/no-reserved-ids"] == [["Start", "error"]]
    assert issues["wuyeflow/user-task-lane"] == [["Start", "warn"]]

    overlay = page.locator('[data-container-id="compute"] .bjsl-overlay')
    overlay.wait_for()
    button = page.locator(".bjsl-button.bjsl-button-error")
    assert "3 Errors" in button.inner_text() and "1 Warning" in button.inner_text()
    # the CSS fix: without it the button's background resolves to nothing and its white text vanishes
    colours = button.evaluate("b => { const s = getComputedStyle(b); return [s.backgroundColor, s.color]; }")
    assert colours[0] not in ("rgba(0, 0, 0, 0)", "transparent", colours[1]), colours
    icon = overlay.locator(".bjsl-icon").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert icon not in ("rgba(0, 0, 0, 0)", "transparent"), icon

    overlay.locator(".bjsl-icon").hover()  # the issue list shows on :hover
    overlay.locator(".bjsl-dropdown-content", has_text="Script tasks are disabled").wait_for()
    page.screenshot(path=artifacts / "modeler-lint.png")
    assert_clean(tab)


@pytest.mark.browser
def test_form_renders_chinese_labels_and_reports_errors_by_component_id(tab, static_server, artifacts):
    page = open_page(tab, static_server, "form", ["wuyeflow-forms"], '<div id="form"></div>')
    result = page.evaluate(
        """async (schema) => {
            window.form = new WuyeFlowForms.Form({ container: document.getElementById('form') });
            const { warnings } = await form.importSchema(schema);
            const { errors } = form.submit();
            return { warnings, errorIds: Object.keys(errors).sort(), schemaVersion: WuyeFlowForms.schemaVersion };
        }""",
        json.loads(read(FORM)),
    )
    assert result["warnings"] == []
    assert result["schemaVersion"] == 19
    assert result["errorIds"] == ["f_cat", "f_name", "f_phone"]
    assert page.get_by_text("业户姓名").is_visible()
    assert page.get_by_text("联系电话").is_visible()

    page.get_by_label("业户姓名").fill("王小明")
    page.get_by_label("联系电话").fill("13800138000")
    page.get_by_label("联系电话").blur()
    page.wait_for_function("() => form._getState().data.phone === '13800138000'")
    page.screenshot(path=artifacts / "form.png")
    submitted = page.evaluate("() => form.submit()")
    assert submitted["data"]["resident_name"] == "王小明"
    assert submitted["data"]["phone"] == "13800138000"
    assert sorted(submitted["errors"]) == ["f_cat"]
    assert_clean(tab)


@pytest.mark.browser
def test_form_editor_bundle_adds_the_editor_beside_the_viewer(tab, static_server, artifacts):
    page = open_page(
        tab, static_server, "form-editor", ["wuyeflow-forms", "wuyeflow-form-editor"], '<div id="editor"></div>'
    )
    result = page.evaluate(
        """async (schema) => {
            const editor = new WuyeFlowForms.FormEditor({ container: document.getElementById('editor') });
            const { warnings } = await editor.importSchema(schema);
            const saved = editor.saveSchema();
            return {
              warnings, api: Object.keys(WuyeFlowForms).sort(),
              schemaVersion: saved.schemaVersion, keys: saved.components.map((c) => c.key),
            };
        }""",
        json.loads(read(FORM)),
    )
    assert result["warnings"] == []
    assert result["schemaVersion"] == 19
    assert result["keys"] == ["resident_name", "phone", "category", "received_at", "content"]
    assert {"Form", "FormEditor", "createForm", "createFormEditor", "schemaVersion"} <= set(result["api"])
    page.locator(".fjs-palette").wait_for()
    assert page.locator(".fjs-editor-container").get_by_text("业户姓名").first.is_visible()
    page.screenshot(path=artifacts / "form-editor.png")
    assert_clean(tab)


@pytest.mark.browser
def test_chart_js_sets_window_chart(tab, static_server):
    page = open_page(tab, static_server, "chart", ["chart.umd.js"], '<div id="chart"><canvas id="c"></canvas></div>')
    version = page.evaluate(
        """() => {
            new Chart(document.getElementById('c'), {
              type: 'bar', options: { animation: false },
              data: { labels: ['维修', '其他'], datasets: [{ label: '工单', data: [3, 1] }] },
            });
            return Chart.version;
        }"""
    )
    package = json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))
    assert version == package["dependencies"]["chart.js"]
    assert_clean(tab)
