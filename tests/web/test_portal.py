"""The residents' portal through the test client: file, track, rate, escaping, honeypot, rate limits, English."""

import io
import re

import pytest

from tests.conftest import ROOT
from tests.processes.helpers import FOLLOWUP_FILES

COMPLAINT_FILES = [ROOT / "bpmn" / "complaint.bpmn", ROOT / "bpmn" / "complaint_classification.dmn",
                   *sorted((ROOT / "forms").glob("complaint_*.form")), *FOLLOWUP_FILES]
REPAIR_FILES = [ROOT / "bpmn/repair.bpmn", ROOT / "bpmn/repair_urgency.dmn", ROOT / "bpmn/followup_visit.bpmn",
                ROOT / "bpmn/followup_satisfaction.dmn", *sorted((ROOT / "forms").glob("repair_*.form")),
                ROOT / "forms/followup_visit.form"]
RESIDENT = {"resident_name": "李四", "phone": "13912345678", "unit": "3栋2单元501", "category": "cleaning",
            "content": "<script>alert('x')</script>楼道垃圾三天没人清理"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def deployed(api, app, tmp_path):
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    assert api.deploy(*COMPLAINT_FILES).status_code == 201
    return api


def token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def file_case(client, kind="complaint", **changes):
    data = {**RESIDENT, **changes, "csrf_token": token(client, f"/portal/new/{kind}")}
    return client.post(f"/portal/new/{kind}", data=data, content_type="multipart/form-data")


def ticket_of(resp) -> str:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:3000]
    page = resp.get_data(as_text=True)
    assert "请记下您的工单号" in page
    return re.search(r'id="ticket">([A-Z]+-\d{8}-\d+)<', page).group(1)


def track(client, ticket: str, phone: str):
    return client.post("/portal/track", data={"ticket": ticket, "phone": phone,
                                              "csrf_token": token(client, "/portal/track")})


def test_portal_home_offers_complaint_and_repair_in_chinese(client):
    page = client.get("/portal").get_data(as_text=True)
    assert "投诉" in page and "报修" in page and "查询进度" in page and 'lang="zh-CN"' in page
    form = client.get("/portal/new/complaint").get_data(as_text=True)
    assert 'name="csrf_token"' in form and 'name="website"' in form and 'pattern="^1[3-9]\\d{9}$"' in form
    assert "环境卫生/绿化" in form and 'type="file"' in form and "portal.css" in form
    assert client.get("/portal/new/other").status_code == 404


def test_filed_complaint_reaches_the_desk_and_can_be_tracked(deployed, client):
    resp = file_case(client, photos=[(io.BytesIO(PNG), "楼道.png")])
    ticket = ticket_of(resp)
    assert ticket.startswith("TS-")
    # the desk sees 登记投诉 with the resident's data
    tasks = deployed.get("/api/v1/tasks", as_="desk").get_json()
    items = tasks["items"] if isinstance(tasks, dict) else tasks
    register = [t for t in items if t["element_id"] == "register"]
    assert register and register[0]["name"] == "登记投诉"
    data = deployed.instance(register[0]["instance_id"], as_="desk")["data"]
    assert data["channel"] == "online" and data["source"] == "portal" and data["phone"] == RESIDENT["phone"]
    assert data["resident_name"] == "李四" and data["content"] == RESIDENT["content"] and data["ticket_no"] == ticket
    assert data["photos"] == [{"name": "photo.png", "size": len(PNG)}] or data["photos"][0]["size"] == len(PNG)
    # tracking: status and the current step in words, the text escaped
    page = track(client, ticket, RESIDENT["phone"]).get_data(as_text=True)
    assert "已受理" in page and "登记投诉" in page and ticket in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "register" not in page.split('<main')[1]  # no element ids


def test_wrong_phone_and_wrong_ticket_look_the_same(deployed, client):
    ticket = ticket_of(file_case(client))
    wrong_phone = track(client, ticket, "13000000000")
    wrong_ticket = track(client, "TS-20990101-9999", RESIDENT["phone"])
    assert wrong_phone.status_code == wrong_ticket.status_code == 404

    def body(resp):
        return re.sub(r'value="[^"]*"', "", resp.get_data(as_text=True))
    assert "未找到" in body(wrong_phone) and body(wrong_phone) == body(wrong_ticket)


