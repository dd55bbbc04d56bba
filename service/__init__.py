"""WuyeFlow 物业流程: BPMN process automation for property-management companies."""

from __future__ import annotations

import os

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config, database, API blueprints, error handlers, CLI."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(__name__, instance_relative_config=True, static_folder=os.path.join(root, "static"),
                instance_path=os.environ.get("WUYEFLOW_INSTANCE_PATH") or os.path.join(root, "instance"))
    os.makedirs(app.instance_path, exist_ok=True)
    from .config import defaults, normalise_database_url

    app.config.from_mapping(defaults(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])

    from .db import db

    db.init_app(app)
    from flask_migrate import Migrate

    from . import models  # noqa: F401  (register tables)

    Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))

    from .calendar_host import PUBLISHED_FUNCTIONS

    app.extensions["wuyeflow.functions"] = PUBLISHED_FUNCTIONS
    from .api import init_api

    init_api(app)
    from .web import init_web

    init_web(app)
    from .cli import init_cli

    init_cli(app)
    return app
