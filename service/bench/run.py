"""`wuyeflow bench`: L0, L1 and the real service measured in one run, so the ratios hold on any machine."""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from .levels import loop_growth, measure
from .load import CaseRunner, Client, constant_rate, login, percentile, saturate
from .procs import Service, peak_rss_mb
from .seed import Seeder

TIMER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs_bench" targetNamespace="bench">
  <bpmn:process id="bench_timer" name="计时器基准" isExecutable="true">
    <bpmn:startEvent id="bench_start" />
    <bpmn:sequenceFlow id="bf1" sourceRef="bench_start" targetRef="bench_wait" />
    <bpmn:intermediateCatchEvent id="bench_wait" name="到期">
      <bpmn:timerEventDefinition><bpmn:timeDate>due</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="bf2" sourceRef="bench_wait" targetRef="bench_end" />
    <bpmn:endEvent id="bench_end" />
  </bpmn:process>
</bpmn:definitions>
"""


@dataclass(frozen=True)
class Plan:
    level_instances: int
    saturation_s: float
    half_rate_s: float
    timers: int
    timer_window_s: float
    tasklist_sizes: tuple[int, ...]
    tasklist_requests: int
    loops: int = 10
    floor_requests: int = 2000


QUICK = Plan(100, 8, 10, 1000, 15, (10_000,), 100, floor_requests=500)
FULL = Plan(1000, 30, 60, 10_000, 60, (10_000, 100_000), 300)


def run_bench(quick: bool, database: str, json_path: str | None, echo=print, plan: Plan | None = None) -> dict:
    plan = plan or (QUICK if quick else FULL)
    result: dict = {"cores": os.cpu_count(), "database": database, "quick": quick}
    echo("L0/L1: engine alone, then with state dump/load per step …")
    l0, l1 = measure("L0", plan.level_instances), measure("L1", plan.level_instances)
    result.update(l0_instances_per_s=round(l0.per_cpu_second, 1), l1_instances_per_s=round(l1.per_cpu_second, 1),
                  steps_per_case=l0.steps_per_instance)
    echo("state growth: a complaint sent back (返单) ten times …")
    result.update({f"loop_{k}": v for k, v in loop_growth(plan.loops).items() if k != "loops"})
    with tempfile.TemporaryDirectory(prefix="wuyeflow-bench-") as tmp:
        workdir = Path(tmp)
        url = _database_url(database, workdir)
        seeder = Seeder(url, workdir, TIMER_BPMN)
        if database == "postgresql":
            _one_worker(plan, result, seeder, url, workdir, echo)
        # PostgreSQL is the scale-out path: two scheduler processes claim disjoint timers (SKIP LOCKED).
        service = Service(url, workdir, workers=2, schedulers=2 if database == "postgresql" else 1)
        service.start()
        try:
            _request_floor(plan, result, service, echo)
            _service_levels(plan, result, seeder, service, l1.per_cpu_second, echo)
            _timers(plan, result, seeder, service, echo)
            _tasklist(plan, result, seeder, service, echo)
            result["rss_mb_worker"] = round(max((peak_rss_mb(p) for p in service.worker_pids()), default=0), 1)
            result["rss_mb_scheduler"] = round(max(peak_rss_mb(p) for p in service.scheduler_pids()), 1)
            result["scheduler_processes"] = service.schedulers
        finally:
            service.stop()
    if result.get("service_instances_per_s_1_worker"):
        result["scaling_1_to_2_workers"] = round(
            result["service_instances_per_s"] / result["service_instances_per_s_1_worker"], 2)
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return result


def _database_url(database: str, workdir: Path) -> str:
    if database == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite'}"
    url = os.environ.get("WUYEFLOW_BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgres"):
        raise RuntimeError("--database postgresql needs WUYEFLOW_BENCH_DATABASE_URL=postgresql://… (it is emptied)")
    return url


def _one_worker(plan: Plan, result: dict, seeder: Seeder, url: str, workdir: Path, echo) -> None:
    """Saturation with one gunicorn worker, for the 1 → 2 worker scaling figure (PostgreSQL)."""
    service = Service(url, workdir, workers=1)
    service.start()
    try:
        runner = CaseRunner(Client(service.port, login(service.port, "bench", seeder.password)), seeder.forms,
                            seeder.elements)
        echo(f"S: one worker, saturating for {plan.saturation_s:.0f} s …")
        started = time.perf_counter()
        done = saturate(runner, threads=8, seconds=plan.saturation_s)
        if runner.errors:
            raise RuntimeError(f"load errors: {runner.errors[:3]}")
        result["service_instances_per_s_1_worker"] = round(done / (time.perf_counter() - started), 1)
    finally:
        service.stop()


def _request_floor(plan: Plan, result: dict, service: Service, echo) -> None:
    """Server CPU per `GET /healthz` (one `SELECT 1`): what gunicorn and Flask cost before any work."""
    echo(f"S: request floor, {plan.floor_requests} × GET /healthz …")
    client = Client(service.port, "none")
    client.call("GET", "/healthz")
    cpu0 = service.web_cpu()
    for _ in range(plan.floor_requests):
        client.call("GET", "/healthz")
    result["service_request_floor_ms"] = _r((service.web_cpu() - cpu0) * 1000 / plan.floor_requests, 2)


def _service_levels(plan: Plan, result: dict, seeder: Seeder, service: Service, l1_per_cpu: float, echo) -> None:
    token = login(service.port, "bench", seeder.password)
    runner = CaseRunner(Client(service.port, token), seeder.forms, seeder.elements)
    echo(f"S: saturating the service for {plan.saturation_s:.0f} s …")
    size0, cpu0, wall0 = seeder.database_bytes(), service.server_cpu(), time.perf_counter()
    done = saturate(runner, threads=8, seconds=plan.saturation_s)
    wall, cpu = time.perf_counter() - wall0, service.server_cpu() - cpu0
    if runner.errors:
        raise RuntimeError(f"load errors: {runner.errors[:3]}")
    rate = done / wall
    result.update(service_instances_per_s=round(rate, 1), service_cores=round(cpu / wall, 2),
                  service_instances_per_cpu_s=round(done / cpu, 1) if cpu else None,
                  ratio_service_l1_per_core=round((done / cpu) / l1_per_cpu, 2) if cpu else None,
                  db_bytes_per_10k_closed=int((seeder.database_bytes() - size0) * 10_000 / max(done, 1)))
    echo(f"S: half rate ({rate / 2:.1f} cases/s) for {plan.half_rate_s:.0f} s, constant arrivals …")
    runner = CaseRunner(Client(service.port, token), seeder.forms, seeder.elements)
    constant_rate(runner, max(rate / 2, 0.5), plan.half_rate_s)
    lat = [x * 1000 for x in runner.latencies]
    result.update(complete_p50_ms=_r(percentile(lat, 50)), complete_p99_ms=_r(percentile(lat, 99)),
                  complete_p999_ms=_r(percentile(lat, 99.9)), half_rate_errors=len(runner.errors))


def _timers(plan: Plan, result: dict, seeder: Seeder, service: Service, echo) -> None:
    token = login(service.port, "bench", seeder.password)
    lead = seeder.estimate_seconds(plan.timers) * 1.5 + 3
    echo(f"timers: {plan.timers} due over {plan.timer_window_s:.0f} s while the load runs …")
    base = datetime.now(UTC) + timedelta(seconds=lead)
    spread = [base + timedelta(seconds=plan.timer_window_s * i / plan.timers) for i in range(plan.timers)]
    seeder.seed_timers(spread)
    runner = CaseRunner(Client(service.port, token), seeder.forms, seeder.elements)
    remaining = (spread[-1] - datetime.now(UTC)).total_seconds() + 2
    constant_rate(runner, max(result["service_instances_per_s"] / 2, 0.5), max(remaining, 1))
    lags = seeder.wait_fired(len(spread), timeout=120)
    result.update(timer_lag_p50_ms=_r(percentile(lags, 50)), timer_lag_p99_ms=_r(percentile(lags, 99)),
                  timer_lag_max_ms=_r(max(lags) if lags else None), timer_early=sum(1 for x in lags if x < 0),
                  timers_fired=len(lags))
    echo(f"timers: burst of {plan.timers} due in the same second …")
    due = datetime.now(UTC) + timedelta(seconds=seeder.estimate_seconds(plan.timers) * 1.5 + 3)
    seeder.seed_timers([due] * plan.timers)
    seeder.wait_fired(len(spread) + plan.timers, timeout=300)
    result["timer_burst_drain_s"] = _r(seeder.last_fired_at() - due.timestamp(), 2)


def _tasklist(plan: Plan, result: dict, seeder: Seeder, service: Service, echo) -> None:
    client = Client(service.port, login(service.port, "bench", seeder.password))
    for size in (10_000, 100_000):
        key = f"tasklist_p99_ms_{size // 1000}k"
        if size not in plan.tasklist_sizes:
            result[key] = None
            continue
        echo(f"task list: seeding up to {size} open cases …")
        seeder.seed_open_cases(size)
        deep = seeder.deep_cursor()
        first, deep_lat = [], []
        group = quote("客服部")
        for _ in range(plan.tasklist_requests):
            first.append(_timed(client, f"/api/v1/tasks?group={group}&limit=50"))
            deep_lat.append(_timed(client, f"/api/v1/tasks?group={group}&limit=50&cursor={deep}"))
        result[key] = _r(percentile(first + deep_lat, 99))
        result[f"tasklist_first_p50_ms_{size // 1000}k"] = _r(percentile(first, 50))
        result[f"tasklist_deep_p99_ms_{size // 1000}k"] = _r(percentile(deep_lat, 99))


def _timed(client: Client, path: str) -> float:
    started = time.perf_counter()
    status, _ = client.call("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path} → {status}")
    return (time.perf_counter() - started) * 1000


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def table(result: dict) -> str:
    width = max(len(k) for k in result)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in result.items())
