"""The engine boundary: only service/engine imports SpiffWorkflow; modules stay readable."""

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[1] / "service"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_engine_package_imports_spiffworkflow():
    offenders = [str(path.relative_to(SERVICE)) for path in SERVICE.rglob("*.py")
                 if "engine" not in path.relative_to(SERVICE).parts[:1]
                 and any(name.split(".")[0] == "SpiffWorkflow" for name in _imports(path))]
    assert offenders == []


def test_no_module_grows_past_what_one_reader_holds():
    long = [f"{path.relative_to(SERVICE)} ({n} lines)" for path in SERVICE.rglob("*.py")
            if "migrations" not in path.parts and (n := len(path.read_text(encoding="utf-8").splitlines())) > 400]
    assert long == []
