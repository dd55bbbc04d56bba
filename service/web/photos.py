"""Residents' photos for staff: /instances/<id>/photos/<name>, for whoever may open the case page.

The name must be one the case's photo folder lists (a `/` never reaches the view, `..` is not listed), the
type comes from the extension checked at upload, and the browser is told not to sniff it.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app, send_file, url_for

from ..errors import Forbidden
from ..usecases import portal as portal_uc
from .auth import page_actor
from .pages import bp


def upload_root() -> str:
    return current_app.config.get("PORTAL_UPLOAD_DIR") or os.path.join(current_app.instance_path, "uploads")


def send_photo(path: Path, mimetype: str):
    """One stored image, inline, never sniffed into another type, kept only in the user's own cache."""
    resp = send_file(path, mimetype=mimetype, download_name=path.name, conditional=True, max_age=3600)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


def case_photo_urls(actor, instance_id: int) -> list[str]:
    """Links to the case's photos (the caller has already checked the actor may open the case)."""
    return [url_for("pages.instance_photo", instance_id=instance_id, name=name)
            for name in portal_uc.case_photo_names(actor, instance_id, upload_root())]


@bp.get("/instances/<int:instance_id>/photos/<name>")
def instance_photo(instance_id: int, name: str):
    actor = page_actor()
    if actor is None:  # an image request: a redirect to the login page would be no use to it
        raise Forbidden("sign in first")
    return send_photo(*portal_uc.case_photo_file(actor, instance_id, upload_root(), name))
