"""The load generator: simulated staff working complaint cases over HTTP on loopback."""

from __future__ import annotations

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from .scenario import PROCESS_ID, START_DATA, sample


class Client:
    """One keep-alive connection per thread, bearer token, JSON in and out."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return conn

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            conn = self._conn()
            try:
                conn.request(method, path, body=payload, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, (json.loads(data) if data else {})
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def login(port: int, username: str, password: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/auth/token", body=json.dumps({"username": username, "password": password}),
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    if resp.status != 200:
        raise RuntimeError(f"login failed: {body}")
    return body["token"]


class CaseRunner:
    """Takes one complaint from start to end; records each task completion's latency."""

    def __init__(self, client: Client, forms: dict, elements: dict):
        self.client, self.forms, self.elements = client, forms, elements
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def run(self) -> bool:
        status, body = self.client.call("POST", f"/api/v1/processes/{PROCESS_ID}/instances", {"data": START_DATA})
        if status != 201:
            return self._fail(f"start {status}: {body.get('message')}")
        tasks, now = body["tasks"], datetime.now(UTC)
        for _ in range(200):
            if not tasks:
                return True
            task = tasks[0]
            element = self.elements.get(task["element_id"]) or {}
            data = sample(self.forms.get(element.get("form_id")), now)
            started = time.perf_counter()
            status, body = self.client.call("POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data})
            elapsed = time.perf_counter() - started
            if status != 200:
                return self._fail(f"complete {task['element_id']} {status}: {body.get('message')} {body.get('errors')}")
            with self.lock:
                self.latencies.append(elapsed)
            tasks = body.get("next_tasks", [])
        return self._fail("case did not end within 200 steps")

    def _fail(self, message: str) -> bool:
        with self.lock:
            self.errors.append(message)
        return False


def saturate(runner: CaseRunner, threads: int, seconds: float) -> int:
    """Closed loop: `threads` simulated staff, each starting a new case when one ends."""
    stop_at = time.monotonic() + seconds
    done = [0]
    lock = threading.Lock()

    def loop():
        while time.monotonic() < stop_at:
            if runner.run():
                with lock:
                    done[0] += 1

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return done[0]


def constant_rate(runner: CaseRunner, rate: float, seconds: float, max_threads: int = 64) -> int:
    """Open loop: cases arrive every 1/rate seconds whether or not earlier ones are done."""
    interval, count = 1.0 / rate, int(rate * seconds)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max_threads) as pool:
        futures = []
        for index in range(count):
            delay = start + index * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(runner.run))
        return sum(1 for f in futures if f.result())


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(pct / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]
