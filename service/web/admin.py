"""/admin/processes and /admin/users: processes, versions, deployments with their diff, users and departments."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from .auth import login_required, page_actor

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")
ROLE_NAMES = {"admin": lazy_gettext("管理员"), "analyst": lazy_gettext("流程分析师"),
              "staff": lazy_gettext("员工"), "manager": lazy_gettext("经理")}


def role_required(*roles: str):
    """Pages: sign in first, then 403 unless the user has one of these roles."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if page_actor().role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def page_error(exc):
    """A page, not JSON: the API's catch-all would otherwise answer these page requests with a JSON body."""
    headlines = {403: _("没有权限"), 404: _("找不到")}
    explanations = {403: _("您的角色不能打开此页面。"), 404: _("找不到此页面。")}
    return render_template("error.html", code=exc.code, headline=headlines.get(exc.code, exc.name),
                           explanation=explanations.get(exc.code, ""), detail=""), exc.code


for _code in (403, 404):
    bp.register_error_handler(_code, page_error)


def status_names() -> dict[str, str]:
    return {"editing": _("编辑中"), "submitted": _("已提交"), "deployed": _("已部署")}


def _process_strings() -> dict[str, str]:
    return {
        "status": status_names(), "loading": _("正在加载…"), "noSubmitted": _("没有待部署的草稿。"),
        "noProcesses": _("还没有部署任何流程。"), "diff": _("查看差异"), "deploy": _("部署"),
        "deploying": _("正在部署…"), "deployed": _("已部署：{process} 版本 {version}"),
        "unchanged": _("与当前版本相同：{process} 仍为版本 {version}"), "error": _("出错了：{message}"),
        "added": _("新增"), "removed": _("删除"), "changed": _("修改"), "noChanges": _("没有元素变化"),
        "newProcess": _("新流程（尚无已部署版本）"), "against": _("与当前版本 {version} 比较"),
        "basedOn": _("草稿基于版本 {based}，当前版本是 {live}：请确认没有覆盖他人的修改"),
        "problems": _("部署前需要修正的问题"), "formAdded": _("新表单"), "formChanged": _("表单已修改"),
        "field": {"name": _("名称"), "type": _("类型"), "lane": _("泳道"), "form": _("表单"),
                  "candidate_groups": _("候选组"), "assignee": _("办理人"), "due_date": _("到期时间"),
                  "timer": _("计时器"), "source": _("起点"), "target": _("终点"), "condition": _("条件")},
        "chooseFiles": _("请选择 .bpmn、.dmn 或 .form 文件"), "open": _("在建模器中打开"),
        "running": _("运行中"), "version": _("版本"), "latest": _("当前"), "none": _("（空）"),
        "note": _("部署说明（随版本保存）"), "wholeFile": _("整个文件"), "line": _("第 {n} 行"),
        "draftBy": _("{author} 提交"),
    }


def _user_strings() -> dict[str, str]:
    return {
        "roles": {k: str(v) for k, v in ROLE_NAMES.items()}, "loading": _("正在加载…"),
        "active": _("在用"), "inactive": _("已停用"), "save": _("保存"), "saved": _("已保存 {user}"),
        "created": _("已创建 {user}"), "deactivate": _("停用"), "activate": _("启用"),
        "error": _("出错了：{message}"), "groupsHint": _("多个部门用逗号分隔"),
        "confirmDeactivate": _("停用 {user}？该用户将无法登录。"),
    }


@bp.route("/")
@role_required("admin")
def index():
    return redirect(url_for("admin_pages.processes"))


@bp.route("/processes")
@role_required("admin")
def processes():
    return render_template("admin_processes.html", strings=_process_strings())


@bp.route("/users")
@role_required("admin")
def users():
    return render_template("admin_users.html", strings=_user_strings(), roles=ROLE_NAMES)


def init_app(app: Flask) -> None:
    from . import add_nav

    app.register_blueprint(bp)
    add_nav("admin_pages.processes", lazy_gettext("流程管理"), ("admin",))
    add_nav("admin_pages.users", lazy_gettext("用户与部门"), ("admin",))
