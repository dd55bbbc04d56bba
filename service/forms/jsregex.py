"""Run JavaScript RegExp sources (form-js: `new RegExp(pattern)`) with `re`.

The source is translated so that Python matches the way a browser does:
`$` is the very end of the input (`\\Z`), `.` stops at any JS line terminator,
`\\s` includes Unicode spaces (e.g. the ideographic space), and `\\d`, `\\w`, `\\b`
are ASCII-only (`re.ASCII`). Syntax that one engine reads differently from the
other, or that Python cannot compile, is refused with `JsPatternError`.
"""

from __future__ import annotations

import re

JS_SPACES = "\\t\\n\\x0b\\f\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
JS_DOT = "[^\\n\\r\\u2028\\u2029]"
_GROUP_STARTS = (":", "=", "!", "<=", "<!")
_CLASS_ESCAPED = frozenset("[&~|")


class JsPatternError(ValueError):
    """A pattern that JavaScript and Python would not read the same way."""


def compile_js(pattern: str) -> re.Pattern[str]:
    """Compile a JavaScript RegExp source into an equivalent Python pattern."""
    try:
        return re.compile(translate(pattern), re.ASCII)
    except re.error as err:
        raise JsPatternError(f"cannot be compiled by Python ({err})") from None


def js_test(compiled: re.Pattern[str], value: str) -> bool:
    """Do what `RegExp.prototype.test` does: search anywhere (unanchored)."""
    return compiled.search(value) is not None


def translate(pattern: str) -> str:
    """Rewrite a JavaScript RegExp source as a Python `re` source."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern):
                raise JsPatternError("ends with a lone backslash")
            out.append(_escape(pattern[i + 1], in_class))
            i += 2
        elif in_class:
            in_class = ch != "]"
            out.append("\\" + ch if ch in _CLASS_ESCAPED else ch)
            i += 1
        elif ch == "[":
            i, text = _open_class(pattern, i)
            out.append(text)
            in_class = True
        else:
            _check_group(pattern, i)
            out.append(_plain(ch))
            i += 1
    if in_class:
        raise JsPatternError("has an unterminated character class '['")
    return "".join(out)


def _escape(ch: str, in_class: bool) -> str:
    """Translate the escape sequence backslash + `ch`."""
    if ch in "AZ":
        raise JsPatternError(f"uses \\{ch}, a Python-only anchor (JavaScript reads it as {ch!r})")
    if ch == "s":
        return JS_SPACES if in_class else f"[{JS_SPACES}]"
    if ch == "S" and not in_class:
        return f"[^{JS_SPACES}]"
    return "\\" + ch


def _open_class(pattern: str, i: int) -> tuple[int, str]:
    """Start a character class at `pattern[i] == '['`; refuse JS's `[]` and `[^]`."""
    rest = pattern[i + 1 : i + 3]
    if rest.startswith("]") or rest == "^]":
        raise JsPatternError("uses the JavaScript-only empty class '[]' or '[^]'")
    if rest.startswith("^"):
        return i + 2, "[^"
    return i + 1, "["


def _check_group(pattern: str, i: int) -> None:
    """Refuse `(?...` group syntax that is not plain JavaScript."""
    if not pattern.startswith("(?", i):
        return
    after = pattern[i + 2 : i + 4]
    if after.startswith("<") and not after.startswith(_GROUP_STARTS[3:]):
        raise JsPatternError("uses a named group '(?<name>...)'; use '(...)' or '(?:...)' instead")
    if not after.startswith(_GROUP_STARTS):
        raise JsPatternError(f"uses '(?{after[:1]}', which is not JavaScript regex syntax")


def _plain(ch: str) -> str:
    """Translate one unescaped character outside a character class."""
    if ch == "$":
        return "\\Z"
    if ch == ".":
        return JS_DOT
    return ch
