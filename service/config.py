"""Configuration: defaults, then WUYEFLOW_* and DATABASE_URL from the environment, then test overrides."""

from __future__ import annotations

import os
import secrets


def defaults(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{os.path.join(instance_path, 'wuyeflow.sqlite')}",
        "SECRET_KEY": os.environ.get("WUYEFLOW_SECRET_KEY") or secrets.token_hex(32),
        "TIMEZONE": os.environ.get("WUYEFLOW_TIMEZONE", "Asia/Shanghai"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "API_TITLE": "WuyeFlow 物业流程",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def normalise_database_url(url: str) -> str:
    """postgres:// and postgresql:// both mean psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
