"""The `wuyeflow` command: init-db, deploy, users, scheduler, serve."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from .errors import ServiceError


def init_db() -> None:
    """Bring the database schema to the latest migration and make sure the default compound exists."""
    from flask_migrate import upgrade

    from .db import unit_of_work
    from .usecases.accounts import ensure_compound

    upgrade()
    with unit_of_work():
        ensure_compound()


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the database."""
    init_db()
    click.echo("database ready")


@click.command("deploy")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--note", default="", help="What changed, kept with the version")
@click.option("--as-user", "deployed_by", default="cli", help="Recorded as the deployer")
@with_appcontext
def deploy_command(paths: tuple[Path, ...], note: str, deployed_by: str) -> None:
    """Deploy BPMN/DMN/form files (directories are read for *.bpmn, *.dmn and *.form)."""
    from .usecases.deploy import deploy

    files: dict[str, bytes] = {}
    for path in paths:
        members = sorted(p for p in path.iterdir() if p.suffix in (".bpmn", ".dmn", ".form")) \
            if path.is_dir() else [path]
        for member in members:
            files[member.name] = member.read_bytes()
    try:
        deployed = deploy(files, note, deployed_by)
    except ServiceError as exc:
        for problem in exc.errors:
            where = ":".join(str(x) for x in (problem["file"], problem.get("line")) if x)
            click.echo(f"{where}: {problem.get('element') or '-'}: {problem['message']}", err=True)
        raise click.ClickException(exc.message) from exc
    for item in deployed:
        state = "deployed" if item.created else "unchanged"
        click.echo(f"{item.process_id} version {item.version} ({state})")


@click.group("users")
def users_group() -> None:
    """Manage user accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["admin", "analyst", "staff", "manager"]), required=True)
@click.option("--group", "groups", multiple=True, help="Department (lane name), repeatable")
@click.option("--compound", "compounds", multiple=True, help="Compound code, repeatable")
@with_appcontext
def create_user_command(username, password, role, groups, compounds) -> None:
    """Create a user or update an existing one."""
    from .usecases.accounts import create_user

    try:
        create_user(username, password, role, list(groups), list(compounds) or None)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"user {username} ({role}) ready")


DEMO_USERS = (
    ("admin", "admin", ()), ("analyst", "analyst", ()), ("manager", "manager", ("物业经理",)),
    ("kefu", "staff", ("客服部",)), ("gongcheng", "staff", ("工程部",)), ("baoan", "staff", ("保安部",)),
    ("qingjie", "staff", ("清洁绿化部",)), ("caiwu", "staff", ("财务部",)),
)


@click.command("demo-users")
@with_appcontext
def demo_users_command() -> None:
    """Create the demo users that do not exist yet and print their passwords (shown only this once)."""
    import secrets

    from sqlalchemy import select

    from .db import db
    from .models import User
    from .usecases.accounts import create_user

    for username, role, groups in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        password = secrets.token_urlsafe(9)
        create_user(username, password, role, list(groups))
        click.echo(f"  {username:<10} {role:<8} {','.join(groups) or '-':<8} password: {password}")


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Fire what is due now and exit")
@click.option("--poll", default=0.2, show_default=True, help="Longest sleep between checks, seconds")
@click.option("--processes", default=1, show_default=True,
              help="Scheduler processes on this host (PostgreSQL only: they claim disjoint timers)")
@with_appcontext
def scheduler_command(once: bool, poll: float, processes: int) -> None:
    """Fire due timers until stopped."""
    from .db import is_postgresql
    from .scheduler import run

    if processes > 1 and (once or not is_postgresql()):
        raise click.UsageError("--processes > 1 needs PostgreSQL (SQLite has one writer) and no --once")
    helpers = [subprocess.Popen([sys.executable, "-m", "service.cli", "scheduler", "--poll", str(poll)])  # noqa: S603
               for _ in range(processes - 1)]
    try:
        fired = run(once=once, poll=poll)
    finally:
        for helper in helpers:
            helper.terminate()
        for helper in helpers:
            helper.wait(timeout=30)
    if once:
        click.echo(f"fired timers of {fired} instance(s)")


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve_command(bind: str, workers: int) -> None:
    """Run the web service with gunicorn (the scheduler runs as its own process)."""
    args = [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(workers),
            "--access-logfile", "-", "service.wsgi:app"]
    os.execvp(args[0], args)  # noqa: S606 - fixed argument list, no shell


@click.command("bench")
@click.option("--quick", is_flag=True, help="About a minute: smaller numbers, no 100k task list")
@click.option("--database", type=click.Choice(["sqlite", "postgresql"]), default="sqlite", show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the results as JSON")
def bench_command(quick: bool, database: str, json_path: str | None) -> None:
    """Measure the service against the engine alone (L0) and with state persistence (L1), same run."""
    from .bench.run import run_bench, table

    result = run_bench(quick, database, json_path, echo=lambda m: click.echo(m, err=True))
    click.echo(table(result))


# --- calendar: official schedules and the days of a year ----------------------------------------
@click.group("calendar")
def calendar_group() -> None:
    """The working-day calendar: import a year's official schedule, show a year."""


@calendar_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-user", "imported_by", default="cli", help="Recorded as the importer")
@with_appcontext
def calendar_import_command(file: Path, imported_by: str) -> None:
    """Import a year's schedule (JSON, see service/calendar/schedule.py); recompute provisional deadlines."""
    from .calendar import ScheduleError, load_schedule
    from .usecases.calendar import import_schedule

    try:
        schedule = load_schedule(file)
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from exc
    change = import_schedule(schedule, imported_by)
    click.echo(f"{change.year}: {change.days} day(s) imported from {schedule.source}; "
               f"{change.recomputed} pending deadline(s) recomputed")


@calendar_group.command("show")
@click.argument("year", type=int)
@click.option("--compound", default=None, help="Include this compound's own days")
@with_appcontext
def calendar_show_command(year: int, compound: str | None) -> None:
    """Holidays, make-up working days and overrides of a year, and whether it is provisional."""
    from .usecases.calendar import year_view

    try:
        view = year_view(year, compound)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    schedule = view["schedule"]
    if schedule is not None:
        click.echo(f"{year}: official schedule \"{schedule.source}\" imported {schedule.imported_at:%Y-%m-%d} "
                   f"by {schedule.imported_by}")
    state = "provisional: make-up working days (调休) not known yet" if view["provisional"] else "firm"
    click.echo(f"{year}: {state}")
    click.echo(f"{'date':<11}{'day':<4}{'status':<8}reason [source]")
    for day in view["days"]:
        kind = "working" if day.working else "rest"
        source = "schedule" if day.source == "override" and not day.reason.startswith("override:") else day.source
        click.echo(f"{day.date.isoformat():<11}{day.date:%a} {kind:<8}{day.reason} [{source}]")
    for row in view["overrides"]:
        kind = "working" if row.working else "rest"
        click.echo(f"override {row.day.isoformat()} {row.compound or 'company-wide'}: {kind} {row.name} "
                   f"(by {row.created_by})")
# --- end calendar ---------------------------------------------------------------------------------


def init_cli(app: Flask) -> None:
    for command in (init_db_command, deploy_command, users_group, demo_users_command, scheduler_command,
                    serve_command, bench_command):
        app.cli.add_command(command)
    app.cli.add_command(calendar_group)


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """WuyeFlow 物业流程 command line."""


if __name__ == "__main__":
    main()
