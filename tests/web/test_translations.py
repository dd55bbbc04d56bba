"""The English catalogue is complete: every Chinese string of the code and templates has its translation."""

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT

CATALOGUE = ROOT / "service" / "translations" / "en" / "LC_MESSAGES"


def source_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every string scripts/i18n.sh extracts (same method map and keywords)."""
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), [("service/**.py", "python"), ("service/templates/**.html", "jinja2")], keywords=keywords):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_every_string_is_translated_and_compiled():
    with (CATALOGUE / "messages.po").open("rb") as po_file:
        catalogue = read_po(po_file)
    translated = {(m.context, m.id): m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    in_source = source_messages()
    assert len(in_source) > 300  # the extraction found the strings
    missing = sorted(msgid for context, msgid in in_source if (context, msgid) not in translated)
    assert not missing, f"run scripts/i18n.sh and translate in messages.po: {missing}"
    with (CATALOGUE / "messages.mo").open("rb") as mo_file:
        compiled = {(m.context, m.id): m.string for m in read_mo(mo_file) if m.id}
    stale = sorted(key[1] for key, text in translated.items() if compiled.get(key) != text)
    assert not stale, f"messages.mo is older than messages.po (run scripts/i18n.sh): {stale}"
