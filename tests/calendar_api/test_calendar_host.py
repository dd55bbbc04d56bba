"""The service's calendar: database overrides, seen by other processes through the revision row."""

from datetime import date

from service import calendar_host, create_app
from service.db import db
from service.usecases.calendar import add_override, remove_override
from tests.calendar_api.conftest import HERE, SCHEDULE_2027, bj, fire


def test_another_process_sees_a_change_within_the_check_interval(app, monkeypatch):
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": "test"})  # a second worker on the same database
    try:
        with other.app_context():
            assert calendar_host.work_calendar().is_working_day(date(2026, 3, 10))
        with app.app_context():
            add_override("admin", date(2026, 3, 10), False, "公司年会")
            assert not calendar_host.work_calendar().is_working_day(date(2026, 3, 10))  # this process: at once
        with other.app_context():
            assert calendar_host.work_calendar().is_working_day(date(2026, 3, 10))  # cached, checked < 2 s ago
            monkeypatch.setattr(calendar_host, "CHECK_SECONDS", 0.0)
            assert not calendar_host.work_calendar().is_working_day(date(2026, 3, 10))
            db.session.rollback()
        with app.app_context():
            remove_override("admin", date(2026, 3, 10))
        with other.app_context():
            assert calendar_host.work_calendar().is_working_day(date(2026, 3, 10))
            assert calendar_host.current_revision() == 2
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_outside_an_app_context_the_last_built_calendar_is_used(app):
    with app.app_context():
        add_override("admin", date(2026, 3, 10), False, "公司年会")
        built = calendar_host.work_calendar()
    assert calendar_host.work_calendar() is built
    functions = calendar_host.expression_functions()
    assert functions["add_workdays"]("2026-03-09T10:00:00+08:00", 1) == "2026-03-11T10:00:00+08:00"


def test_recompute_keeps_now_at_the_moment_the_timer_started(app, api, travel):
    xml = (HERE / "complaint_sla.bpmn").read_text(encoding="utf-8")
    api.deploy(("complaint_sla.bpmn", xml.replace("add_workdays(accepted_at, 15)", "add_workdays(now(), 15)")
                .encode()))
    clock = travel(bj(2026, 12, 21, 10))  # Monday
    case = api.start("complaint_sla").get_json()
    api.complete(api.task(case["id"], "register")["id"], {"accepted_at": "2026-12-21T10:00:00+08:00"})
    api.complete(api.task(case["id"], "acknowledge")["id"])
    assert [t["due_at"] for t in api.instance(case["id"])["timers"]] == ["2027-01-12T10:00:00+08:00"]
    clock.move_to(bj(2026, 12, 29, 15))  # the schedule is published a week later
    assert api.post("/api/v1/calendar/schedules", as_="admin", json=SCHEDULE_2027).get_json()["recomputed"] == 1
    assert [t["due_at"] for t in api.instance(case["id"])["timers"]] == ["2027-01-13T10:00:00+08:00"]
    clock.move_to(bj(2027, 1, 13, 10, 0, 1))
    assert fire(app) == 1
