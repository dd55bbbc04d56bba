"""The staff pages: the task list, a task with its form, a case. Routes live in tasks.py and cases.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ..errors import ServiceError

bp = Blueprint("pages", __name__)
WORKER_ROLES = ("staff", "manager", "admin")


@bp.errorhandler(ServiceError)
def _page_error(exc: ServiceError):
    """A page for the people using it, not the API's JSON body."""
    headlines = {403: _("没有权限"), 404: _("找不到"), 409: _("无法完成操作"), 422: _("数据有误")}
    explanations = {403: _("这不是您所在部门的任务或案件，您不能打开它。"),
                    404: _("该任务或案件不存在，可能已被删除或编号有误。")}
    return render_template("error.html", code=exc.status, headline=headlines.get(exc.status, _("出错了")),
                           explanation=explanations.get(exc.status, ""), detail=exc.message), exc.status


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as Beijing time, or the service's WUYEFLOW_TIMEZONE."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


def iso_local(value: datetime | None) -> str | None:
    """ISO-8601 with the service's offset, as the API writes times (for the pages' scripts)."""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).isoformat() if value else None


def init_app(app: Flask) -> None:
    from . import add_nav, cases, photos, tasks  # noqa: F401 - importing them adds their routes to bp

    app.register_blueprint(bp)
    app.add_template_filter(local_time, "wf_time")
    add_nav("pages.tasks", lazy_gettext("我的待办"), WORKER_ROLES)
