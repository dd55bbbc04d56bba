"""The group task list is served by an index on SQLite and PostgreSQL alike: no sequential scan, no sort,
and the keyset cursor seeks instead of filtering (checked with EXPLAIN on the statements the API runs)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import event, select, text

from service.db import db
from tests.conftest import DATA

OPEN_CASES = 1500  # enough that PostgreSQL's planner prefers an index over reading the whole table
GROUP = quote("客服部")


@pytest.fixture
def seeded(api, app):
    assert api.deploy(DATA / "core_flow.bpmn", DATA / "register_form.form").status_code == 201
    from service.models import User
    from service.usecases.access import Actor
    from service.usecases.instances import start_many

    with app.app_context():
        admin = Actor.of(db.session.scalar(select(User).where(User.username == "admin")))
        for _ in range(OPEN_CASES // 500):
            start_many(admin, "core_flow", [{}] * 500)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return api


def _task_selects(app, call) -> list[tuple[str, object]]:
    """The task-list SELECTs run while `call()` makes its API request."""
    seen: list[tuple[str, object]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT task.id") and "FROM task" in statement:
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert seen, "the request ran no task-list query"
    return seen


def _problems(app, statement: str, parameters) -> list[str]:
    with app.app_context():
        conn = db.session.connection()
        if conn.dialect.name == "sqlite":
            details = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            found = [d for d in details if d.startswith("SCAN") or "TEMP B-TREE" in d]
        else:
            plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
            found = [f"{node['Node Type']} on {node.get('Relation Name', '-')}" for node in _nodes(plan[0]["Plan"])
                     if node["Node Type"] in ("Seq Scan", "Sort", "Incremental Sort")]
        db.session.rollback()
    return found


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def test_group_list_first_and_deep_page_use_the_index(seeded, app):
    pages: list[dict] = []

    def first():
        pages.append(seeded.get(f"/api/v1/tasks?group={GROUP}&limit=50", as_="desk").get_json())

    for statement, parameters in _task_selects(app, first):
        assert _problems(app, statement, parameters) == [], statement
    cursor = pages[-1]["next_cursor"]
    for _ in range(14):  # walk half-way down the list
        cursor = seeded.get(f"/api/v1/tasks?group={GROUP}&limit=50&cursor={cursor}", as_="desk").get_json()[
            "next_cursor"]

    def deep():
        pages.append(seeded.get(f"/api/v1/tasks?group={GROUP}&limit=50&cursor={cursor}", as_="desk").get_json())

    statements = _task_selects(app, deep)
    for statement, parameters in statements:
        assert _problems(app, statement, parameters) == [], statement
    assert any("task_candidate" in s for s, _ in statements)


def test_my_groups_tab_uses_the_index(seeded, app):
    def tab():
        resp = seeded.get("/api/v1/tasks?scope=groups&limit=50", as_="desk")
        assert resp.status_code == 200 and len(resp.get_json()["items"]) == 50

    for statement, parameters in _task_selects(app, tab):
        assert _problems(app, statement, parameters) == [], statement


def test_keyset_pages_cover_every_task_once_in_order(seeded):
    """Bulk-started cases share one creation time: the cursor must still neither skip nor repeat."""
    seen, cursor = [], None
    while True:
        path = f"/api/v1/tasks?group={GROUP}&limit=200" + (f"&cursor={cursor}" if cursor else "")
        body = seeded.get(path, as_="desk").get_json()
        seen += [(t["created_at"], t["id"]) for t in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == OPEN_CASES == len(set(seen))
    assert seen == sorted(seen)
    newest_first = seeded.get(f"/api/v1/tasks?group={GROUP}&limit=200&sort=-created", as_="desk").get_json()
    following = seeded.get(f"/api/v1/tasks?group={GROUP}&limit=200&sort=-created&cursor="
                           f"{newest_first['next_cursor']}", as_="desk").get_json()
    ids = [t["id"] for t in newest_first["items"] + following["items"]]
    assert ids == [i for _, i in sorted(seen, reverse=True)[:400]]
