"""/portal: residents (no staff account) file a complaint or repair request and follow it by ticket + phone.

Abuse resistance without CAPTCHA: CSRF tokens, a honeypot field, and per-IP limits with Flask-Limiter
(filing 5/hour, tracking 30/minute). The limiter keeps its counters in process memory (memory://): each worker
process counts on its own and counts restart with the process, which is enough for a portal of one compound;
set RATELIMIT_STORAGE_URI (e.g. redis://) to share them. Behind a reverse proxy, wrap the app in
werkzeug's ProxyFix so the client address is the resident's, not the proxy's. Limits are off when TESTING
unless RATELIMIT_ENABLED is set; the flag is read on every request.

Photos: a resident sees the photos of a case only after proving ticket + phone on /portal/track; the verified
tickets are remembered in the (signed) session, and /portal/photos/<ticket>/<name> answers 404 for any other.
"""

from __future__ import annotations

import os
import re

from flask import Blueprint, Flask, current_app, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests
from werkzeug.utils import secure_filename

from ..errors import Conflict, NotFound, ServiceError
from ..usecases import portal as cases
from .photos import send_photo, upload_root

bp = Blueprint("portal", __name__, url_prefix="/portal")
limiter = Limiter(get_remote_address, storage_uri="memory://", enabled=True)

PHONE = re.compile(r"^1[3-9]\d{9}$")
TICKET = re.compile(r"^[A-Za-z0-9-]{1,40}$")
MAX_TEXT = 2000
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
HONEYPOT = "website"
VERIFIED = "portal_tickets"  # session key: tickets this browser proved with the phone number
MAX_VERIFIED = 5
KINDS = {"complaint": lazy_gettext("投诉"), "repair": lazy_gettext("报修")}
CATEGORIES = {
    "complaint": [("repair", lazy_gettext("设施设备/维修")), ("security", lazy_gettext("治安/消防/停车秩序")),
                  ("cleaning", lazy_gettext("环境卫生/绿化")), ("service", lazy_gettext("服务态度/管理/收费")),
                  ("construction", lazy_gettext("房屋质量/发展商遗留")),
                  ("external", lazy_gettext("外部环境/非管辖区域")), ("other", lazy_gettext("其他诉求"))],
    "repair": [("给排水", lazy_gettext("给排水")), ("电气照明", lazy_gettext("电气照明")),
               ("门窗五金", lazy_gettext("门窗五金")), ("燃气", lazy_gettext("燃气")), ("电梯", lazy_gettext("电梯")),
               ("土建", lazy_gettext("土建（墙地面/渗漏）")), ("其他", lazy_gettext("其他"))],
}
STATUS_WORDS = {"accepted": lazy_gettext("已受理"), "in_progress": lazy_gettext("处理中"),
                "visit": lazy_gettext("待回访"), "closed": lazy_gettext("已办结"), "withdrawn": lazy_gettext("已撤销")}
RATING_WORDS = {"满意": lazy_gettext("满意"), "基本满意": lazy_gettext("基本满意"), "不满意": lazy_gettext("不满意")}
IMAGE_TYPES = {".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG\r\n\x1a\n",),
               ".gif": (b"GIF87a", b"GIF89a"), ".webp": (b"RIFF",)}


def _limits_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED")


@bp.errorhandler(TooManyRequests)
def _too_many(exc):
    return render_template("portal_message.html", headline=_("操作太频繁"),
                           message=_("请稍后再试。如有紧急情况，请拨打物业服务中心电话。")), 429


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return render_template("portal_message.html", headline=_("出错了"),
                           message=_("暂时无法处理您的请求，请稍后再试。")), exc.status


@bp.get("")
def home():
    return render_template("portal.html")


@bp.route("/new/<kind>", methods=["GET", "POST"])
@limiter.limit("5/hour", methods=["POST"], exempt_when=_limits_off)
def new_case(kind: str):
    if kind not in KINDS:
        raise NotFound("no such kind")
    values = {name: (request.form.get(name) or "").strip() for name in
              ("resident_name", "phone", "unit", "category", "content")}
    if request.method == "GET":
        return _form(kind, values, {})
    if request.form.get(HONEYPOT):
        return render_template("portal_message.html", headline=_("提交失败"),
                               message=_("您的提交未能受理，请刷新页面后重试。")), 400
    errors = _check(kind, values)
    photos, photo_errors = _read_photos()
    if photo_errors:
        errors["photos"] = photo_errors
    if errors:
        return _form(kind, values, errors, 422)
    instance = cases.file_case(kind, values, [{"name": name, "size": len(body)} for name, body in photos])
    cases.save_photos(upload_root(), instance.ticket, photos)
    return render_template("portal_done.html", kind=kind, ticket=instance.ticket)


