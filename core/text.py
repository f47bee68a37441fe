"""Text people type, made safe to store and show: one cleaner for every capability."""

from __future__ import annotations

import re
import unicodedata

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


def too_long(what: str, value: str, limit: int) -> str:
    return f"Please keep the {what} to {limit:,} characters or fewer (it has {len(value):,})."
