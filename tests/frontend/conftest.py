"""Fixtures for the front-end bundle tests: a loopback server for static/ and headless Debian Chromium."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
ARTIFACTS = ROOT / "test-artifacts"
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402,F401 - one browser fixture for the whole run


def pytest_configure(config):
    # also belongs in pyproject.toml's [tool.pytest.ini_options] markers
    config.addinivalue_line("markers", "browser: needs Debian's chromium at /usr/bin/chromium (skipped otherwise)")


class _Handler(SimpleHTTPRequestHandler):
    """Serves static/ as the app does under /static, and the test's pages under /_test/."""

    pages: dict[str, str] = {}

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def do_GET(self):
        if self.path.startswith("/_test/"):
            body = self.pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/static/"):
            self.path = self.path[len("/static") :]
            return super().do_GET()
        self.send_error(404)


@dataclass
class StaticServer:
    base: str
    pages: dict[str, str]

    def page(self, name: str, html: str) -> str:
        self.pages[f"/_test/{name}"] = html
        return f"{self.base}/_test/{name}"


@pytest.fixture(scope="session")
def static_server() -> Iterator[StaticServer]:
    pages: dict[str, str] = {}
    handler = type("Handler", (_Handler,), {"pages": pages})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(STATIC)))
    thread = threading.Thread(target=server.serve_forever, name="static-server", daemon=True)
    thread.start()
    try:
        yield StaticServer(f"http://127.0.0.1:{server.server_address[1]}", pages)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)



@dataclass
class Tab:
    """A Playwright page plus what went wrong on it: uncaught errors, console errors, outside requests."""

    page: object
    errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)


@pytest.fixture
def tab(browser, static_server) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1400, "height": 800}, locale="zh-CN")
    page = context.new_page()
    tab = Tab(page)

    def route(r):
        url = r.request.url
        if url.startswith(static_server.base + "/"):
            return r.continue_()
        tab.outside_requests.append(url)
        return r.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda err: tab.errors.append(f"pageerror: {err}"))
    page.on("console", lambda msg: tab.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
