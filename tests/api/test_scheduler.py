"""The scheduler: several at once fire each timer exactly once; the real process fires by itself."""

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from service.db import db
from service.models import HistoryEntry, Timer
from service.usecases.timers import fire_due
from tests.conftest import DATA, ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
GOOD = {"resident_name": "张三", "phone": "13800138000", "category": "repair",
        "received_at": "2026-11-27T10:00:00+08:00"}


def test_concurrent_schedulers_fire_each_timer_once(app, api):
    t0 = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(t0, tick=False) as clock:
        api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form")
        ids = []
        for _ in range(12):
            case = api.start("core_flow").get_json()
            api.complete(case["tasks"][0]["id"], GOOD, as_="desk")
            ids.append(case["id"])
        clock.move_to(t0 + timedelta(hours=25))
        counts = []

        def scheduler():
            with app.app_context():
                counts.append(fire_due())
                db.session.remove()

        threads = [threading.Thread(target=scheduler) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with app.app_context():
        fired = db.session.query(HistoryEntry).filter_by(action="timer_fired").all()
        assert sorted(h.instance_id for h in fired) == sorted(ids)
        assert db.session.query(Timer).count() == 0
    assert sum(counts) >= len(ids)
    for instance_id in ids:
        assert [t["element_id"] for t in api.instance(instance_id)["tasks"]] == ["escalate"]


def test_scheduler_process_fires_a_due_timer_by_itself(app, api, tmp_path):
    """A real `wuyeflow scheduler` process on the same database wakes the instance (no clock tricks)."""
    xml = (DATA / "core_flow.bpmn").read_text().replace(">PT24H<", ">PT1S<")
    api.deploy(("core_flow.bpmn", xml.encode()), DATA / "register_form.form")
    case = api.start("core_flow").get_json()
    api.complete(case["tasks"][0]["id"], GOOD, as_="desk")
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "FLASK_APP": "service:create_app"}
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "scheduler", "--poll", "0.1"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        tasks = []
        while time.monotonic() < deadline:
            tasks = [t["element_id"] for t in api.instance(case["id"])["tasks"]]
            if tasks == ["escalate"]:
                break
            time.sleep(0.2)
        assert tasks == ["escalate"], proc.stdout.read1().decode() if proc.poll() is not None else tasks
    finally:
        proc.terminate()
        proc.wait(timeout=10)
