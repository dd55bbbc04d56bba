"""The session login page: CSRF, wrong password, language switch, safe redirects."""

import re


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_login_logout_and_csrf(api, client):
    page = client.get("/login")
    assert page.status_code == 200 and "登录" in page.get_data(as_text=True)
    token = _csrf(page.get_data(as_text=True))
    assert client.post("/login", data={"username": "desk", "password": "pw-123456"}).status_code == 400
    bad = client.post("/login", data={"username": "desk", "password": "nope", "csrf_token": token})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.get_data(as_text=True)
    ok = client.post("/login?next=//evil.example/x", data={"username": "desk", "password": "pw-123456",
                                                          "csrf_token": token})
    assert ok.status_code == 302 and "evil.example" not in ok.headers["Location"]
    assert client.get("/api/v1/tasks").status_code == 200  # the session also signs API calls in
    assert client.post("/api/v1/tasks/x/claim").status_code == 400  # … but then they need the CSRF token
    fresh = _csrf(client.get("/login").get_data(as_text=True))  # the session (and its token) is new
    assert client.post("/logout", data={"csrf_token": fresh}).status_code == 302
    assert client.get("/api/v1/tasks").status_code == 401


def test_english_by_switch(client):
    assert "Log in" in client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in client.get("/login").get_data(as_text=True)  # remembered in the session
    assert "登录" in client.get("/login?lang=zh_CN").get_data(as_text=True)
