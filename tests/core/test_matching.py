"""The pure matching: hard rules always hold, everyone is placed once, soft rules count."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from core.pairing.matching import Blend, Candidate, History, Weights, edge_weight, match, pair_key
from core.pairing.plan import days_before, next_slot, parse_time


def person(pid: int, org: str = "", langs: tuple[str, ...] = ("en",), **extra: object) -> Candidate:
    return Candidate(
        id=pid,
        organisation=org or f"Org {pid}",
        languages=frozenset(langs),
        **extra,  # type: ignore[arg-type]
    )


def pairs_of(groups: tuple[tuple[int, ...], ...]) -> set[tuple[int, int]]:
    return {
        pair_key(g[x], g[y]) for g in groups for x in range(len(g)) for y in range(x + 1, len(g))
    }


@st.composite
def communities(draw: st.DrawFn) -> tuple[list[Candidate], History]:
    size = draw(st.integers(0, 40))
    people = []
    for pid in range(1, size + 1):
        people.append(
            Candidate(
                id=pid,
                organisation=draw(st.sampled_from(["A", "B", "C", "D", f"own {pid}"])),
                languages=frozenset(draw(st.sets(st.sampled_from(["en", "ar", "fa"]), min_size=1))),
                utc_offset_minutes=draw(st.sampled_from([0, 60, -300, 330])),
                lived_experience=draw(st.booleans()),
                themes=frozenset(draw(st.sets(st.sampled_from(["x", "y", "z"])))),
                avoid=frozenset(draw(st.sets(st.integers(1, max(1, size)), max_size=3)) - {pid}),
                left_over_last_round=draw(st.booleans()),
            )
        )
    met = {}
    for _ in range(draw(st.integers(0, size))):
        a, b = draw(st.integers(1, max(1, size))), draw(st.integers(1, max(1, size)))
        if a != b:
            met[pair_key(a, b)] = draw(st.integers(0, 200))
    return people, History(met)


@settings(max_examples=150, deadline=None)
@given(communities(), st.integers(0, 10))
def test_everyone_is_placed_once_in_twos_or_threes_and_hard_rules_hold(
    community: tuple[list[Candidate], History], seed: int
) -> None:
    people, history = community
    result = match(people, history, Weights(), random.Random(seed))
    placed = [pid for group in result.groups for pid in group]
    unplaced = [pid for pid, _ in result.unplaced]
    assert sorted(placed + unplaced) == sorted(p.id for p in people)
    assert all(len(group) in (2, 3) for group in result.groups)
    by_id = {p.id: p for p in people}
    for a, b in pairs_of(result.groups):
        assert b not in by_id[a].avoid
        assert a not in by_id[b].avoid
        assert by_id[a].languages & by_id[b].languages


@st.composite
def hard_to_place(draw: st.DrawFn) -> list[Candidate]:
    """Long avoid-lists and few shared languages: few ways to pair everyone."""
    size = draw(st.integers(2, 30))
    languages = ["en", "ar", "fa", "ti", "so"][: draw(st.integers(1, 5))]
    return [
        Candidate(
            id=pid,
            organisation=draw(st.sampled_from("ABCD")),
            languages=frozenset(draw(st.sets(st.sampled_from(languages), min_size=1, max_size=2))),
            avoid=frozenset(draw(st.sets(st.integers(1, size), max_size=size // 2)) - {pid}),
        )
        for pid in range(1, size + 1)
    ]


@settings(max_examples=200, deadline=None)
@given(hard_to_place(), st.integers(0, 10))
def test_as_many_pairs_as_the_hard_rules_allow(people: list[Candidate], seed: int) -> None:
    """The pairs are as many as a maximum-cardinality matching on the allowed edges
    (networkx), so nobody is left out who could have been placed."""
    history = History()
    allowed = nx.Graph()
    allowed.add_nodes_from(p.id for p in people)
    for x, a in enumerate(people):
        for b in people[x + 1 :]:
            if a.languages & b.languages and b.id not in a.avoid and a.id not in b.avoid:
                allowed.add_edge(a.id, b.id)
    most = len(nx.max_weight_matching(allowed, maxcardinality=True))
    assert len(match(people, history, Weights(), random.Random(seed)).groups) == most


def test_an_even_compatible_community_is_all_pairs() -> None:
    people = [person(i) for i in range(1, 13)]
    result = match(people)
    assert len(result.groups) == 6
    assert result.unplaced == ()
    assert result.trios == 0


def test_odd_numbers_make_one_trio_never_with_the_same_third_twice() -> None:
    people = [person(i) for i in range(1, 8)]
    first = match(people, rng=random.Random(1))
    assert first.trios == 1
    assert first.unplaced == ()
    third = next(g[2] for g in first.groups if len(g) == 3)
    again = [Candidate(**{**p.__dict__, "left_over_last_round": p.id == third}) for p in people]
    for seed in range(20):
        result = match(again, rng=random.Random(seed))
        assert next(g[2] for g in result.groups if len(g) == 3) != third


def test_same_organisation_is_avoided_when_possible() -> None:
    people = [person(i, org="Big" if i <= 6 else "Other") for i in range(1, 13)]
    people = [*people[:6], *[person(i) for i in range(7, 13)]]
    result = match(people)
    assert result.same_organisation == 0


def test_avoid_list_and_language_are_hard_even_when_nobody_else_fits() -> None:
    people = [
        person(1, langs=("ti",)),
        person(2, langs=("ti",), avoid=frozenset({1})),
        person(3),
        person(4),
    ]
    result = match(people)
    assert (1, 2) not in pairs_of(result.groups)
    assert dict(result.unplaced).keys() == {1, 2}


def test_repeats_only_when_unavoidable_and_then_the_oldest() -> None:
    people = [person(i) for i in range(1, 5)]
    recent = History({(1, 2): 7, (3, 4): 7})
    assert pairs_of(match(people, recent).groups).isdisjoint({(1, 2), (3, 4)})
    # Everyone met everyone; the oldest meetings are chosen again.
    everyone = History({(1, 2): 7, (3, 4): 7, (1, 3): 70, (2, 4): 70, (1, 4): 14, (2, 3): 14})
    result = match(people, everyone)
    assert pairs_of(result.groups) == {(1, 3), (2, 4)}
    assert result.repeats == 2
    # Outside the window a meeting no longer counts.
    assert match(people, History({(1, 2): 90, (3, 4): 90}), Weights(recency_days=84)).repeats == 0


def test_soft_preferences_add_up() -> None:
    base = edge_weight(person(1, org="A"), person(2, org="A"))
    assert base is not None
    different = edge_weight(person(1, org="A"), person(2, org="B"))
    assert different is not None
    assert different > base
    lived = edge_weight(person(1, lived_experience=True), person(2, lived_experience=True))
    one_sided = edge_weight(person(1, lived_experience=True), person(2))
    assert lived is not None
    assert one_sided is not None
    assert lived > one_sided
    far = edge_weight(person(1, utc_offset_minutes=0), person(2, utc_offset_minutes=-480))
    near = edge_weight(person(1, utc_offset_minutes=0), person(2, utc_offset_minutes=60))
    assert far is not None
    assert near is not None
    assert near > far
    mix, match_ = Weights(blend=Blend.MIX), Weights(blend=Blend.MATCH)
    a = person(1, org_size="small", role_level="frontline")
    b = person(2, org_size="big", role_level="trustee")
    assert (edge_weight(a, b, weights=mix) or 0) > (edge_weight(a, b, weights=match_) or 0)


def test_big_communities_are_fast_enough_and_complete() -> None:
    rng = random.Random(3)
    people = [
        person(i, org=f"Org {rng.randrange(300)}", utc_offset_minutes=rng.choice([0, 60, 120]))
        for i in range(1, 3002)
    ]
    result = match(people, rng=random.Random(1))
    assert result.unplaced == ()
    assert result.trios == 1
    assert len(result.groups) == 1500


def test_someone_with_no_language_is_unplaced_not_an_error_in_a_big_community() -> None:
    people = [person(i, utc_offset_minutes=0) for i in range(1, 702)]
    people.append(person(702, langs=()))
    result = match(people, rng=random.Random(2))
    assert dict(result.unplaced).keys() == {702}
    assert len(result.groups) == 350


def test_rounds_stay_at_nine_in_london_across_clock_changes() -> None:
    nine = parse_time("09:00")
    # The Monday after the clocks go forward (28 March 2027) and back (31 October 2027).
    spring = next_slot(0, nine, "Europe/London", datetime(2027, 3, 23, tzinfo=UTC))
    assert spring == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 BST
    before = next_slot(0, nine, "Europe/London", datetime(2027, 3, 16, tzinfo=UTC))
    assert before == datetime(2027, 3, 22, 9, 0, tzinfo=UTC)  # 09:00 GMT
    autumn = next_slot(0, nine, "Europe/London", datetime(2027, 10, 26, tzinfo=UTC))
    assert autumn == datetime(2027, 11, 1, 9, 0, tzinfo=UTC)
    # The day-before notice is 09:00 on the Sunday, which is already in the other offset.
    assert days_before(spring, 1, "Europe/London") == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    assert days_before(autumn, 1, "Europe/London") == datetime(2027, 10, 31, 9, 0, tzinfo=UTC)
