"""Text people type, made safe to store and show: one cleaner for every capability."""

from __future__ import annotations

import re
import unicodedata

from core.i18n import N_, _, number, tn

# Bidi embeddings and overrides (U+202A to U+202E) can make text display as something else
# (a name that reads as another's); isolates and the LRM/RLM marks stay, as do ZWJ/ZWNJ
# (correct Persian spelling and emoji need them).
_SPOOFING = {chr(c) for c in range(0x202A, 0x202F)}


def clean_text(value: str | None, *, multiline: bool) -> str:
    """NFC, no control or spoofing characters; one line collapses all whitespace."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
    if multiline:
        lines = [" ".join(line.split()) for line in value.split("\n")]
        value = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    else:
        value = " ".join(value.split())
    return "".join(
        ch
        for ch in value
        if (ch == "\n" or unicodedata.category(ch) not in {"Cc", "Cs", "Cn", "Co"})
        and ch not in _SPOOFING
    ).strip()


# The names of the fields callers check with `too_long`, so a translator has them (a name not
# listed here is shown as it is).
FIELD_NAMES = (
    N_("title"),
    N_("description"),
    N_("message"),
    N_("reflection prompt"),
)


def too_long(what: str, value: str, limit: int) -> str:
    """The sentence for a text longer than `limit`, in the reader's language; `what` is the
    field's English name (one of FIELD_NAMES), translated here."""
    return tn(
        # Translators: {what} is the name of a field, like "title" or "description".
        "Please keep the {what} to {n} character or fewer (it has {count}).",
        "Please keep the {what} to {n} characters or fewer (it has {count}).",
        limit,
        what=_(what),
        count=number(len(value)),
    )
