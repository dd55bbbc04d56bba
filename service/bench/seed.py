"""In-process access to the benchmark database: schema, users, deployment, bulk seeding, measurements."""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text

from .scenario import PROCESS_ID, START_DATA, bundle_files


class Seeder:
    def __init__(self, url: str, workdir: Path, timer_bpmn: str):
        from .. import create_app

        self.url = url
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        self.password = secrets.token_urlsafe(12)
        self._seconds_per_case: float | None = None
        with self.app.app_context():
            self._prepare(timer_bpmn)

    def _prepare(self, timer_bpmn: str) -> None:
        from ..cli import init_db
        from ..db import db
        from ..usecases.accounts import create_user
        from ..usecases.deploy import deploy

        if self.url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        init_db()
        files = bundle_files()
        files["bench_timer.bpmn"] = timer_bpmn.encode()
        deployed = deploy(files, "benchmark", "bench")
        version = next(d for d in deployed if d.process_id == PROCESS_ID)
        self.elements, groups = self._elements(version.version)
        self.forms = {name[:-5]: json.loads(content) for name, content in files.items() if name.endswith(".form")}
        create_user("bench", self.password, "staff", sorted(groups))
        create_user("bench_admin", self.password, "admin", sorted(groups))

    def _elements(self, number: int) -> tuple[dict, set[str]]:
        from ..db import db
        from ..models import ProcessVersion

        row = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == PROCESS_ID,
                                                             ProcessVersion.version == number))
        elements = json.loads(row.elements)
        groups = {e["lane"] for e in elements.values() if e.get("lane")}
        groups |= {g for e in elements.values() for g in e.get("candidate_groups") or []}
        return elements, groups

    def _actor(self):
        from ..db import db
        from ..models import User
        from ..usecases.access import Actor

        return Actor.of(db.session.scalar(select(User).where(User.username == "bench_admin")))

    def _start_many(self, process_id: str, datas: list[dict], batch: int = 500) -> None:
        from ..usecases.instances import start_many

        with self.app.app_context():
            actor = self._actor()
            for index in range(0, len(datas), batch):
                start_many(actor, process_id, datas[index:index + batch])

    def estimate_seconds(self, count: int) -> float:
        """How long seeding `count` instances will take, from a small pilot run."""
        if self._seconds_per_case is None:
            started = time.perf_counter()
            self._start_many(PROCESS_ID, [START_DATA] * 100)
            self._seconds_per_case = (time.perf_counter() - started) / 100
        return self._seconds_per_case * count

    def seed_timers(self, dues: list[datetime]) -> None:
        self._start_many("bench_timer", [{"due": due.isoformat()} for due in dues])

    def seed_open_cases(self, total: int) -> None:
        from ..db import db
        from ..models import Instance

        with self.app.app_context():
            have = db.session.scalar(select(func.count()).select_from(Instance).where(
                Instance.process_id == PROCESS_ID, Instance.status == "running"))
        if total > have:
            self._start_many(PROCESS_ID, [START_DATA] * (total - have), batch=1000)
        with self.app.app_context():
            # What autovacuum (PostgreSQL) or a maintenance job (SQLite) does after a bulk load: fresh
            # statistics, so the planner sees 10k rows and not the empty tables of a minute ago.
            db.session.execute(text("ANALYZE"))
            db.session.commit()

    def wait_fired(self, expected: int, timeout: float) -> list[float]:
        """Lags (fired − due) in ms of every fired benchmark timer, once `expected` have fired."""
        from ..db import db
        from ..models import HistoryEntry, Instance

        deadline = time.monotonic() + timeout
        rows: list = []
        with self.app.app_context():
            while time.monotonic() < deadline:
                rows = db.session.execute(
                    select(HistoryEntry.at, Instance.data).join(Instance, Instance.id == HistoryEntry.instance_id)
                    .where(Instance.process_id == "bench_timer", HistoryEntry.action == "timer_fired")).all()
                db.session.rollback()
                if len(rows) >= expected:
                    break
                time.sleep(0.5)
        self._fired = [at.timestamp() for at, _ in rows]
        return [(at.timestamp() - datetime.fromisoformat(data["due"]).timestamp()) * 1000 for at, data in rows]

    def last_fired_at(self) -> float:
        return max(self._fired)

    def deep_cursor(self) -> str:
        """A keyset cursor half-way down the 客服部 task list."""
        from ..db import db
        from ..models import Task, TaskCandidate
        from ..usecases.tasks import _encode_cursor

        with self.app.app_context():
            count = db.session.scalar(select(func.count()).select_from(TaskCandidate)
                                      .where(TaskCandidate.group_name == "客服部"))
            task = db.session.scalar(select(Task).join(TaskCandidate, TaskCandidate.task_id == Task.id)
                                     .where(TaskCandidate.group_name == "客服部")
                                     .order_by(Task.created_at, Task.id).offset(count // 2).limit(1))
            return _encode_cursor(task)

    def database_bytes(self) -> int:
        from ..db import db

        with self.app.app_context():
            if self.url.startswith("sqlite"):
                db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
                path = Path(self.url.removeprefix("sqlite:///"))
                return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
            return int(db.session.scalar(text("SELECT pg_database_size(current_database())")))
