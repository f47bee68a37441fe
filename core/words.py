"""Small helpers for sentences people read: counts with the right noun, lists with "and"."""

from __future__ import annotations

from collections.abc import Sequence


def plural(n: int, one: str, many: str) -> str:
    """ "1 reflection", "3 reflections": the count and the noun that goes with it."""
    return f"{n} {one if n == 1 else many}"


def and_list(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
