"""L0 (SpiffWorkflow alone, in memory) and L1 (plus the service's state dump/load per step)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from .. import clock
from ..calendar import WorkCalendar
from ..calendar import expression_functions as calendar_functions
from ..calendar_host import PUBLISHED_FUNCTIONS
from ..engine import api as engine_api
from ..engine.inmemory import run_in_memory, run_persisted
from .scenario import PROCESS_ID, START_DATA, bundle_files, form_from_json, sample


@dataclass(frozen=True)
class LevelResult:
    instances: int
    cpu_seconds: float
    wall_seconds: float
    steps_per_instance: int

    @property
    def per_cpu_second(self) -> float:
        return self.instances / self.cpu_seconds if self.cpu_seconds else 0.0


def _functions() -> dict:
    """The published functions on the bundled calendar data (no database at this level)."""
    calendar = WorkCalendar()
    return calendar_functions(lambda: calendar, clock.now)


def _compiled():
    files = bundle_files()
    result = engine_api.compile_files({k: v for k, v in files.items() if not k.endswith(".form")},
                                      PUBLISHED_FUNCTIONS)
    if result.problems:
        raise RuntimeError(f"bundled processes do not compile: {result.problems[0]}")
    process = next(p for p in result.processes if p.process_id == PROCESS_ID)
    forms = {name[:-5]: form_from_json(content.decode()) for name, content in files.items() if name.endswith(".form")}
    return process, forms


def measure(level: str, instances: int) -> LevelResult:
    """Run `instances` complaint cases start to end on one core; CPU time from the process's own clock."""
    process, forms = _compiled()
    engine = engine_api.Engine(functions=_functions())
    loaded = engine_api.load_spec(process.spec)
    now = clock.now()

    def decide(task):
        element = process.elements.get(task.element_id)
        return sample(forms.get(element.form_id) if element and element.form_id else None, now)

    runner = run_in_memory if level == "L0" else run_persisted
    steps = runner(engine, loaded, START_DATA, decide)  # warm-up and path check
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(instances):
        runner(engine, loaded, START_DATA, decide)
    return LevelResult(instances, time.process_time() - cpu0, time.perf_counter() - wall0, steps)


def state_size() -> int:
    """Bytes of stored state for one completed complaint case (spec not included)."""
    process, forms = _compiled()
    engine = engine_api.Engine(functions=_functions())
    loaded = engine_api.load_spec(process.spec)
    now = clock.now()
    snap = engine.start(loaded, START_DATA)
    while snap.ready_tasks:
        task = snap.ready_tasks[0]
        element = process.elements.get(task.element_id)
        snap = engine.complete(loaded, snap.state, task.task_id,
                               sample(forms.get(element.form_id) if element and element.form_id else None, now))
    return len(snap.state.encode()) + len(json.dumps(snap.data).encode())


def loop_growth(loops: int = 10) -> dict:
    """A complaint whose follow-up visit is unsatisfied `loops` times (返单 back to handling each time):
    stored state and the CPU cost of one step (restore, run, dump) at the first and at the last loop."""
    process, forms = _compiled()
    engine = engine_api.Engine(functions=_functions())
    loaded = engine_api.load_spec(process.spec)
    now = clock.now()
    unhappy = {"satisfaction": "不满意", "satisfied": False}
    visits, per_loop = 0, []
    snap = engine.start(loaded, START_DATA)
    step_cpu: list[float] = []
    for _ in range(100 * (loops + 1)):
        if not snap.ready_tasks:
            break
        task = snap.ready_tasks[0]
        element = process.elements.get(task.element_id)
        data = sample(forms.get(element.form_id) if element and element.form_id else None, now)
        if "satisfaction" in data:
            visits += 1
            if visits <= loops:
                data.update(unhappy)
            per_loop.append((len(snap.state.encode()), sum(step_cpu) / max(len(step_cpu), 1)))
            step_cpu = []
        started = time.process_time()
        snap = engine.complete(loaded, snap.state, task.task_id, data)
        step_cpu.append(time.process_time() - started)
    if snap.status != "completed" or len(per_loop) < loops + 1:
        raise RuntimeError(f"the 返单 loop did not run {loops} times: {visits} visits, status {snap.status}")
    (first_bytes, first_cpu), (last_bytes, last_cpu) = per_loop[0], per_loop[loops]
    return {"loops": loops, "state_kb_first_visit": round(first_bytes / 1024, 1),
            "state_kb_after_loops": round(last_bytes / 1024, 1),
            "state_kb_per_loop": round((last_bytes - first_bytes) / 1024 / loops, 1),
            "step_ms_first_loop": round(first_cpu * 1000, 2), "step_ms_last_loop": round(last_cpu * 1000, 2)}
