"""A case that loops (返单 ten times through the handling subprocess and the follow-up call activity)
stores only what its own history needs: finished subprocesses are left out of the stored state."""

from __future__ import annotations

import json

from service.bench.levels import loop_growth


def test_ten_returns_grow_the_state_by_the_loops_own_steps_only():
    result = loop_growth(10)  # raises unless the case loops ten times and then completes
    # Without pruning, each loop kept a finished handling subprocess and visit call activity: ~18 KB.
    assert result["state_kb_per_loop"] < 6, result
    assert result["state_kb_after_loops"] < result["state_kb_first_visit"] + 10 * 6, result


def test_finished_subprocesses_are_not_stored_but_running_ones_are():
    from service import clock
    from service.bench.levels import _compiled, _functions
    from service.bench.scenario import START_DATA, sample
    from service.engine import api as engine_api

    process, forms = _compiled()
    engine = engine_api.Engine(functions=_functions())
    loaded = engine_api.load_spec(process.spec)
    snap = engine.start(loaded, START_DATA)
    seen_running_subprocess = False
    while snap.ready_tasks:
        task = snap.ready_tasks[0]
        state = json.loads(snap.state)
        for subprocess in state["subprocesses"].values():
            assert any(t["state"] not in (64, 256) for t in subprocess["tasks"].values()), \
                "a finished subprocess was stored"
            seen_running_subprocess = True
        element = process.elements.get(task.element_id)
        snap = engine.complete(loaded, snap.state, task.task_id,
                               sample(forms.get(element.form_id) if element and element.form_id else None,
                                      clock.now()))
    assert snap.status == "completed"
    assert seen_running_subprocess  # the visit ran as a call activity whose state was stored while open
