"""What a person typed after `/cop resources`, taken apart: words and filters.

Pure and total: every string is a search. Quotes, `*`, `-`, `NEAR`, `AND`, parentheses and
emoji are not syntax here; only letters and digits become search words, and each backend
quotes them for its own engine, so nothing a person types can reach the engine as syntax.

Filters: `#anti-racism` (a theme, by its slug), `type:reading|watching|listening|tool`
(a few synonyms like `type:video` too), `lang:fr` (a language code or name).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.defaults import LANGUAGES
from core.i18n import t
from core.resources.models import ResourceFormat

MAX_TERMS = 12  # words beyond these add little and cost the engine time
MAX_TERM_LENGTH = 40
PREFIX_MIN = 2  # the last word matches as a prefix ("leader" finds leadership) from 2 letters

# Both indexes fold text the same way (migration 0003): accents off, ligatures spelled out,
# Arabic short vowels and tatweel removed, hamza forms of alef to alef, taa marbuta to haa,
# alef maqsura to yaa.
_FOLD = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ß": "ss",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ı": "i",
        "ة": "ه",
        "ى": "ي",
        "ٱ": "ا",
        "\u0640": None,  # tatweel
    }
)
_WORD = re.compile(r"[^\W_]+")
# Boolean words typed in capitals mean "operator" to the person, not a word to find.
_OPERATORS = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")
_FILTER = re.compile(r"(?:(?<=\s)|^)(#[^\s#]*|(?:type|format|lang|language):\S*)", re.IGNORECASE)

FORMAT_WORDS: dict[str, ResourceFormat] = {
    "reading": ResourceFormat.READING,
    "read": ResourceFormat.READING,
    "readings": ResourceFormat.READING,
    "article": ResourceFormat.READING,
    "articles": ResourceFormat.READING,
    "book": ResourceFormat.READING,
    "books": ResourceFormat.READING,
    "report": ResourceFormat.READING,
    "paper": ResourceFormat.READING,
    "watching": ResourceFormat.WATCHING,
    "watch": ResourceFormat.WATCHING,
    "video": ResourceFormat.WATCHING,
    "videos": ResourceFormat.WATCHING,
    "film": ResourceFormat.WATCHING,
    "talk": ResourceFormat.WATCHING,
    "listening": ResourceFormat.LISTENING,
    "listen": ResourceFormat.LISTENING,
    "podcast": ResourceFormat.LISTENING,
    "podcasts": ResourceFormat.LISTENING,
    "audio": ResourceFormat.LISTENING,
    "tool": ResourceFormat.TOOL,
    "tools": ResourceFormat.TOOL,
    "toolkit": ResourceFormat.TOOL,
    "template": ResourceFormat.TOOL,
    "worksheet": ResourceFormat.TOOL,
}


def fold(value: str) -> str:
    """Lower case without accents or Arabic short vowels, as both indexes store text."""
    if value.isascii():
        # The same result (nothing to decompose, fold or strip), sixty times faster: the
        # spelling suggestions fold thousands of titles per search.
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.casefold().translate(_FOLD))


def words(value: str) -> list[str]:
    """The search words in some text: runs of letters and digits, folded."""
    return [w[:MAX_TERM_LENGTH] for w in _WORD.findall(fold(value))]


def words_in(texts: Iterable[str]) -> list[str]:
    """`words` of many texts, in one scan (spaces between them are never part of a word)."""
    return [w[:MAX_TERM_LENGTH] for w in _WORD.findall(" ".join(map(fold, texts)))]


def slug(value: str) -> str:
    """`Lived experience leadership` -> `lived-experience-leadership` (what `#` filters use)."""
    return "-".join(words(value))


def _language_codes() -> dict[str, str]:
    codes = {code: code for code, _label in LANGUAGES if code != "other"}
    for code, label in LANGUAGES:
        if code == "other":
            continue
        for name in label.split("/"):
            codes[slug(name)] = code
    codes.update({"francais": "fr", "arabe": "ar", "anglais": "en", "عربي": "ar", "العربيه": "ar"})
    return codes


LANGUAGE_CODES = _language_codes()


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query. `problems` are filters that meant nothing (said, then ignored)."""

    text: str  # what was typed, tidied (shown back to the person)
    terms: tuple[str, ...] = ()
    theme_slugs: tuple[str, ...] = ()
    formats: tuple[ResourceFormat, ...] = ()
    language: str | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def prefix_last(self) -> bool:
        return bool(self.terms) and len(self.terms[-1]) >= PREFIX_MIN

    @property
    def has_filters(self) -> bool:
        return bool(self.theme_slugs or self.formats or self.language)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.has_filters


def parse(raw: str) -> SearchQuery:
    """Split typed text into search words and filters. Never raises."""
    tidy = " ".join("".join(ch for ch in raw if unicodedata.category(ch) != "Cc").split())
    themes: list[str] = []
    formats: list[ResourceFormat] = []
    language: str | None = None
    problems: list[str] = []

    def take(match: re.Match[str]) -> str:
        nonlocal language
        token = match.group(1)
        if token.startswith("#"):
            wanted = slug(token[1:])
            if wanted and wanted not in themes:
                themes.append(wanted)
            return " "
        name, _, value = token.partition(":")
        if name.lower() in {"type", "format"}:
            found = FORMAT_WORDS.get(slug(value))
            if found is None:
                problems.append(
                    t(
                        "`type:` can be reading, watching, listening or tool (not {typed})",
                        typed=value[:30],
                    )
                    if value
                    else t("`type:` can be reading, watching, listening or tool")
                )
            elif found not in formats:
                formats.append(found)
            return " "
        code = LANGUAGE_CODES.get(slug(value))
        if code is None:
            problems.append(
                t(
                    "`lang:` takes a language code like `lang:fr` or `lang:ar` (not {typed})",
                    typed=value[:30],
                )
                if value
                else t("`lang:` takes a language code like `lang:fr` or `lang:ar`")
            )
        else:
            language = code
        return " "

    rest = _OPERATORS.sub(" ", _FILTER.sub(take, tidy))
    terms = list(dict.fromkeys(words(rest)))[:MAX_TERMS]
    return SearchQuery(
        text=tidy,
        terms=tuple(terms),
        theme_slugs=tuple(themes),
        formats=tuple(formats),
        language=language,
        problems=tuple(problems),
    )


def to_text(query: SearchQuery, terms: tuple[str, ...] | None = None) -> str:
    """The query written back as a person would type it (for "More" and suggestions)."""
    parts = list(terms if terms is not None else query.terms)
    parts += [f"#{t}" for t in query.theme_slugs]
    parts += [f"type:{f.value}" for f in query.formats]
    if query.language:
        parts.append(f"lang:{query.language}")
    return " ".join(parts)
