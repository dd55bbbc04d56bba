"""The real app on a loopback port for the browser tests: one way to build it, seed it and serve it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from service import create_app
from service.db import db, unit_of_work
from service.engine_host import reset_caches

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-123456"


def bundled_files() -> dict[str, bytes]:
    """Every diagram, decision table and form of bpmn/ and forms/, as `make run` deploys them."""
    files = [*sorted((ROOT / "bpmn").glob("*.bpmn")), *sorted((ROOT / "bpmn").glob("*.dmn")),
             *sorted((ROOT / "forms").glob("*.form"))]
    return {p.name: p.read_bytes() for p in files}


def seeded_app(path: Path, users: Iterable[tuple[str, str, list[str]]], files: dict[str, bytes] | None = None,
               **config):
    """An app on a fresh SQLite file in `path` with these users and the files deployed (all bundled ones
    when `files` is None)."""
    reset_caches()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path / 'live.sqlite'}", "SECRET_KEY": "live",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1", **config})
    with app.app_context():
        from service.usecases import accounts, deploy

        db.create_all()
        with unit_of_work():
            accounts.ensure_compound()
        for name, role, groups in users:
            accounts.create_user(name, PASSWORD, role, list(groups))
        deploy.deploy(bundled_files() if files is None else files, "live", "admin")
    return app


@contextmanager
def loopback(app, name: str = "live") -> Iterator[str]:
    """Serve `app` from a thread on a free loopback port; yields the base URL, then shuts down."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        reset_caches()