def test_honeypot_invalid_fields_and_csrf_are_rejected(deployed, client):
    resp = file_case(client, website="http://spam.example")
    assert resp.status_code == 400 and "请记下您的工单号" not in resp.get_data(as_text=True)
    resp = file_case(client, phone="12345", content="x" * 2001)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "11 位手机号码" in page and "李四" in page
    resp = file_case(client, photos=[(io.BytesIO(b"MZ not an image"), "evil.png")])
    assert resp.status_code == 422 and "只能上传" in resp.get_data(as_text=True)
    assert client.post("/portal/new/complaint", data=RESIDENT).status_code == 400  # no CSRF token
    tasks = deployed.get("/api/v1/tasks", as_="desk").get_json()
    assert not (tasks["items"] if isinstance(tasks, dict) else tasks)


def test_rate_limit_when_enabled(deployed, app, client):
    app.config["RATELIMIT_ENABLED"] = True
    codes = [track(client, "TS-20990101-0001", "13912345678").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429
    for _ in range(5):
        ticket_of(file_case(client))
    assert file_case(client).status_code == 429


def test_limits_are_off_in_tests(deployed, client):
    assert all(track(client, "TS-20990101-0001", "13912345678").status_code == 404 for _ in range(35))


def test_repair_filed_the_same_way(api, app, client):
    assert api.deploy(*REPAIR_FILES).status_code == 201
    ticket = ticket_of(file_case(client, "repair", category="给排水", content="厨房水管漏水"))
    page = track(client, ticket, RESIDENT["phone"]).get_data(as_text=True)
    assert "已受理" in page and "登记报修" in page
    tasks = api.get("/api/v1/tasks", as_="desk").get_json()
    items = tasks["items"] if isinstance(tasks, dict) else tasks
    data = api.instance(items[0]["instance_id"], as_="desk")["data"]
    assert data["fault_category"] == "给排水" and data["channel"] == "online" and data["ticket_no"] == ticket


def test_rating_the_visit_is_recorded_for_the_desk(deployed, app, client):
    from service.db import db
    from service.models import Task
    from service.usecases import portal

    ticket = ticket_of(file_case(client))
    with app.app_context():  # pretend the case reached the visit: the open task takes the shared visit form
        task = db.session.query(Task).filter_by(state="ready").one()
        task.element_id, task.name, task.form_id = "call_back", "客服前台回访", "followup_visit"
        db.session.commit()
    page = track(client, ticket, RESIDENT["phone"]).get_data(as_text=True)
    assert "待回访" in page and "客服前台回访" in page and "基本满意" in page
    resp = client.post("/portal/track/rate", data={"ticket": ticket, "phone": RESIDENT["phone"], "rating": "满意",
                                                   "comment": "<b>很好</b>",
                                                   "csrf_token": token(client, "/portal/track")})
    page = resp.get_data(as_text=True)
    assert "感谢您的评价" in page and "&lt;b&gt;很好" in page and "提交评价" not in page
    with app.app_context():
        from service.models import HistoryEntry
        entry = db.session.query(HistoryEntry).filter_by(action="resident_rating").one()
        assert entry.data["rating"] == "满意" and entry.actor == portal.PORTAL_USER


def test_the_visit_step_is_known_by_its_form_not_by_its_element_id(deployed, app, client):
    from service.db import db
    from service.models import Task

    ticket = ticket_of(file_case(client))
    with app.app_context():  # an element id that says "visit", on a task without the shared visit form
        task = db.session.query(Task).filter_by(state="ready").one()
        task.element_id, task.name, task.form_id = "site_visit", "上门查看", "renovation_inspection"
        db.session.commit()
    page = track(client, ticket, RESIDENT["phone"]).get_data(as_text=True)
    assert "待回访" not in page and "上门查看" in page and "提交评价" not in page
    resp = client.post("/portal/track/rate", data={"ticket": ticket, "phone": RESIDENT["phone"], "rating": "满意",
                                                   "comment": "", "csrf_token": token(client, "/portal/track")})
    assert "感谢您的评价" not in resp.get_data(as_text=True)


def test_english_switch(client):
    page = client.get("/portal?lang=en").get_data(as_text=True)
    assert 'lang="en"' in page and "Complaint" in page and "Repair" in page
    form = client.get("/portal/new/repair").get_data(as_text=True)
    assert "Phone" in form and "Submit" in form and "Water and drainage" in form and "联系电话" not in form


# --- photos ---------------------------------------------------------------------------------------

def login(client, username: str) -> None:
    resp = client.post("/login", data={"username": username, "password": "pw-123456",
                                       "csrf_token": token(client, "/login")})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]


