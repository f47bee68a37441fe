"""Ids, numbers and page offsets that arrive from outside: button values, form state, and
'#12' typed after a command.

Every such value is parsed here and nowhere else. Anything a platform payload carries may be
forged or mangled (letters, "²", forty digits), so a value that cannot be one of our rows is
None (or the first page): never an exception, and never a number the database can't hold.
"""

from __future__ import annotations

# PostgreSQL's `integer`, the type of our ids and numbers: a larger value can't be a row of
# ours, and passing one to the database raises instead of finding nothing.
MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def _digits(raw: object) -> int | None:
    if not isinstance(raw, str):
        return None
    digits = raw.strip()
    # isdecimal() alone would let Arabic-Indic and other scripts' digits through to int().
    if not digits or len(digits) > _MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits)


def record_id(raw: object) -> int | None:
    """A row id or a community number (1 to MAX_ID), or None for anything else."""
    value = _digits(raw)
    return value if value is not None and 1 <= value <= MAX_ID else None


def number_in(word: str) -> int | None:
    """ "12" or "#12" as a number; anything else (words, "²", 40 digits) as None."""
    return record_id(word.strip().lstrip("#"))


def page_offset(raw: object) -> int:
    """Where a "More" button's page starts: 0 for anything that isn't a sensible offset."""
    value = _digits(raw)
    return value if value is not None and value <= MAX_ID else 0
