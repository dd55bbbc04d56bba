"""A case as people read it: field labels from its forms, values in words, history as a Chinese timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import pgettext

from ..engine_host import elements_of, forms_of
from ..usecases.deploy import decision_labels
from .pages import local_time

# Keys shown at the top of a task page, in this order, when the case has them.
SUMMARY_KEYS = ("ticket_no", "resident_name", "phone", "unit", "category", "content")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass
class FieldInfo:
    label: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """One line of the timeline."""

    at: datetime
    actor: str
    verb: str
    subject: str
    kind: str
    details: list[tuple[str, str]]


def _default_labels() -> dict[str, str]:
    return {"ticket_no": _("编号"), "resident_name": _("业户"), "phone": _("联系电话"), "unit": _("房号"),
            "category": _("类别"), "content": _("内容"), "comment": _("办理意见"), "source": _("来源")}


def _default_options() -> dict[str, dict[str, str]]:
    return {"source": {"portal": _("业户网上提交")}}


def field_infos(version) -> dict[str, FieldInfo]:
    """Label and option labels of every case data key a process version names, by key: its form fields first,
    then the output columns of its DMN decisions (a boolean output reads 是/否 like any boolean)."""
    infos: dict[str, FieldInfo] = {}
    for form in forms_of(version).values():
        _walk(form.get("components", []), infos)
    for key, label in decision_labels(version).items():
        infos.setdefault(key, FieldInfo(label))
    for key, options in _default_options().items():
        infos.setdefault(key, FieldInfo(_default_labels()[key], options))
    return infos


def _walk(components: list, infos: dict[str, FieldInfo]) -> None:
    for component in components:
        if not isinstance(component, dict):
            continue
        key, label = component.get("key"), component.get("label")
        if isinstance(key, str) and key and key not in infos and label:
            options = {str(o.get("value")): str(o.get("label")) for o in component.get("values") or []
                       if isinstance(o, dict)}
            infos[key] = FieldInfo(str(label), options)
        _walk(component.get("components") or [], infos)


def label_of(key: str, infos: dict[str, FieldInfo]) -> str:
    info = infos.get(key)
    return info.label if info else _default_labels().get(key, key)


def show_value(value: object, info: FieldInfo | None = None) -> str:
    """A data value in words: option labels, 是/否, Beijing time, lists joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(show_value(item, info) for item in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{k}: {show_value(v)}" for k, v in value.items()) or "—"
    text = str(value)
    if info and text in info.options:
        return info.options[text]
    if _ISO_TIME.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        return local_time(moment) if moment.tzinfo else moment.strftime("%Y-%m-%d %H:%M")
    return text


def data_rows(data: dict, infos: dict[str, FieldInfo], history: list = ()) -> list[tuple[str, str]]:
    """The case data as (label, value) rows in the order the case collected them, then the rest."""
    order: dict[str, int] = {}
    for entry in history:
        collected = entry.data.get("data") if entry.action == "started" and entry.data else entry.data
        if entry.action in ("started", "task_completed") and isinstance(collected, dict):
            for key in collected:
                order.setdefault(key, len(order))
    for key in infos:
        order.setdefault(key, len(order))
    # Residents' photos are shown as thumbnails of their own, not as file metadata.
    keys = sorted((k for k in data if k != "photos"), key=lambda k: (order.get(k, len(order)), k))
    return [(label_of(k, infos), show_value(data[k], infos.get(k))) for k in keys]


def summary_rows(data: dict, infos: dict[str, FieldInfo]) -> list[tuple[str, str]]:
    return [(label_of(k, infos), show_value(data[k], infos.get(k))) for k in SUMMARY_KEYS
            if data.get(k) not in (None, "")]


def _verbs() -> dict[str, str]:
    """Timeline verbs; the context keeps them apart from the buttons with the same Chinese word."""
    return {
        "started": pgettext("timeline", "发起"), "task_completed": pgettext("timeline", "完成"),
        "claimed": pgettext("timeline", "认领"), "unclaimed": pgettext("timeline", "退回"),
        "timer_fired": pgettext("timeline", "计时器触发"), "message_received": pgettext("timeline", "收到消息"),
        "error_received": pgettext("timeline", "收到错误事件"),
        "escalation_received": pgettext("timeline", "收到升级事件"), "cancelled": pgettext("timeline", "撤销"),
        "completed": pgettext("timeline", "结束"), "incident": pgettext("timeline", "出现异常"),
        "deadline_extended": pgettext("timeline", "延长期限"),
        "deadline_recomputed": pgettext("timeline", "重新计算期限"),
        "deadline_recompute_failed": pgettext("timeline", "期限重算失败"),
        "resident_rating": pgettext("timeline", "评价"),  # the resident rates the visit on the portal
    }


def _actor_name(actor: str) -> str:
    # "portal" starts the cases residents file online and records their ratings
    return {"engine": _("系统"), "scheduler": _("系统计时器"), "portal": _("业户")}.get(actor, actor)


def timeline(history: list, version, infos: dict[str, FieldInfo]) -> list[Event]:
    """The history of a case in Chinese words, oldest first."""
    elements = elements_of(version)
    verbs = _verbs()

    def name_of(element_id: str | None) -> str:
        element = elements.get(element_id) if element_id else None
        return (element.name or element_id) if element else (element_id or "")

    events = []
    for entry in history:
        data = entry.data if isinstance(entry.data, dict) else {}
        subject, details = name_of(entry.element_id), []
        if entry.action == "started":
            subject = version.name
        elif entry.action == "task_completed":
            details = [(label_of(k, infos), show_value(v, infos.get(k))) for k, v in data.items()
                       if v not in (None, "", [], {})]
        elif entry.action == "message_received":
            subject = str(data.get("message", ""))
        elif entry.action in ("error_received", "escalation_received"):
            subject = str(data.get("name", ""))
        elif entry.action == "cancelled" and data.get("reason"):
            details = [(_("原因"), str(data["reason"]))]
        elif entry.action == "completed":
            subject = "、".join(name_of(e) for e in data.get("end_events", [])) or subject
        elif entry.action == "incident":
            details = [(_("原因"), str(data.get("message", "")))]
        elif entry.action == "resident_rating":
            details = [(label, str(data[key])) for key, label in (("rating", _("满意度")), ("comment", _("意见")))
                       if data.get(key)]
        events.append(Event(entry.at, _actor_name(entry.actor), verbs.get(entry.action, entry.action), subject,
                            entry.action, details))
    return events


def on_diagram(element_ids: list[str], version) -> list[str]:
    """The elements of the version's own diagram that stand for these: an element of a called process is shown
    by the call activity calling that process (through every level of calls), in order and without repeats."""
    elements = elements_of(version)
    callers: dict[str, list[str]] = {}
    for info in elements.values():
        if info.called_element:
            callers.setdefault(info.called_element, []).append(info.element_id)
    shown: list[str] = []
    for element_id in element_ids:
        shown += [i for i in _shown_by(element_id, elements, callers, version.process_id, ()) if i not in shown]
    return shown


def _shown_by(element_id: str, elements: dict, callers: dict[str, list[str]], top: str, seen: tuple) -> list[str]:
    info = elements.get(element_id)
    owner = info.process_id if info else None  # None: a version deployed before elements knew their process
    if owner is None or owner == top or owner in seen or owner not in callers:
        return [element_id]
    return [shown for caller in callers[owner] for shown in _shown_by(caller, elements, callers, top, (*seen, owner))]


def finished_elements(history: list) -> list[str]:
    """Element ids the case has passed: completed tasks, fired timers, reached end events."""
    done: list[str] = []
    for entry in history:
        ids: list[str] = []
        if entry.action in ("task_completed", "timer_fired") and entry.element_id:
            ids = [entry.element_id]
        elif entry.action == "completed" and isinstance(entry.data, dict):
            ids = list(entry.data.get("end_events", []))
        done += [i for i in ids if i not in done]
    return done


def due_state(due: datetime | None, now: datetime, day_end: datetime) -> str:
    """overdue, today (due before the end of today) or ok; '' without a due time."""
    if due is None:
        return ""
    if due < now:
        return "overdue"
    return "today" if due < day_end else "ok"
