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


START_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="daily_round" name="每日巡查" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="客服部"><bpmn:flowNodeRef>inspect</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="every_morning">
      <bpmn:timerEventDefinition><bpmn:timeCycle>R/2026-12-01T08:00:00+08:00/P1D</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="s1" sourceRef="every_morning" targetRef="inspect" />
    <bpmn:userTask id="inspect" name="巡查" />
    <bpmn:sequenceFlow id="s2" sourceRef="inspect" targetRef="done" />
    <bpmn:endEvent id="done" />
  </bpmn:process>
</bpmn:definitions>"""


def test_timer_start_event_starts_one_instance_per_round_and_skips_missed_rounds(app, api):
    """Camunda semantics: each due time starts a new instance in every compound; missed rounds are skipped."""
    api.user("desk_b", "staff", groups=["客服部"], compounds=["b-garden"])
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI), tick=False) as clock:
        assert api.deploy(("daily_round.bpmn", START_BPMN.encode())).status_code == 201
        clock.move_to(datetime(2026, 12, 1, 7, 59, 59, tzinfo=SHANGHAI))
        with app.app_context():
            assert fire_due() == 0
        clock.move_to(datetime(2026, 12, 1, 8, 0, 1, tzinfo=SHANGHAI))
        with app.app_context():
            assert fire_due() == 2  # one instance in each of the two compounds
            assert fire_due() == 0
        clock.move_to(datetime(2026, 12, 5, 8, 0, 1, tzinfo=SHANGHAI))  # the scheduler was down for three days
        with app.app_context():
            assert fire_due() == 2  # only today's round, not the missed ones
    rounds = api.get("/api/v1/processes", as_="admin").get_json()["items"][0]["versions"][0]
    assert rounds["running_instances"] == 4
    mine = api.get("/api/v1/tasks", as_="desk_b").get_json()["items"]
    assert [t["element_id"] for t in mine] == ["inspect", "inspect"]
    assert api.complete(mine[0]["id"], as_="desk_b").status_code == 200
    assert api.instance(mine[0]["instance_id"], as_="desk_b")["status"] == "completed"


def test_several_scheduler_processes_fire_each_timer_once_on_postgresql(app, api):
    """`scheduler --processes 2`: the scale-out path on PostgreSQL; SQLite (one writer) refuses it."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "FLASK_APP": "service:create_app"}
    command = [sys.executable, "-m", "service.cli", "scheduler", "--poll", "0.1", "--processes", "2"]
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and "needs PostgreSQL" in done.stderr
        return
    xml = (DATA / "core_flow.bpmn").read_text().replace(">PT24H<", ">PT1S<")
    api.deploy(("core_flow.bpmn", xml.encode()), DATA / "register_form.form")
    cases = [api.start("core_flow").get_json() for _ in range(12)]
    for case in cases:
        api.complete(case["tasks"][0]["id"], GOOD, as_="desk")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all([t["element_id"] for t in api.instance(c["id"])["tasks"]] == ["escalate"] for c in cases):
                break
            time.sleep(0.2)
        for case in cases:
            instance = api.instance(case["id"])
            assert [t["element_id"] for t in instance["tasks"]] == ["escalate"]
            assert sum(1 for h in instance["history"] if h["action"] == "timer_fired") == 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
