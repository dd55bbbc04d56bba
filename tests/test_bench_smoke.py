"""`wuyeflow bench` end to end on a tiny plan: real gunicorn and scheduler, every figure present and sane.

Not a speed test (speed goals are the benchmark's own job): it checks that the command works, that the
load ran without errors, that every timer fired and none early, and that the JSON has the agreed keys.
"""

from __future__ import annotations

import json

from service.bench.run import Plan, run_bench

KEYS = ("cores", "database", "l0_instances_per_s", "l1_instances_per_s", "service_instances_per_s", "service_cores",
        "ratio_service_l1_per_core", "complete_p50_ms", "complete_p99_ms", "complete_p999_ms",
        "tasklist_p99_ms_10k", "tasklist_p99_ms_100k", "timer_lag_p50_ms", "timer_lag_p99_ms", "timer_lag_max_ms",
        "timer_early", "timer_burst_drain_s", "rss_mb_worker", "rss_mb_scheduler")


def test_tiny_bench_runs_the_real_service(tmp_path):
    out = tmp_path / "bench.json"
    plan = Plan(level_instances=3, saturation_s=2, half_rate_s=2, timers=30, timer_window_s=2, tasklist_sizes=(),
                tasklist_requests=3, loops=2, floor_requests=100)
    result = run_bench(True, "sqlite", str(out), echo=lambda m: None, plan=plan)
    assert json.loads(out.read_text()) == result
    assert set(KEYS) <= set(result)
    assert result["service_instances_per_s"] > 0 and result["half_rate_errors"] == 0
    assert result["timers_fired"] == 30 and result["timer_early"] == 0
    assert result["timer_burst_drain_s"] is not None and result["rss_mb_worker"] > 0
    assert result["service_request_floor_ms"] > 0  # gunicorn + Flask per bare request
    assert result["loop_state_kb_after_loops"] > result["loop_state_kb_first_visit"]
    assert result["tasklist_p99_ms_10k"] is None and result["tasklist_p99_ms_100k"] is None
