"""The web pages: session login, CSRF, Chinese by default with English by switch (Flask-Babel)."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import admin, auth, modeler, pages, portal

LANGUAGES = ("zh_CN", "en")
csrf = CSRFProtect()
# (endpoint, label, roles that see it; empty = every signed-in user). Pages add theirs with add_nav().
NAV: list[tuple[str, object, tuple[str, ...]]] = []


def add_nav(endpoint: str, label, roles: tuple[str, ...] = ()) -> None:
    """Put a page in the top menu (label from lazy_gettext so it follows the language)."""
    if all(existing[0] != endpoint for existing in NAV):
        NAV.append((endpoint, label, roles))


def select_locale() -> str:
    """?lang= (remembered in the session), else the session, else zh_CN."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
    return session.get("lang", "zh_CN")


def init_web(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    Babel(app, locale_selector=select_locale)
    csrf.init_app(app)

    @app.before_request
    def _csrf_for_cookie_sessions():
        """Pages and cookie-authenticated API calls need the CSRF token; bearer-token API calls do not."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return
        if request.path.startswith("/api/") and not session.get("user_id"):
            return
        csrf.protect()

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        body = {"code": 400, "status": "Bad Request", "message": f"CSRF check failed: {exc.description}",
                "errors": []}
        return body, 400

    @app.context_processor
    def _globals():
        endpoints = set(app.view_functions)
        items = [(e, str(label), roles) for e, label, roles in NAV if e in endpoints]
        return {"languages": LANGUAGES, "current_lang": select_locale(), "actor": auth.page_actor(),
                "nav_items": items}

    app.register_blueprint(auth.bp)
    pages.init_app(app)  # staff pages: /tasks, /tasks/<id>, /instances/<id>

    modeler.init_app(app)
    admin.init_app(app)
    portal.init_app(app)  # residents: /portal, no staff account
