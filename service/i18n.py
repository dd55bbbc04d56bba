"""Form validation messages in the page user's language (Flask-Babel; Chinese msgids, English catalogue).

service/forms says every message in English with its key and values (forms.messages.Message). Requests from
the pages (session cookie) get them in the user's language: Chinese by default, English by the switch. API
clients with a bearer token keep the English text, like the rest of the API's messages.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_babel import gettext as _

from .forms.messages import Message

# key -> the message in the user's language, from the Message's values
_SAY: dict[str, Callable[..., str]] = {
    "required": lambda: _("此项为必填项。"),
    "not_string": lambda: _("应为文本。"),
    "min_length": lambda n: _("至少需要 %(n)s 个字符。", n=n),
    "max_length": lambda n: _("不能超过 %(n)s 个字符。", n=n),
    "pattern": lambda pattern: _("格式不正确（应符合 %(pattern)s）。", pattern=pattern),
    "email": lambda: _("请填写有效的电子邮箱地址。"),
    "phone": lambda: _("请填写有效的国际电话号码（如 +8613800138000）。"),
    "not_boolean": lambda: _("应为“是”或“否”。"),
    "not_choice": lambda: _("不是可选的选项。"),
    "bad_choice": lambda value: _("不是可选的选项：%(value)s。", value=value),
    "not_list": lambda: _("应为列表。"),
    "not_number": lambda: _("请填写数字。"),
    "min_value": lambda n: _("不能小于 %(n)s。", n=n),
    "max_value": lambda n: _("不能大于 %(n)s。", n=n),
    "whole_number": lambda: _("应为整数。"),
    "decimal_places": lambda n: _("最多 %(n)s 位小数。", n=n),
    "out_of_range": lambda: _("数值超出范围。"),
    "increment": lambda step, below, above: _("应为 %(step)s 的整数倍，最接近的有效值是 %(below)s 和 %(above)s。",
                                              step=step, below=below, above=above),
    "date": lambda: _("日期格式不正确（应为 YYYY-MM-DD）。"),
    "time": lambda: _("时间格式不正确（应为 HH:MM，可带 Z 或 +HH:MM）。"),
    "datetime": lambda: _("日期时间格式不正确（应为 YYYY-MM-DDTHH:MM）。"),
    "file": lambda: _("文件引用无效。"),
    "unknown_field": lambda: _("表单中没有此字段。"),
    "not_object": lambda: _("应为对象。"),
    "data_not_object": lambda: _("提交的数据必须是 JSON 对象。"),
}


def say(text: str) -> str:
    """A validation message in the current language (any other text unchanged)."""
    if isinstance(text, Message) and text.key in _SAY:
        return _SAY[text.key](**text.params)
    return text


def localized_errors(errors: object) -> object:
    """Field errors ({key: [messages]}) for the current request: translated for the pages, as-is for bearer clients."""
    if request.headers.get("Authorization", "").startswith("Bearer ") or not isinstance(errors, dict):
        return errors
    return {key: [say(m) for m in messages] if isinstance(messages, list) else say(messages)
            for key, messages in errors.items()}
