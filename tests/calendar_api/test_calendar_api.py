"""The calendar over HTTP: deadlines, days, years, schedules, overrides; bad input names the parameter."""

import pytest

from tests.calendar_api.conftest import SCHEDULE_2027

WORKDAYS = "/api/v1/calendar/add-workdays"


def test_add_workdays_over_national_day(api):
    resp = api.get(WORKDAYS, as_="desk", query_string={"start": "2026-09-30T10:00:00+08:00", "days": 3})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"due": "2026-10-10T10:00:00+08:00", "provisional": False}


def test_add_workdays_unencoded_plus_and_naive_and_utc_starts(api):
    for start in ("2026-09-30T10:00:00 08:00", "2026-09-30T10:00:00", "2026-09-30T02:00:00Z"):
        resp = api.get(f"{WORKDAYS}?start={start}&days=3", as_="desk")
        assert resp.get_json()["due"] == "2026-10-10T10:00:00+08:00", start


def test_add_workdays_into_an_unpublished_year_is_provisional(api):
    resp = api.get(WORKDAYS, as_="desk", query_string={"start": "2026-12-20T10:00:00+08:00", "days": 15})
    assert resp.get_json() == {"due": "2027-01-12T08:30:00+08:00", "provisional": True}


def test_add_work_hours(api):
    resp = api.get("/api/v1/calendar/add-work-hours", as_="desk",
                   query_string={"start": "2026-09-30T15:00:00+08:00", "hours": 4})
    assert resp.get_json() == {"due": "2026-10-08T10:30:00+08:00", "provisional": False}


@pytest.mark.parametrize("query, parameter", [
    ({"days": 3}, "start"),
    ({"start": "2026-09-30T10:00:00+08:00"}, "days"),
    ({"start": "yesterday", "days": 3}, "start"),
    ({"start": "2026-09-30T10:00:00+08:00", "days": -1}, "days"),
    ({"start": "2026-09-30T10:00:00+08:00", "days": "three"}, "days"),
    ({"start": "2026-09-30T10:00:00+08:00", "days": 1, "compound": "nowhere"}, "compound"),
])
def test_bad_deadline_input_is_422_naming_the_parameter(api, query, parameter):
    resp = api.get(WORKDAYS, as_="desk", query_string=query)
    assert resp.status_code == 422
    body = resp.get_json()
    assert parameter in str(body["errors"]) and body["code"] == 422


def test_bad_hours_is_422(api):
    resp = api.get("/api/v1/calendar/add-work-hours", as_="desk", query_string={"start": "2026-09-30", "hours": "x"})
    assert resp.status_code == 422 and "hours" in str(resp.get_json()["errors"])


def test_calendar_needs_sign_in(api):
    assert api.get(WORKDAYS, query_string={"start": "2026-09-30", "days": 1}).status_code == 401


def test_days_say_why(api):
    resp = api.get("/api/v1/calendar/days", as_="desk", query_string={"from": "2026-09-30", "to": "2026-10-10"})
    days = resp.get_json()["items"]
    assert [(d["date"], d["working"], d["reason"]) for d in days[:2]] == [
        ("2026-09-30", True, "weekday"), ("2026-10-01", False, "holiday:国庆节")]
    assert days[-1] == {"date": "2026-10-10", "working": True, "reason": "makeup_workday", "provisional": False,
                        "source": "chinesecalendar"}
    later = api.get("/api/v1/calendar/days?from=2027-01-01&to=2027-01-04", as_="desk").get_json()["items"]
    assert all(d["provisional"] for d in later) and later[0]["reason"] == "holiday:元旦"


@pytest.mark.parametrize("query, parameter", [
    ({"from": "2026-10-10", "to": "2026-10-01"}, "to"),
    ({"from": "2026-01-01", "to": "2029-01-01"}, "to"),
    ({"from": "2026-13-01", "to": "2026-12-01"}, "from"),
    ({"to": "2026-12-01"}, "from"),
])
def test_bad_days_input(api, query, parameter):
    resp = api.get("/api/v1/calendar/days", as_="desk", query_string=query)
    assert resp.status_code == 422 and parameter in str(resp.get_json()["errors"])


def test_import_schedule_makes_the_year_firm(api):
    assert api.post("/api/v1/calendar/schedules", as_="boss", json=SCHEDULE_2027).status_code == 403
    resp = api.post("/api/v1/calendar/schedules", as_="admin", json=SCHEDULE_2027)
    assert resp.status_code == 201 and resp.get_json() == {"year": 2027, "days": 14, "recomputed": 0}
    deadline = api.get(WORKDAYS, as_="desk", query_string={"start": "2026-12-20T10:00:00+08:00", "days": 15})
    assert deadline.get_json() == {"due": "2027-01-13T08:30:00+08:00", "provisional": False}
    year = api.get("/api/v1/calendar/years/2027", as_="desk").get_json()
    assert year["provisional"] is False and year["schedule"]["source"] == SCHEDULE_2027["source"]
    assert year["schedule"]["imported_by"] == "admin"
    listed = {d["date"]: d["reason"] for d in year["days"]}
    assert listed["2027-01-04"] == "holiday:元旦" and listed["2027-02-20"] == "makeup_workday"
    # Unlisted days of an imported year follow the weekday rule, not the package's guesses.
    assert "2027-05-01" not in listed or listed["2027-05-01"] == "weekend"