def _form(kind: str, values: dict, errors: dict, status: int = 200):
    return render_template("portal_form.html", kind=kind, kind_label=KINDS[kind], categories=CATEGORIES[kind],
                           values=values, errors=errors, max_text=MAX_TEXT, max_photos=MAX_PHOTOS), status


def _check(kind: str, values: dict) -> dict[str, str]:
    errors = {}
    if not values["resident_name"] or len(values["resident_name"]) > 50:
        errors["resident_name"] = _("请填写姓名（不超过 50 字）")
    if not PHONE.match(values["phone"]):
        errors["phone"] = _("请填写 11 位手机号码")
    if not values["unit"] or len(values["unit"]) > 50:
        errors["unit"] = _("请填写楼栋/单元/房号（不超过 50 字）")
    if values["category"] not in {value for value, _label in CATEGORIES[kind]}:
        errors["category"] = _("请选择类别")
    if len(values["content"]) < 5 or len(values["content"]) > MAX_TEXT:
        errors["content"] = _("请描述情况（5 至 %(max)s 字）", max=MAX_TEXT)
    return errors


def _read_photos() -> tuple[list[tuple[str, bytes]], str]:
    """Images only (extension and magic bytes), at most 5 MB each and MAX_PHOTOS in all."""
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    if len(files) > MAX_PHOTOS:
        return [], _("最多上传 %(n)s 张照片", n=MAX_PHOTOS)
    photos = []
    for upload in files:
        name = secure_filename(upload.filename) or "photo"
        ext = os.path.splitext(upload.filename)[1].lower()
        body = upload.stream.read(MAX_PHOTO_BYTES + 1)
        if len(body) > MAX_PHOTO_BYTES:
            return [], _("每张照片不能超过 5 MB")
        magic = IMAGE_TYPES.get(ext)
        if not magic or not any(body.startswith(m) for m in magic) or (ext == ".webp" and body[8:12] != b"WEBP"):
            return [], _("只能上传 JPG、PNG、GIF 或 WEBP 图片")
        if not name.lower().endswith(ext):
            name = f"photo{ext}"
        photos.append((name, body))
    return photos, ""


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"], exempt_when=_limits_off)
def track():
    ticket = (request.form.get("ticket") or request.args.get("ticket") or "").strip().upper()
    if request.method == "GET":
        return render_template("portal_track.html", ticket=ticket, view=None, not_found=False)
    return _tracked(ticket, (request.form.get("phone") or "").strip())


@bp.post("/track/rate")
@limiter.limit("30/minute", exempt_when=_limits_off)
def rate():
    ticket = (request.form.get("ticket") or "").strip().upper()
    phone = (request.form.get("phone") or "").strip()
    comment = (request.form.get("comment") or "").strip()[:500]
    notice = None
    if TICKET.match(ticket) and PHONE.match(phone):
        try:
            cases.rate_visit(ticket, phone, request.form.get("rating", ""), comment)
            notice = _("感谢您的评价！")
        except NotFound:
            pass
        except Conflict:
            notice = _("未能记录评价：回访已结束或您已评价过。")
    return _tracked(ticket, phone, notice)


def _tracked(ticket: str, phone: str, notice: str | None = None):
    view = None
    if TICKET.match(ticket) and PHONE.match(phone):
        try:
            view = cases.case_view(ticket, phone)
        except NotFound:
            view = None
    if view is None:
        return render_template("portal_track.html", ticket="", view=None, not_found=True), 404
    _remember(view.instance.ticket)
    photos = [url_for("portal.photo", ticket=view.instance.ticket, name=name)
              for name in cases.photo_names(upload_root(), view.instance.ticket)]
    return render_template("portal_track.html", ticket=ticket, phone=phone, view=view, not_found=False,
                           status_word=STATUS_WORDS[view.status], ratings=RATING_WORDS, notice=notice, photos=photos)


def _remember(ticket: str) -> None:
    """This browser proved ticket + phone: it may open the case's photos (the last few tickets only)."""
    verified = [t for t in session.get(VERIFIED, []) if t != ticket]
    session[VERIFIED] = [ticket, *verified][:MAX_VERIFIED]


@bp.get("/photos/<ticket>/<name>")
def photo(ticket: str, name: str):
    if ticket not in session.get(VERIFIED, []):
        raise NotFound("no such photo")
    return send_photo(*cases.photo_file(upload_root(), ticket, name))


def init_app(app: Flask) -> None:
    wanted = app.config.get("RATELIMIT_ENABLED", not app.config.get("TESTING"))
    app.config["RATELIMIT_ENABLED"] = True  # the limiter itself is always initialised ...
    limiter.init_app(app)
    app.config["RATELIMIT_ENABLED"] = wanted  # ... and each limit reads this flag per request (_limits_off)
    app.register_blueprint(bp)