def photo_links(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+/photos/[^"]+)"[^>]*>\s*<img src="\1"', page)


@pytest.fixture
def with_photos(deployed, app, client):
    """A complaint filed with two photos; (ticket, instance id, task id)."""
    ticket = ticket_of(file_case(client, photos=[(io.BytesIO(PNG), "楼道.png"), (io.BytesIO(JPEG), "wall.jpg")]))
    register = next(t for t in deployed.get("/api/v1/tasks", as_="desk").get_json()["items"]
                    if t["element_id"] == "register")
    return ticket, register["instance_id"], register["id"]


JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


def test_staff_see_the_photos_on_the_task_and_the_case_page(with_photos, api, app):
    ticket, instance_id, task_id = with_photos
    staff = app.test_client()
    login(staff, "desk")
    for page in (staff.get(f"/tasks/{task_id}"), staff.get(f"/instances/{instance_id}")):
        assert page.status_code == 200
        links = photo_links(page.get_data(as_text=True))
        assert links == [f"/instances/{instance_id}/photos/1-photo.png", f"/instances/{instance_id}/photos/2-wall.jpg"]
    png, jpeg = staff.get(links[0]), staff.get(links[1])
    assert png.status_code == 200 and png.data == PNG and png.mimetype == "image/png"
    assert jpeg.status_code == 200 and jpeg.data == JPEG and jpeg.mimetype == "image/jpeg"
    assert png.headers["X-Content-Type-Options"] == "nosniff" and "private" in png.headers["Cache-Control"]
    assert "attachment" not in png.headers.get("Content-Disposition", "")


def test_photos_refuse_strangers_other_compounds_and_paths(with_photos, api, app):
    ticket, instance_id, _task_id = with_photos
    url = f"/instances/{instance_id}/photos/1-photo.png"
    assert app.test_client().get(url).status_code == 403  # signed out
    api.user("elsewhere", "manager", groups=["客服部"], compounds=["OTHER"])
    outsider = app.test_client()
    login(outsider, "elsewhere")
    assert outsider.get(url).status_code == 403
    assert outsider.get(f"/instances/{instance_id}").status_code == 403  # the same rule as the case page
    staff = app.test_client()
    login(staff, "desk")
    for bad in ("../1-photo.png", "..%2F1-photo.png", "..", "%2e%2e", "..%2f..%2fwuyeflow.sqlite", "3-none.png",
                "1-photo.png%00.txt", "", "?"):
        assert staff.get(f"/instances/{instance_id}/photos/{bad}").status_code == 404, bad
    assert staff.get(f"/instances/{instance_id}/photos/").status_code == 404  # no listing
    assert staff.get(f"/instances/{instance_id + 1000}/photos/1-photo.png").status_code == 404


def test_a_resident_sees_the_photos_only_after_ticket_and_phone(with_photos, app):
    ticket, _instance_id, _task_id = with_photos
    url = f"/portal/photos/{ticket}/1-photo.png"
    resident = app.test_client()
    assert resident.get(url).status_code == 404  # not verified in this browser
    assert track(resident, ticket, "13000000000").status_code == 404
    assert resident.get(url).status_code == 404  # a wrong phone proves nothing
    page = track(resident, ticket, RESIDENT["phone"]).get_data(as_text=True)
    assert photo_links(page) == [url, f"/portal/photos/{ticket}/2-wall.jpg"] and "您上传的照片" in page
    resp = resident.get(url)
    assert resp.status_code == 200 and resp.data == PNG and resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resident.get(f"/portal/photos/{ticket}/..%2F..%2Fwuyeflow.sqlite").status_code == 404
    assert resident.get(f"/portal/photos/{ticket}/").status_code == 404
    other = ticket_of(file_case(resident, photos=[(io.BytesIO(PNG), "x.png")]))
    assert resident.get(f"/portal/photos/{other}/1-photo.png").status_code == 404  # filed, but not verified
    assert app.test_client().get(url).status_code == 404
