"""/modeler: the bpmn-js modeler for analysts and admins: open a version, edit, validate, save, hand over."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from ..db import db
from ..models import Draft, ProcessVersion
from .admin import page_error, role_required, status_names

bp = Blueprint("modeler", __name__)
for _code in (403, 404):
    bp.register_error_handler(_code, page_error)


def _strings() -> dict:
    return {
        "status": status_names(), "loading": _("正在加载…"), "newProcessName": _("新流程"),
        "startEventName": _("开始"), "version": _("版本 {n}"), "latest": _("（当前）"),
        "chooseProcess": _("选择流程…"), "chooseDraft": _("选择草稿…"),
        "draftOption": _("#{id} {name} · {status} · {author}"), "draft": _("草稿 #{id}"),
        "basedOn": _("基于版本 {n}"), "notSaved": _("尚未保存为草稿"), "dirty": _("有未保存的修改"),
        "saved": _("草稿已保存"), "savedAs": _("已另存为新草稿 #{id}"), "validating": _("正在校验…"),
        "valid": _("校验通过：没有问题"), "problems": _("发现 {n} 个问题"),
        "submitted": _("已提交给管理员部署"), "submitFailed": _("未能提交：请先修正下面的问题"),
        "deployedReadonly": _("该草稿已部署为版本 {n}；保存会另存为新草稿"),
        "imported": _("已导入 {name}"), "importFailed": _("导入失败：{message}"),
        "importWarnings": _("导入时有 {n} 条警告"), "confirmDiscard": _("有未保存的修改，确定放弃吗？"),
        "error": _("出错了：{message}"), "noForms": _("图中的用户任务还没有引用表单（camunda:formRef）。"),
        "editForm": _("编辑表单"), "formInDraft": _("草稿中已修改"), "formNew": _("新表单"),
        "formApplied": _("表单 {id} 已放入草稿；保存草稿后生效"), "formUnchanged": _("表单没有修改"),
        "wholeFile": _("整个文件"), "line": _("第 {n} 行"), "usedBy": _("用于：{tasks}"),
    }


@bp.route("/modeler")
@bp.route("/modeler/<process_id>")
@role_required("analyst", "admin")
def index(process_id: str | None = None):
    draft_id = request.args.get("draft", type=int)
    if process_id and draft_id is None and not _known(process_id):
        abort(404)
    config = {"process_id": process_id, "version": request.args.get("version", type=int), "draft_id": draft_id}
    return render_template("modeler.html", config=config, strings=_strings())


def _known(process_id: str) -> bool:
    return any(db.session.scalar(select(model.id).where(model.process_id == process_id).limit(1)) is not None
               for model in (ProcessVersion, Draft))


def init_app(app: Flask) -> None:
    from . import add_nav

    app.register_blueprint(bp)
    add_nav("modeler.index", lazy_gettext("流程建模"), ("analyst", "admin"))
