"""Errors every use case may raise; the API turns each into {code, status, message, errors}."""

from __future__ import annotations

from http import HTTPStatus


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: list | dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors if errors is not None else []

    def as_dict(self) -> dict:
        """flask-smorest's error shape: numeric code, status phrase, message, errors."""
        return {"code": self.status, "status": HTTPStatus(self.status).phrase, "message": self.message,
                "errors": self.errors}


class Unauthorized(ServiceError):
    status, code = 401, "unauthorized"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class Invalid(ServiceError):
    status, code = 422, "invalid"