def test_reimport_replaces_the_year(api):
    api.post("/api/v1/calendar/schedules", as_="admin", json=SCHEDULE_2027)
    smaller = {**SCHEDULE_2027, "holidays": [{"name": "元旦", "start": "2027-01-01"}], "workdays": []}
    assert api.post("/api/v1/calendar/schedules", as_="admin", json=smaller).get_json()["days"] == 1
    day = api.get("/api/v1/calendar/days?from=2027-01-04&to=2027-01-04", as_="desk").get_json()["items"][0]
    assert (day["working"], day["reason"]) == (True, "weekday")


@pytest.mark.parametrize("change, words", [
    ({"year": "2027"}, "year"),
    ({"holidays": [{"name": "元旦", "start": "2027-02-30"}]}, "2027-02-30"),
    ({"holidays": [{"name": "元旦", "start": "2026-05-01"}]}, "outside 2027"),
    ({"colour": "red"}, "colour"),
])
def test_bad_schedule_is_422_and_imports_nothing(api, change, words):
    resp = api.post("/api/v1/calendar/schedules", as_="admin", json={**SCHEDULE_2027, **change})
    assert resp.status_code == 422 and words in resp.get_json()["message"], resp.get_json()
    assert api.get("/api/v1/calendar/years/2027", as_="desk").get_json()["provisional"] is True


def test_company_override_added_and_removed(api):
    url = "/api/v1/calendar/overrides"
    body = {"date": "2026-03-10", "working": False, "name": "公司年会", "notes": "董事会决定"}
    assert api.post(url, as_="desk", json=body).status_code == 403
    assert api.post(url, as_="boss", json=body).status_code == 403  # company-wide: admins only
    resp = api.post(url, as_="admin", json=body)
    assert resp.status_code == 201 and resp.get_json() == {"year": 2026, "days": 1, "recomputed": 0}
    day = api.get("/api/v1/calendar/days?from=2026-03-10&to=2026-03-10", as_="desk").get_json()["items"][0]
    assert (day["working"], day["reason"], day["source"]) == (False, "override:公司年会", "override")
    year = api.get("/api/v1/calendar/years/2026", as_="desk").get_json()
    assert [(o["date"], o["name"], o["created_by"]) for o in year["overrides"]] == [("2026-03-10", "公司年会", "admin")]
    assert api.client.delete(f"{url}?date=2026-03-10", headers=api.headers("admin")).status_code == 200
    day = api.get("/api/v1/calendar/days?from=2026-03-10&to=2026-03-10", as_="desk").get_json()["items"][0]
    assert day["working"] is True
    assert api.client.delete(f"{url}?date=2026-03-10", headers=api.headers("admin")).status_code == 404


def test_compound_rest_day_by_its_manager(api):
    url = "/api/v1/calendar/overrides"
    api.user("boss_b", "manager", compounds=["b-garden"])
    body = {"date": "2026-03-11", "working": False, "name": "停水检修", "compound": "b-garden"}
    assert api.post(url, as_="boss", json=body).status_code == 403  # not his compound
    assert api.post(url, as_="boss_b", json=body).status_code == 201
    query = {"from": "2026-03-11", "to": "2026-03-11"}
    own = api.get("/api/v1/calendar/days", as_="desk", query_string={**query, "compound": "b-garden"})
    assert own.get_json()["items"][0]["reason"] == "override:停水检修"
    assert api.get("/api/v1/calendar/days", as_="desk", query_string=query).get_json()["items"][0]["working"]
    due = api.get(WORKDAYS, as_="desk", query_string={"start": "2026-03-10T10:00:00+08:00", "days": 1,
                                                      "compound": "b-garden"})
    assert due.get_json()["due"] == "2026-03-12T10:00:00+08:00"
    bad = api.post(url, as_="admin", json={**body, "compound": "nowhere"})
    assert bad.status_code == 422 and "compound" in bad.get_json()["errors"]
    blank = api.post(url, as_="admin", json={**body, "name": " "})
    assert blank.status_code == 422 and "name" in blank.get_json()["errors"]


def test_openapi_lists_the_calendar(api):
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/calendar/add-workdays", "/api/v1/calendar/days", "/api/v1/calendar/schedules",
                 "/api/v1/calendar/overrides", "/api/v1/instances/{instance_id}/deadlines/{element_id}/extend"):
        assert path in paths
