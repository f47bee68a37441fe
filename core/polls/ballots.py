"""Pure pieces of a poll: the signed copy of an anonymous voter's choice, and bars drawn
with text.

An anonymous poll keeps no row linking a person to their choice, so to let them change it
their current choice travels in their own copy of the message, in the buttons' value:
`<poll>|<option ids, or ->|<copy>|<signature>`. The signature is an HMAC over the poll, the
member, the choice and the copy number with the poll's own random key, so a value can't be
made up, moved to another person, or edited; the copy number must match the voter's
current one, so an older copy (a replayed click) is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

NONE = "-"
SIGNATURE_LENGTH = 32
BAR_WIDTH = 10
FULL, EMPTY = "▓", "░"


@dataclass(frozen=True)
class Ballot:
    poll_id: int
    choice: frozenset[int]  # option ids
    copy: int


def _choice_text(choice: Iterable[int]) -> str:
    ids = sorted(set(choice))
    return ".".join(str(i) for i in ids) if ids else NONE


def _signature(secret: str, poll_id: int, member_id: int, choice: str, copy: int) -> str:
    message = f"{poll_id}:{member_id}:{choice}:{copy}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:SIGNATURE_LENGTH]


def sign(secret: str, poll_id: int, member_id: int, choice: Iterable[int], copy: int) -> str:
    """The button value of one member's copy."""
    text = _choice_text(choice)
    return f"{poll_id}|{text}|{copy}|{_signature(secret, poll_id, member_id, text, copy)}"


def poll_of(value: str) -> int | None:
    """The poll a button value is for (signed or plain), or None."""
    head = value.split("|", 1)[0].strip()
    if not head.isascii() or not head.isdigit() or len(head) > 9:
        return None
    return int(head)


def is_signed(value: str) -> bool:
    return value.count("|") == 3


def read(secret: str, value: str, member_id: int) -> Ballot | None:
    """The ballot in a signed value, or None if it is malformed or not this member's."""
    parts = value.split("|")
    if len(parts) != 4:
        return None
    poll, choice, copy, signature = parts
    if not (poll.isascii() and poll.isdigit() and copy.isascii() and copy.isdigit()):
        return None
    if len(poll) > 9 or len(copy) > 9:
        return None
    expected = _signature(secret, int(poll), member_id, choice, int(copy))
    if not hmac.compare_digest(expected, signature):
        return None
    if choice == NONE:
        ids: frozenset[int] = frozenset()
    else:
        pieces = choice.split(".")
        if not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in pieces):
            return None
        ids = frozenset(int(p) for p in pieces)
    return Ballot(int(poll), ids, int(copy))


def bar(count: int, total: int, width: int = BAR_WIDTH) -> str:
    """`▓▓▓▓░░░░░░`: the share of `total` that `count` is, in `width` characters."""
    filled = round(width * count / total) if total > 0 else 0
    filled = max(0, min(width, filled))
    if count > 0 and filled == 0:
        filled = 1  # one vote still shows
    return FULL * filled + EMPTY * (width - filled)


def percent(count: int, total: int) -> int:
    return round(100 * count / total) if total > 0 else 0
