"""Every diagram in bpmn/ opens in bpmn-js without import warnings, with a shape for every element."""

from pathlib import Path

import pytest
from lxml import etree

from tests.frontend.test_assets import assert_clean, open_page

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DRAWN = ("task", "Task", "Event", "Gateway", "subProcess", "callActivity", "sequenceFlow", "lane", "participant",
         "transaction", "dataObjectReference", "textAnnotation", "association", "messageFlow")


def _drawable_ids(path: Path) -> list[str]:
    """Ids of the flow elements, lanes and participants a reader expects to see on the canvas."""
    root = etree.parse(str(path)).getroot()
    ids = []
    for node in root.iter(f"{{{BPMN_NS}}}*"):
        name = etree.QName(node).localname
        if node.get("id") and any(name.endswith(kind) or name == kind for kind in DRAWN) \
                and not name.endswith("EventDefinition"):
            ids.append(node.get("id"))
    return ids


@pytest.mark.browser
@pytest.mark.parametrize("path", sorted(BPMN_DIR.glob("*.bpmn")), ids=lambda p: p.stem)
def test_diagram_imports_cleanly_in_bpmn_js(tab, static_server, path):
    page = open_page(tab, static_server, f"import-{path.stem}", ["wuyeflow-viewer"], '<div id="canvas"></div>')
    result = page.evaluate(
        """async (xml) => {
            const viewer = WuyeFlowViewer.create(document.getElementById('canvas'));
            const { warnings } = await viewer.importXML(xml);
            const registry = viewer.get('elementRegistry');
            return { warnings: warnings.map((w) => w.message), drawn: registry.getAll().map((e) => e.id) };
        }""",
        path.read_text(encoding="utf-8"),
    )
    assert result["warnings"] == [], result["warnings"]
    missing = sorted(set(_drawable_ids(path)) - set(result["drawn"]))
    assert missing == [], f"{path.name}: no shape for {missing}"
    assert_clean(tab)
