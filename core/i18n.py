"""Every word Catalyst says, in the reader's language: gettext catalogues read with Babel.

The catalogues are `locales/<code>/LC_MESSAGES/catalyst.po`; English is the source language
(the msgids in the code). A language is available when its catalogue exists, so adding a
fourth one is one file and no code. The `.po` files are compiled in memory on first use
(Babel's own reader and writer), so there is no build step to forget.

The language is the reader's, set once where Catalyst knows who it is talking to (the
dispatcher for a reply, a job for each member it writes to, the community's default for a
channel post) with `speaking(code)`; everything built inside that block is in that
language. Text is translated as it is built, from the functions below, which are also the
keywords `pybabel extract` looks for (see `[tool.babel]` in pyproject.toml):

- `_("Save")`: a plain string.
- `t("Hello {name}", name=...)`: translated, then filled in. In a right-to-left language
  each value is wrapped in Unicode isolation marks, so an English name, a link or a time
  inside Arabic keeps its own direction and the punctuation around it lands where it
  should.
- `tn("{n} reminder", "{n} reminders", n)`: the plural form the language needs for `n`
  (English two, French two, Arabic six), with `{n}` written the language's way.
- `pgettext("command word", "help")`: the same English word translated differently by
  context; command words use it so the did-you-mean knows `aide` means `help`.
- `N_("Weekly")`: marks a constant for extraction where it is defined; translate it with
  `_()` where it is shown.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

DOMAIN = "catalyst"
SOURCE_LANGUAGE = "en"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

# Where English needs a region to read as it does in the UK ("Tuesday 3 March", 24-hour
# times); other languages use their own CLDR data as they are.
_CLDR_LOCALE = {"en": "en_GB"}

# Unicode's bidirectional isolates (UAX #9): first-strong, right-to-left, pop.
FSI, RLI, PDI = "\u2068", "\u2067", "\u2069"

_current: ContextVar[str] = ContextVar("catalyst_language", default=SOURCE_LANGUAGE)


# ---- which languages exist -------------------------------------------------------------


@cache
def available() -> tuple[str, ...]:
    """The language codes Catalyst speaks: English and every catalogue under locales/."""
    found = {po.parent.parent.name for po in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return (SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE}))


def normalise(code: str | None) -> str | None:
    """An available language for a code people or platforms use (`fr`, `FR`, `fr-FR`,
    `fr_CA`), or None if Catalyst doesn't speak it."""
    if not code:
        return None
    cleaned = code.strip().replace("-", "_").lower()
    if cleaned in available():
        return cleaned
    base = cleaned.split("_", 1)[0]
    return base if base in available() else None


