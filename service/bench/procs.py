"""Start the real service (gunicorn + scheduler) for the benchmark and read its processes' CPU and memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (its own accounting, not the load generator's)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Service:
    database_url: str
    workdir: Path
    workers: int = 2
    schedulers: int = 1
    port: int = field(default_factory=free_port)
    procs: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        return {**os.environ, "DATABASE_URL": self.database_url, "WUYEFLOW_SECRET_KEY": "bench",
                "FLASK_APP": "service:create_app", "WUYEFLOW_INSTANCE_PATH": str(self.workdir)}

    def start(self) -> None:
        log = open(self.workdir / "service.log", "ab")
        self.procs["web"] = subprocess.Popen(  # noqa: S603 - fixed argument list
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--log-level", "warning", "service.wsgi:app"], env=self.env(), stdout=log, stderr=log)
        self.procs["scheduler"] = subprocess.Popen(  # noqa: S603 - fixed argument list
            [sys.executable, "-m", "service.cli", "scheduler", "--poll", "0.1", "--processes", str(self.schedulers)],
            env=self.env(), stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as resp:  # noqa: S310 - loopback
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"service did not start; see {self.workdir / 'service.log'}")

    def worker_pids(self) -> list[int]:
        return children(self.procs["web"].pid)

    def scheduler_pids(self) -> list[int]:
        return [self.procs["scheduler"].pid, *children(self.procs["scheduler"].pid)]

    def web_cpu(self) -> float:
        """CPU seconds of gunicorn (master and workers) only."""
        return sum(cpu_seconds(pid) for pid in [self.procs["web"].pid, *self.worker_pids()])

    def server_cpu(self) -> float:
        pids = [self.procs["web"].pid, *self.scheduler_pids(), *self.worker_pids()]
        return sum(cpu_seconds(pid) for pid in pids)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
