"""The JSON API under /api/v1, documented at /api/v1/openapi.json."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask_smorest import Api
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from ..db import db
from ..errors import Invalid, ServiceError
from ..i18n import localized_errors
from . import auth, calendar, deployments, drafts, instances, tasks, users

log = logging.getLogger(__name__)


def init_api(app: Flask) -> Api:
    api = Api(app)
    for module in (auth, deployments, instances, tasks, drafts, users):
        api.register_blueprint(module.blp)
    api.register_blueprint(calendar.blp)  # working-day calendar, deadlines, SLA records

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        body = exc.as_dict()
        if isinstance(exc, Invalid):  # form errors in the page user's language
            body["errors"] = localized_errors(body["errors"])
        return jsonify(body), exc.status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return api.handle_http_exception(exc)
        log.exception("unexpected error")
        db.session.rollback()
        body = {"code": 500, "status": "Internal Server Error",
                "message": "unexpected error; it has been logged", "errors": []}
        return jsonify(body), 500

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1"))
        return {"status": "ok"}

    return api
