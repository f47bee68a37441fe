"""Reminder offsets like "7d,1d,1h,10m": parsing and showing them. Pure, no database."""

from __future__ import annotations

import re
from datetime import timedelta

from core.i18n import _, t, tn

_PART = re.compile(r"^(\d{1,4})\s*([dhm])$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
MAX_OFFSET = timedelta(days=60)
MAX_OFFSETS = 6


class OffsetError(ValueError):
    """The sentence says what was wrong and what the text should look like."""


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """`"7d, 1d, 1h"` → offsets, largest first, without duplicates."""
    parts = [p.strip().lower() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise OffsetError(_("Give at least one reminder time, like 7d,1d,1h."))
    offsets: set[timedelta] = set()
    for part in parts:
        match = _PART.match(part)
        if match is None:
            raise OffsetError(
                t(
                    "'{part}' isn't a reminder time: use a number and d, h or m, like "
                    "7d,1d,1h or 10m.",
                    part=part[:20],
                )
            )
        offset = int(match.group(1)) * _UNITS[match.group(2)]
        if offset <= timedelta(0) or offset > MAX_OFFSET:
            raise OffsetError(_("Reminder times must be between 1 minute and 60 days before."))
        offsets.add(offset)
    if len(offsets) > MAX_OFFSETS:
        raise OffsetError(
            tn(
                "Please choose at most {n} reminder time.",
                "Please choose at most {n} reminder times.",
                MAX_OFFSETS,
            )
        )
    return tuple(sorted(offsets, reverse=True))


def minutes(offset: timedelta) -> int:
    return int(offset.total_seconds() // 60)


def describe(offset: timedelta) -> str:
    """`timedelta(days=7)` → "7d" (the form people type)."""
    total = minutes(offset)
    if total % 1440 == 0:
        return f"{total // 1440}d"
    if total % 60 == 0:
        return f"{total // 60}h"
    return f"{total}m"


def describe_all(offsets: tuple[timedelta, ...]) -> str:
    return ",".join(describe(o) for o in offsets)


def in_words(offset: timedelta) -> str:
    """For people, in their language: "7 days", "1 hour" ("in 7 days"-style phrases are the
    caller's; this is plain)."""
    total = minutes(offset)
    if total % 1440 == 0:
        return tn("{n} day", "{n} days", total // 1440)
    if total % 60 == 0:
        return tn("{n} hour", "{n} hours", total // 60)
    return tn("{n} minute", "{n} minutes", total)
