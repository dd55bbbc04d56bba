"""Fixtures: an app on a fresh database (SQLite file, or PostgreSQL when WUYEFLOW_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service import create_app
from service.db import db
from service.engine_host import reset_caches

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CONFORMANCE = ROOT.parent / "shared" / "conformance"


def database_url(tmp_path: Path) -> str:
    return os.environ.get("WUYEFLOW_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url(tmp_path), "SECRET_KEY": "test",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        from service.db import unit_of_work
        from service.usecases.accounts import ensure_compound

        with unit_of_work():
            ensure_compound()
    reset_caches()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    reset_caches()


@pytest.fixture
def client(app):
    return app.test_client()


class ApiClient:
    """Drives the HTTP API as a given user: `api.as_("desk").post(...)`."""

    def __init__(self, app, client):
        self.app, self.client, self._tokens = app, client, {}

    def user(self, username: str, role: str = "staff", groups=(), compounds=(), password: str = "pw-123456"):
        from service.usecases.accounts import create_user

        with self.app.app_context():
            create_user(username, password, role, list(groups), list(compounds) or None)
        return username

    def headers(self, username: str | None) -> dict:
        if username is None:
            return {}
        if username not in self._tokens:
            resp = self.client.post("/api/v1/auth/token", json={"username": username, "password": "pw-123456"})
            assert resp.status_code == 200, resp.get_json()
            self._tokens[username] = resp.get_json()["token"]
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def _send(self, method, path: str, as_: str | None, **kwargs):
        resp = method(path, headers=self.headers(as_), **kwargs)
        if resp.status_code == 401 and as_ in self._tokens:  # the test moved the clock past the token's life
            del self._tokens[as_]
            resp = method(path, headers=self.headers(as_), **kwargs)
        return resp

    def get(self, path: str, as_: str | None = None, **kwargs):
        return self._send(self.client.get, path, as_, **kwargs)

    def post(self, path: str, as_: str | None = None, **kwargs):
        return self._send(self.client.post, path, as_, **kwargs)

    def deploy(self, *paths: Path | tuple[str, bytes], as_: str = "admin", note: str = "", validate=False):
        files = []
        for item in paths:
            name, content = (item.name, item.read_bytes()) if isinstance(item, Path) else item
            files.append((_BytesFile(content), name))
        path = "/api/v1/deployments/validate" if validate else "/api/v1/deployments"
        return self.post(path, as_=as_, data={"files": files, "note": note}, content_type="multipart/form-data")

    def start(self, process_id: str, data=None, as_: str = "desk", **extra):
        return self.post(f"/api/v1/processes/{process_id}/instances", as_=as_, json={"data": data or {}, **extra})

    def instance(self, instance_id: int, as_: str = "admin") -> dict:
        resp = self.get(f"/api/v1/instances/{instance_id}", as_=as_)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def task(self, instance_id: int, element_id: str, as_: str = "admin") -> dict:
        tasks = [t for t in self.instance(instance_id, as_)["tasks"] if t["element_id"] == element_id]
        assert tasks, f"no open task {element_id}: {self.instance(instance_id, as_)['tasks']}"
        return tasks[0]

    def complete(self, task_id: str, data=None, as_: str = "desk"):
        return self.post(f"/api/v1/tasks/{task_id}/complete", as_=as_, json={"data": data or {}})


def _BytesFile(content: bytes):
    import io

    return io.BytesIO(content)


@pytest.fixture
def api(app, client):
    api = ApiClient(app, client)
    api.user("admin", "admin")
    api.user("analyst", "analyst")
    api.user("desk", "staff", groups=["客服部"])
    api.user("desk2", "staff", groups=["客服部"])
    api.user("eng", "staff", groups=["工程部"])
    api.user("boss", "manager", groups=["物业经理"])
    return api


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (Playwright's sync API allows one loop at a time)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium fonts-noto-cjk to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