def name_of(code: str) -> str:
    """A language's own name for itself: "English", "Français", "العربية"."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def is_rtl(code: str) -> bool:
    try:
        return bool(Locale.parse(code).text_direction == "rtl")
    except (ValueError, UnknownLocaleError):
        return False


# ---- the reader's language -------------------------------------------------------------


def current() -> str:
    return _current.get()


@contextmanager
def speaking(code: str | None) -> Iterator[str]:
    """Build everything inside in `code` (or English if Catalyst doesn't speak it)."""
    language = normalise(code) or SOURCE_LANGUAGE
    token = _current.set(language)
    try:
        yield language
    finally:
        _current.reset(token)


@contextmanager
def scope() -> Iterator[None]:
    """Whatever language `use` sets inside stops applying at the end of the block (a
    request's, on a thread the next request will reuse)."""
    token = _current.set(_current.get())
    try:
        yield
    finally:
        _current.reset(token)


def use(code: str | None) -> str:
    """Speak `code` from here to the end of the enclosing `scope`."""
    language = normalise(code) or SOURCE_LANGUAGE
    _current.set(language)
    return language


def member_language(member_choice: str | None, community_default: str | None) -> str:
    """The language to write to a person in: theirs if set and available, else the
    community's, else English."""
    return normalise(member_choice) or normalise(community_default) or SOURCE_LANGUAGE


@cache
def _translations(code: str) -> NullTranslations:
    po_path = LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code == SOURCE_LANGUAGE or not po_path.is_file():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are a translator's "not sure yet": English is better than a guess.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def reload() -> None:
    """Forget loaded catalogues (tests that write one; a translator trying a change)."""
    _translations.cache_clear()
    available.cache_clear()


# ---- translating -------------------------------------------------------------------------


def _(message: str) -> str:
    return _translations(current()).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker's name
    """Mark a constant for extraction; translate it with `_()` where it is shown."""
    return message


def NP_(context: str, message: str) -> str:  # noqa: N802 - gettext's marker convention
    """`N_` with a context: marks a command word (`NP_("command word", "help")`)."""
    del context
    return message


def pgettext(context: str, message: str) -> str:
    return _translations(current()).pgettext(context, message)


def t(message: str, **values: object) -> str:
    """Translate `message`, then fill in its `{placeholders}` from `values`."""
    return fill(_(message), values)


def tn(singular: str, plural: str, n: int, **values: object) -> str:
    """The plural form for `n`, filled in; `{n}` is available as the number, written the
    language's way."""
    chosen = _translations(current()).ngettext(singular, plural, n)
    return fill(chosen, {"n": number(n), **values})


def fill(template: str, values: Mapping[str, object]) -> str:
    """`template.format(**values)`, with each value isolated in right-to-left languages."""
    if not values:
        return template
    return template.format_map({key: isolate(str(value)) for key, value in values.items()})


def isolate(value: str) -> str:
    """A value (a name, a link, a time) set apart from the sentence around it in a
    right-to-left language, so it keeps its own direction; unchanged otherwise."""
    if not value or not is_rtl(current()):
        return value
    return f"{FSI}{value}{PDI}"


def directed(template: str) -> str:
    """Each line of a translated template marked right-to-left in a right-to-left
    language. Slack shows every message left-to-right; inside the isolate an Arabic line
    reads right-to-left, with its full stop at its end (the left)."""
    if not is_rtl(current()):
        return template
    return "\n".join(f"{RLI}{line}{PDI}" if line.strip() else line for line in template.split("\n"))


_ISOLATES = re.compile(f"[{FSI}{RLI}{PDI}]")


def without_marks(value: str) -> str:
    """The text with isolation marks removed (for matching what a person typed)."""
    return _ISOLATES.sub("", value)


# ---- numbers, lists and dates, by CLDR -----------------------------------------------------


def _cldr() -> str:
    code = current()
    return _CLDR_LOCALE.get(code, code)


def number(n: int | float) -> str:
    """12,345 in English; 12 345 in French."""
    return str(format_decimal(n, locale=_cldr()))


def and_list(items: Sequence[str]) -> str:
    """ "a, b and c" in the reader's language ("a, b et c", "a وb وc")."""
    if not items:
        return ""
    return str(format_list(list(items), locale=_cldr()))


def weekday_day_month(at: datetime) -> str:
    """ "Tuesday 3 March", "mardi 3 mars", "الثلاثاء، 3 مارس"."""
    # Translators: a CLDR date pattern (EEEE weekday, d day, MMMM month name).
    return str(format_date(at, _("EEEE d MMMM"), locale=_cldr()))


def weekday_day_month_year(at: datetime) -> str:
    # Translators: a CLDR date pattern (EEEE weekday, d day, MMMM month name, y year).
    return str(format_date(at, _("EEEE d MMMM y"), locale=_cldr()))


def day_month_year(at: datetime) -> str:
    """ "3 March 2026": a date without its weekday (records, lists)."""
    # Translators: a CLDR date pattern (d day, MMMM month name, y year).
    return str(format_date(at, _("d MMMM y"), locale=_cldr()))


def clock_time(at: datetime) -> str:
    """ "10:00" (24-hour in English and French; Arabic adds its own ص/م)."""
    return str(format_time(at, "short", locale=_cldr()))


def weekday(at: datetime) -> str:
    return str(format_date(at, "EEEE", locale=_cldr()))


def month_year(at: date) -> str:
    """ "Mar 2026", "mars 2026": a month on a chart's axis or in a table."""
    # Translators: a CLDR date pattern (MMM short month name, y year).
    return str(format_date(at, _("MMM y"), locale=_cldr()))


def percent(share: float) -> str:
    """ "42%" in English, "42 %" in French: a share between 0 and 1, rounded."""
    return str(format_percent(share, locale=_cldr()))
