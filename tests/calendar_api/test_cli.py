"""`wuyeflow calendar import FILE` and `wuyeflow calendar show YEAR`."""

import json

from tests.calendar_api.conftest import SCHEDULE_2027


def test_import_then_show(app, schedule_file):
    runner = app.test_cli_runner()
    before = runner.invoke(args=["calendar", "show", "2027"])
    assert before.exit_code == 0, before.output
    assert "2027: provisional" in before.output and "2027-01-01 Fri rest    holiday:元旦 [holidays]" in before.output

    result = runner.invoke(args=["calendar", "import", str(schedule_file), "--as-user", "ops"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (f"2027: 14 day(s) imported from {SCHEDULE_2027['source']}; "
                                     "0 pending deadline(s) recomputed")

    shown = runner.invoke(args=["calendar", "show", "2027"]).output
    assert "2027: firm" in shown and "by ops" in shown
    assert "2027-01-04 Mon rest    holiday:元旦 [schedule]" in shown
    assert "2027-02-20 Sat working makeup_workday [schedule]" in shown


def test_show_lists_overrides_and_2026(app):
    from service.usecases.calendar import add_override

    with app.app_context():
        from datetime import date
        add_override("admin", date(2026, 3, 10), False, "公司年会")
    shown = app.test_cli_runner().invoke(args=["calendar", "show", "2026"]).output
    assert "2026: firm" in shown
    assert "2026-10-10 Sat working makeup_workday [chinesecalendar]" in shown
    assert "override 2026-03-10 company-wide: rest 公司年会 (by admin)" in shown


def test_bad_file_is_refused(app, tmp_path):
    bad = tmp_path / "2027.json"
    bad.write_text(json.dumps({**SCHEDULE_2027, "holidays": []}), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(bad)])
    assert result.exit_code != 0 and "lists no day off" in result.output
    assert app.test_cli_runner().invoke(args=["calendar", "show", "1800"]).exit_code != 0
