"""Small helpers for sentences people read: lists joined the reader's way.

Counts with their noun are `core.i18n.tn` ("{n} reflection" / "{n} reflections"), so every
language gets the plural forms it needs, not English's two.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.i18n import and_list as _and_list


def and_list(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c" (in French "a, b et c")."""
    return _and_list(items)


def plural(n: int, one: str, many: str) -> str:
    """English count and noun, for the command line's operator output (`catalyst jobs`);
    anything a member reads uses `core.i18n.tn`."""
    return f"{n} {one if n == 1 else many}"
