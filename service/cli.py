"""The `wuyeflow` command: init-db, deploy, users, scheduler, serve."""

from __future__ import annotations

import os
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
@with_appcontext
def scheduler_command(once: bool, poll: float) -> None:
    """Fire due timers until stopped."""
    from .scheduler import run

    fired = run(once=once, poll=poll)
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


def init_cli(app: Flask) -> None:
    for command in (init_db_command, deploy_command, users_group, demo_users_command, scheduler_command,
                    serve_command):
        app.cli.add_command(command)


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """WuyeFlow 物业流程 command line."""


if __name__ == "__main__":
    main()
