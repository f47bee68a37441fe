"""The presenter rotation: everyone presents once before anyone presents twice, whatever
the number of meetings, swaps and leavers."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from core.sets import rotation


def test_six_meetings_for_five_members_go_round_once_then_start_again() -> None:
    assert rotation.plan([11, 12, 13, 14, 15], [], 6) == [11, 12, 13, 14, 15, 11]


def test_a_leaver_is_skipped_and_the_order_carries_on() -> None:
    # 12 presented, then 13 left: 14 is next, not 11.
    past = [11, 12]
    assert rotation.plan(rotation.without([11, 12, 13, 14], 13), past, 3) == [14, 11, 12]


def test_a_swap_exchanges_two_places() -> None:
    order = rotation.swap([1, 2, 3, 4], 2, 4)
    assert order == [1, 4, 3, 2]
    assert rotation.plan(order, [1], 3) == [4, 3, 2]


def test_nobody_left_means_no_presenters() -> None:
    assert rotation.plan([], [1, 2], 3) == []


@given(
    size=st.integers(min_value=1, max_value=8),
    meetings=st.integers(min_value=1, max_value=20),
    leavers=st.lists(st.tuples(st.integers(0, 19), st.integers(0, 7)), max_size=4),
)
def test_everyone_presents_once_before_anyone_presents_twice(
    size: int, meetings: int, leavers: list[tuple[int, int]]
) -> None:
    order = list(range(size))
    leaving_at: dict[int, int] = {}
    for at, who in leavers:
        if who < size:
            leaving_at.setdefault(at, who)
    past: list[int | None] = []
    for number in range(meetings):
        if number in leaving_at:
            order = rotation.without(order, leaving_at[number])
        if not order:
            break
        [pick] = rotation.plan(order, past, 1)
        counts = Counter(p for p in past if p in order)
        # The one chosen has presented least among those still here.
        assert counts[pick] == min(counts[m] for m in order)
        past.append(pick)
    # Planned in one go, the same rule holds and matches meeting by meeting.
    whole = rotation.plan(list(range(size)), [], meetings)
    totals: Counter[int] = Counter()
    for pick in whole:
        assert totals[pick] == min(totals[m] for m in range(size))
        totals[pick] += 1
