"""Who presents at each meeting of a set: a pure module.

The rule: everyone presents once before anyone presents twice. The next presenter is always
someone among those still in the set who has presented least so far (counting the meetings
already held); among them, the earliest in the set's turn order. People who left are simply
no longer in the order: their past turns still count as held meetings, and nobody is ever
assigned a meeting for them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def plan(turn_order: Sequence[int], past: Sequence[int | None], count: int) -> list[int]:
    """The presenters of the next `count` meetings, given the members in turn order and who
    presented at the meetings already held (None: nobody, or someone since erased)."""
    if not turn_order:
        return []
    place = {member: i for i, member in enumerate(turn_order)}
    presented = Counter(p for p in past if p is not None and p in place)
    # After the last presenter still here, the order carries on from there, so a leaver
    # or a swap never sends the turn back to the start.
    last = next((p for p in reversed(past) if p is not None and p in place), None)
    start = (place[last] + 1) if last is not None else 0
    chosen: list[int] = []
    for _ in range(count):
        fewest = min(presented[m] for m in turn_order)
        candidates = [m for m in turn_order if presented[m] == fewest]
        pick = min(candidates, key=lambda m: (place[m] - start) % len(turn_order))
        chosen.append(pick)
        presented[pick] += 1
        start = place[pick] + 1
    return chosen


def swap(turn_order: Sequence[int], first: int, second: int) -> list[int]:
    """The order with two members' places exchanged (both must be in it)."""
    order = list(turn_order)
    i, j = order.index(first), order.index(second)
    order[i], order[j] = order[j], order[i]
    return order


def without(turn_order: Sequence[int], leaver: int) -> list[int]:
    """The order once someone has left (unchanged if they were not in it)."""
    return [m for m in turn_order if m != leaver]
