"""The catalogues keep up with the code, and every translation keeps its placeholders.

These run with the rest of the suite (`make test`), so a change that adds an unmarked
sentence, a new msgid without translations, or a French or Arabic entry that drops or
invents a `{placeholder}` fails CI with the file and the entry named.

After changing text in the code: `make messages` (extract, update the catalogues), then
translate the new entries in locales/fr and locales/ar (see locales/README.md).
"""

from __future__ import annotations

import io
import string
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.dates import parse_pattern
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core import i18n
from tests import i18n_lint

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["babel"]
EXTRACT = CONFIG["extract_messages"]
TRANSLATED = [code for code in i18n.available() if code != i18n.SOURCE_LANGUAGE]
# The date patterns are CLDR patterns, not sentences: their translations must parse as one.
DATE_PATTERNS = {"EEEE d MMMM", "EEEE d MMMM y", "d MMMM y"}


def _keywords() -> dict[str, tuple[int | tuple[int, str], ...] | None]:
    from babel.messages.extract import DEFAULT_KEYWORDS
    from babel.messages.frontend import parse_keywords

    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(EXTRACT["keywords"].split()))
    return keywords  # type: ignore[return-value]


def _code_msgids() -> set[tuple[str | None, str]]:
    """(context, msgid) of every marked string in the code, as `make messages` finds them."""
    found: set[tuple[str | None, str]] = set()
    keywords = _keywords()
    for path in EXTRACT["input_paths"]:
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / path, keywords=keywords, comment_tags=("Translators:",)
        ):
            msgid = message[0] if isinstance(message, tuple | list) else message
            if msgid:
                found.add((context, msgid))
    return found


def _catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(io.BytesIO(po_file.read()), locale=locale)


def _entries(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def _key(message: Message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return (message.context, msgid)


def _translated(message: Message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def _placeholders(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError:
        return {"<unbalanced braces>"}


def test_every_user_facing_string_is_marked_for_translation() -> None:
    paths = [ROOT / p for p in EXTRACT["input_paths"]]
    found = i18n_lint.findings(paths, ROOT)
    assert found == [], "\n".join(str(f) for f in found[:40]) + (
        f"\n…{len(found)} in all. Mark them (core/i18n.py says how), then `make messages`."
    )


def test_the_template_lists_exactly_what_the_code_marks() -> None:
    template = {_key(m) for m in _entries(_catalogue(ROOT / EXTRACT["output_file"]))}
    in_code = _code_msgids()
    missing, stale = in_code - template, template - in_code
    out_of_date = "locales/catalyst.pot is out of date: run `make messages`."
    assert not missing, f"{out_of_date} New in the code: {sorted(m for _, m in missing)[:10]}"
    assert not stale, f"{out_of_date} Gone from the code: {sorted(m for _, m in stale)[:10]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_catalogue_translates_every_string(code: str) -> None:
    template = {_key(m) for m in _entries(_catalogue(ROOT / EXTRACT["output_file"]))}
    catalog = _catalogue(ROOT / "locales" / code / "LC_MESSAGES" / "catalyst.po", code)
    entries = {_key(m): m for m in _entries(catalog)}
    missing = sorted(m for _, m in template - entries.keys())
    untranslated = sorted(_key(m)[1] for m in entries.values() if not _translated(m))
    fuzzy = sorted(_key(m)[1] for m in entries.values() if m.fuzzy)
    assert not missing, f"{code}: not in the catalogue (run `make messages`): {missing[:10]}"
    assert not untranslated, f"{code}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{code}: fuzzy (ignored when Catalyst runs): {fuzzy[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_their_placeholders(code: str) -> None:
    catalog = _catalogue(ROOT / "locales" / code / "LC_MESSAGES" / "catalyst.po", code)
    wrong: list[str] = []
    for message in _entries(catalog):
        if isinstance(message.id, tuple | list):
            expected = _placeholders(message.id[1]) | _placeholders(message.id[0])
            for form in message.string:
                # A plural form may leave out the count ("تذكيران": two reminders) but no
                # other placeholder, and may never invent one.
                if not (expected - {"n"} <= _placeholders(form) <= expected):
                    wrong.append(f"{message.id[0]!r} → {form!r}")
        elif message.string and _placeholders(message.string) != _placeholders(message.id):
            wrong.append(f"{message.id!r} → {message.string!r}")
    assert not wrong, f"{code}: placeholders changed in translation:\n" + "\n".join(wrong[:10])


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_entries_have_every_form_the_language_needs(code: str) -> None:
    catalog = _catalogue(ROOT / "locales" / code / "LC_MESSAGES" / "catalyst.po", code)
    short = [
        message.id[0]
        for message in _entries(catalog)
        if isinstance(message.id, tuple | list) and len(message.string) != catalog.num_plurals
    ]
    assert not short, f"{code} needs {catalog.num_plurals} plural forms: {short[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translated_date_patterns_are_cldr_patterns(code: str) -> None:
    catalog = _catalogue(ROOT / "locales" / code / "LC_MESSAGES" / "catalyst.po", code)
    for pattern in DATE_PATTERNS:
        message = catalog.get(pattern)
        if message is not None and message.string:
            parse_pattern(message.string)  # raises on a broken pattern
