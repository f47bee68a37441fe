"""Who pairs with whom in a peer-coaching round: a pure function, no database, no platform.

The problem is a maximum-weight matching on a graph of people. `match` takes the people
taking part (`Candidate`), what happened before (`History`), the facilitators' weights
(`Weights`) and a random generator, and returns groups of two (and, for odd numbers, one
group of three), plus anyone who could not be placed with the reason why.

Edges (who *may* meet)
    Two people are joined by an edge only if neither asked to avoid the other and they
    share at least one language. These are hard rules: no edge, no pairing, ever.

Edge weights (who *should* meet)
    A sum of soft preferences, each weighted in the community's settings:
    different organisations; overlapping working hours (09:00–17:00 in each person's
    timezone, by the fraction of the eight hours they share); both chose the private
    lived-experience preference; at least one shared theme; organisation size and role
    level, "mix" (different scores) or "match" (the same scores).
    A pair that met within the recency window gets a large penalty (`REPEAT_PENALTY`, far
    more than all the soft preferences together) plus a part that grows the more recent
    the meeting was. So repeats only happen when there is no other way to place everyone,
    and then the fewest, and the oldest, are chosen.

Search (fast, and close to the optimum)
    1. Candidate neighbourhoods: in communities up to `FULL_GRAPH_UP_TO` people every pair
       is weighed; above that each person weighs a random sample of `SAMPLE` others who
       share a language with them, and each pair is weighed once (linear cost).
    2. Greedy: take edges heaviest first while both ends are free.
    3. Augment: two free people u, v and a pair (a, b) with edges u–a and v–b become the
       pairs (u, a), (v, b), whichever gains most. Then, to be sure, Edmonds' blossom
       search (`core.pairing.blossom`) looks for longer augmenting paths from anyone still free:
       afterwards there are as many pairs as the hard rules allow (in big communities, as
       the weighed edges allow), however long the avoid-lists.
    4. 2-opt: for each pair (a, b) and each neighbour c of a (with partner d), swap to
       (a, c), (b, d) or (a, d), (b, c) when the total weight grows; repeat until no swap
       helps (at most `TWO_OPT_PASSES` passes; in big communities someone already with
       their best neighbour is skipped, as their partner still looks). Then each pair that
       is a repeat or from one organisation tries a three-way rotation with two other
       pairs, and 2-opt runs again (if a rotation was made). On the benchmark this reaches
       ≥ 0.98 of the exact maximum-weight matching (networkx) at 30, 100 and 300 people,
       and ≥ 0.98 of an upper bound on it (`best_pair_bound`) at 1,000 and 2,000.
    5. Odd numbers: one person is left over and joins a pair as a group of three, chosen
       where the three are best together (the sum of the two new edges), and never someone
       who was left over in the previous round: if the greedy left such a person free, one
       of a pair's members takes their place in the group of three instead.
    Anyone still without a group (nobody they share a language with and haven't asked to
    avoid) is returned in `unplaced` with the reason, so the caller can tell them and the
    facilitators: nobody is left out silently.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from core.pairing.blossom import augment_all

REPEAT_PENALTY = 1000.0  # per repeat within the window: beats any sum of soft preferences
REPEAT_RECENCY = 100.0  # extra for a repeat, scaled by how recent it was (oldest costs least)
FULL_GRAPH_UP_TO = 600
SAMPLE = 12  # others weighed per person in big communities (edges go both ways): 0.98 of
# an upper bound on the optimum at 2,000 people (benchmark); 16 gained 0.3% for 15% more time
TWO_OPT_NEIGHBOURS = (40, 8)  # best neighbours 2-opt tries: (small, big communities)
TWO_OPT_PASSES = (6, 2)  # at most: (small, big communities; a third pass gained 0.005%)
AUGMENT_NEIGHBOURS = 16
REPAIR_NEIGHBOURS = 60
WORKING_MINUTES = 8 * 60  # 09:00-17:00


class Blend(StrEnum):
    """For organisation size and role level: prefer people who differ, or who are alike."""

    MIX = "mix"
    MATCH = "match"


@dataclass(frozen=True)
class Weights:
    different_organisation: float = 20.0
    working_hours: float = 4.0
    lived_experience: float = 3.0
    shared_theme: float = 2.0
    org_size: float = 1.0
    role_level: float = 1.0
    blend: Blend = Blend.MIX
    recency_days: int = 84  # a pair that met within this many days is a repeat


@dataclass(frozen=True)
class Candidate:
    """One person taking part in the round, with only what matching needs."""

    id: int
    organisation: str
    languages: frozenset[str]
    utc_offset_minutes: int = 0  # at the time of the round
    lived_experience: bool = False  # private; used only when both chose it
    themes: frozenset[str] = frozenset()
    org_size: str = ""
    role_level: str = ""
    avoid: frozenset[int] = frozenset()  # ids this person asked never to be paired with
    left_over_last_round: bool = False  # was the third person of a group last round


@dataclass(frozen=True)
class History:
    """Days since each pair last met, by (smaller id, larger id); only recent ones matter."""

    days_since_met: Mapping[tuple[int, int], int] = field(default_factory=dict)


class Unplaced(StrEnum):
    NO_ONE_COMPATIBLE = "no_one_compatible"  # no shared language, or everyone else avoided


@dataclass(frozen=True)
class Matching:
    """Groups of member ids: pairs, and for odd numbers one trio whose last id joined a pair."""

    groups: tuple[tuple[int, ...], ...]
    unplaced: tuple[tuple[int, Unplaced], ...]
    pair_weight: float  # total weight of the pairs' edges (a trio counts its first pair)
    repeats: int  # pairs (in any group) that met within the recency window
    same_organisation: int  # pairs (in any group) from the same organisation

    @property
    def trios(self) -> int:
        return sum(1 for g in self.groups if len(g) == 3)


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def overlap_fraction(offset_a: int, offset_b: int) -> float:
    """How much of the 09:00–17:00 working day two timezones share (0 to 1)."""
    apart = abs(offset_a - offset_b) % 1440
    apart = min(apart, 1440 - apart)
    return max(0, WORKING_MINUTES - apart) / WORKING_MINUTES


@dataclass(frozen=True)
class _Graph:
    """People by position 0..n-1; `weight(i, j)` is None when they may not meet."""

    ids: tuple[int, ...]
    weight: Callable[[int, int], float | None]
    neighbours: list[list[int]]  # best first
    weighted: list[list[tuple[float, int]]]  # the same with each edge's weight: (w, j)
    edges: list[tuple[float, int, int]]  # every weighed edge (w, i, j), i < j
    repeat: Callable[[int, int], bool]
    same_org: Callable[[int, int], bool]
    full: bool  # every pair weighed (small communities)


def _build(
    people: Sequence[Candidate],
    history: History,
    weights: Weights,
    rng: random.Random,
    full: bool | None = None,
) -> _Graph:
    n = len(people)
    full = n <= FULL_GRAPH_UP_TO if full is None else full
    ids = tuple(p.id for p in people)
    position = {pid: i for i, pid in enumerate(ids)}
    org_of: dict[str, int] = {}  # organisations as numbers: quicker to compare
    org = [org_of.setdefault(p.organisation.strip().casefold(), len(org_of)) for p in people]
    language_bits: dict[str, int] = {}
    theme_bits: dict[str, int] = {}

    def bits(values: Iterable[str], table: dict[str, int]) -> int:
        mask = 0
        for value in values:
            mask |= 1 << table.setdefault(value, len(table))
        return mask

    languages = [bits(p.languages, language_bits) for p in people]
    themes = [bits(p.themes, theme_bits) for p in people]
    # Timezone, lived experience, size and level come in few combinations ("traits"): the
    # part of a weight they give is worked out once per pair of combinations.
    trait_of: dict[tuple[int, bool, str, str], int] = {}
    trait = [
        trait_of.setdefault(
            (p.utc_offset_minutes, p.lived_experience, p.org_size, p.role_level), len(trait_of)
        )
        for p in people
    ]
    traits = list(trait_of)
    width = len(traits)
    avoided: set[int] = set()  # pairs as i * n + j with i < j
    for i, p in enumerate(people):
        for other in p.avoid:
            j = position.get(other)
            if j is not None:
                avoided.add(i * n + j if i < j else j * n + i)
    window = max(1, weights.recency_days)
    recent: dict[int, float] = {}
    for (a, b), days in history.days_since_met.items():
        if days < window and a in position and b in position:
            i, j = position[a], position[b]
            recent[i * n + j if i < j else j * n + i] = (
                REPEAT_PENALTY + REPEAT_RECENCY * (window - max(0, days)) / window
            )
    w_org, w_theme = weights.different_organisation, weights.shared_theme
    mix = weights.blend is Blend.MIX
    by_traits: dict[int, float] = {}

    def trait_weight(t: int, u: int) -> float:
        (offset_t, lived_t, size_t, level_t), (offset_u, lived_u, size_u, level_u) = (
            traits[t],
            traits[u],
        )
        total = weights.working_hours * overlap_fraction(offset_t, offset_u)
        if lived_t and lived_u:
            total += weights.lived_experience
        if (size_t != size_u) is mix:
            total += weights.org_size
        if (level_t != level_u) is mix:
            total += weights.role_level
        return total

    def weight(i: int, j: int) -> float | None:
        if not languages[i] & languages[j]:
            return None
        key = i * n + j if i < j else j * n + i
        if key in avoided:
            return None
        pair = trait[i] * width + trait[j]
        total = by_traits.get(pair)
        if total is None:
            total = by_traits[pair] = trait_weight(trait[i], trait[j])
        if org[i] != org[j]:
            total += w_org
        if themes[i] & themes[j]:
            total += w_theme
        penalty = recent.get(key)
        return total - penalty if penalty is not None else total

    neighbours: list[list[int]] = []
    weighted: list[list[tuple[float, int]]] = []
    if full:
        # Small communities: weigh every pair once, then look weights up.
        matrix: list[list[float | None]] = [[None] * n for _ in range(n)]
        for i in range(n):
            row = matrix[i]
            for j in range(i + 1, n):
                row[j] = matrix[j][i] = weight(i, j)
        for i in range(n):
            row = matrix[i]
            scored = [(w, j) for j, w in enumerate(row) if w is not None]
            scored.sort(reverse=True)
            weighted.append(scored)
            neighbours.append([j for _, j in scored])

        edge_list = [
            (w, i, j) for i in range(n) for j in range(i + 1, n) if (w := matrix[i][j]) is not None
        ]

        def lookup(i: int, j: int) -> float | None:
            return matrix[i][j]

        final_weight: Callable[[int, int], float | None] = lookup
    else:
        by_language: dict[int, list[int]] = {}
        for i, mask in enumerate(languages):
            bit = 0
            while mask >> bit:
                if (mask >> bit) & 1:
                    by_language.setdefault(bit, []).append(i)
                bit += 1
        edges: dict[int, float | None] = {}
        adjacent: list[list[tuple[float, int]]] = [[] for _ in range(n)]
        edge_list = []
        for i in range(n):
            pool: list[int] = []
            for bit, members in by_language.items():
                if (languages[i] >> bit) & 1 and len(members) > len(pool):
                    pool = members
            # Mostly the largest group sharing a language; a few from each other one too.
            # (Drawn with replacement: cheaper than sample(), and a repeat is skipped below.)
            chosen = rng.choices(pool, k=SAMPLE) if pool else []  # no language: no one
            for bit, members in by_language.items():
                if (languages[i] >> bit) & 1 and members is not pool:
                    chosen += rng.choices(members, k=4)
            for j in chosen:
                key = i * n + j if i < j else j * n + i
                if j == i or key in edges:
                    continue
                w = edges[key] = weight(i, j)
                if w is not None:
                    edge_list.append((w, i, j) if i < j else (w, j, i))
                    adjacent[i].append((w, j))
                    adjacent[j].append((w, i))
        for scored in adjacent:
            scored.sort(reverse=True)
            neighbours.append([j for _, j in scored])
        weighted = adjacent

        def cached(i: int, j: int) -> float | None:
            # The later steps ask for the same pairs again and again: weigh each pair once.
            key = i * n + j if i < j else j * n + i
            if key in edges:
                return edges[key]
            w = edges[key] = weight(i, j)
            return w

        final_weight = cached

    def repeat(i: int, j: int) -> bool:
        return (i * n + j if i < j else j * n + i) in recent

    def same_org(i: int, j: int) -> bool:
        return org[i] == org[j]

    return _Graph(
        ids,
        final_weight,
        neighbours,
        weighted,
        edge_list,
        repeat,
        same_org,
        full,
    )


def _greedy(graph: _Graph) -> list[int]:
    mate = [-1] * len(graph.ids)
    for _, i, j in sorted(graph.edges, key=lambda e: e[0], reverse=True):
        if mate[i] < 0 and mate[j] < 0:
            mate[i], mate[j] = j, i
    return mate


def _augment(graph: _Graph, mate: list[int]) -> None:
    """Place free people: directly with another free person, or by a short augmenting path
    u–a=b–v (a and b were a pair) that becomes the pairs u=a and b=v, whichever gains more."""
    weight = graph.weight
    free = [i for i, m in enumerate(mate) if m < 0]
    for u in free:
        if mate[u] >= 0:
            continue
        others = [v for v in free if v != u and mate[v] < 0]
        best: tuple[float, int, int, int] | None = None
        for v in others:
            w = weight(u, v)
            if w is not None and (best is None or w > best[0]):
                best = (w, v, -1, -1)
        for a in graph.neighbours[u][:AUGMENT_NEIGHBOURS]:
            b = mate[a]
            w_ua = weight(u, a)
            if b < 0 or w_ua is None:
                continue
            w_ab = weight(a, b) or 0.0
            # Free people b may meet: from the shorter list (in a big community, b's
            # weighed neighbours, so the cost stays linear however many are free).
            around_b = graph.neighbours[b]
            ends = others if len(others) <= len(around_b) else [v for v in around_b if mate[v] < 0]
            for v in ends:
                if v == u:
                    continue
                w_bv = weight(b, v)
                if w_bv is not None and (best is None or w_ua + w_bv - w_ab > best[0]):
                    best = (w_ua + w_bv - w_ab, a, b, v)
        if best is None:
            continue
        _, a, b, v = best
        mate[u], mate[a] = a, u
        if b >= 0:
            mate[b], mate[v] = v, b


def _two_opt(graph: _Graph, mate: list[int]) -> None:
    """Swap partners between two pairs whenever the total weight grows."""
    weight = graph.weight
    n = len(mate)
    width = TWO_OPT_NEIGHBOURS[0] if graph.full else TWO_OPT_NEIGHBOURS[1]
    mate_weight = [weight(i, m) or 0.0 if m >= 0 else 0.0 for i, m in enumerate(mate)]
    for _ in range(TWO_OPT_PASSES[0] if graph.full else TWO_OPT_PASSES[1]):
        improved = 0
        for a in range(n):
            b = mate[a]
            if b < 0:
                continue
            near = graph.weighted[a]
            if not graph.full and near and mate_weight[a] >= near[0][0] - 1e-9:
                continue  # big communities: with their best neighbour already; b still looks
            for w_ac, c in near[:width]:
                d = mate[c]
                if c == b or d == a:
                    continue
                w_ab = mate_weight[a]
                if d < 0:  # c is free: a leaves b for c when that is better
                    if w_ac > w_ab + 1e-9:
                        mate[b], mate[a], mate[c] = -1, c, a
                        mate_weight[b], mate_weight[a], mate_weight[c] = 0.0, w_ac, w_ac
                        b = c
                        improved += 1
                    continue
                w_bd = weight(b, d)
                if w_bd is not None and w_ac + w_bd > w_ab + mate_weight[c] + 1e-9:
                    mate[a], mate[c], mate[b], mate[d] = c, a, d, b
                    mate_weight[a] = mate_weight[c] = w_ac
                    mate_weight[b] = mate_weight[d] = w_bd
                    b = c
                    improved += 1
        # Big communities stop once a pass changes few pairs (1 in 200): later passes gain
        # next to nothing (0.005% of the weight at 10,000 people) for a tenth of a second.
        if improved <= (0 if graph.full else n // 200):
            return


def _repair(graph: _Graph, mate: list[int]) -> int:
    """Rotate partners among three pairs to undo a repeat or a same-organisation pair:
    (a, b), (c, d), (e, f) become (a, c), (d, e), (f, b) when the total weight grows.
    Returns how many rotations were made."""
    weight = graph.weight
    rotations = 0
    for a in range(len(mate)):
        b = mate[a]
        if b < 0 or not (graph.repeat(a, b) or graph.same_org(a, b)):
            continue
        w_ab = weight(a, b) or 0.0
        best: tuple[float, int, int, int, int] | None = None
        for c in graph.neighbours[a][:REPAIR_NEIGHBOURS]:
            d = mate[c]
            if d < 0 or c == b or d == a:
                continue
            w_ac, w_cd = weight(a, c), weight(c, d) or 0.0
            if w_ac is None:
                continue
            for e in graph.neighbours[d][:REPAIR_NEIGHBOURS]:
                f = mate[e]
                if f < 0 or e in (a, b, c) or f in (a, b, c):
                    continue
                w_de, w_fb = weight(d, e), weight(f, b)
                if w_de is None or w_fb is None:
                    continue
                gain = w_ac + w_de + w_fb - w_ab - w_cd - (weight(e, f) or 0.0)
                if gain > 1e-9 and (best is None or gain > best[0]):
                    best = (gain, c, d, e, f)
        if best is not None:
            _, c, d, e, f = best
            mate[a], mate[c] = c, a
            mate[d], mate[e] = e, d
            mate[f], mate[b] = b, f
            rotations += 1
    return rotations


def _attach_gain(graph: _Graph, x: int, mate: list[int], skip: int = -1) -> tuple[float, int]:
    """The best pair for x to join as the third person: (sum of two new edges, pair member)."""
    best = (float("-inf"), -1)
    weight = graph.weight
    for y in graph.neighbours[x]:
        z = mate[y]
        if z < 0 or y == skip or z in (skip, x):
            continue
        w_xy, w_xz = weight(x, y), weight(x, z)
        if w_xy is None or w_xz is None:
            continue
        if w_xy + w_xz > best[0]:
            best = (w_xy + w_xz, y)
    return best


def _leftover(
    graph: _Graph, people: Sequence[Candidate], mate: list[int]
) -> tuple[list[int], list[tuple[int, int]]]:
    """Place the free people as third members of pairs. Returns (unplaced, (third, pair))."""
    free = [i for i, m in enumerate(mate) if m < 0]
    trios: list[tuple[int, int]] = []
    joined: set[int] = set()
    unplaced: list[int] = []
    weight = graph.weight
    for u in free:
        if mate[u] >= 0:
            continue
        options: list[tuple[float, int, int, int]] = []  # (gain, third, pair member, new mate)
        if not people[u].left_over_last_round:
            gain, y = _attach_gain(graph, u, mate)
            if y >= 0 and y not in joined and mate[y] not in joined:
                options.append((gain, u, y, -1))
        # Or: u takes x's place in x's pair, and x (not left over last time) joins a pair.
        for p in graph.neighbours[u]:
            x = mate[p]
            if x < 0 or p in joined or x in joined or people[x].left_over_last_round:
                continue
            w_up = weight(u, p)
            if w_up is None:
                continue
            gain, y = _attach_gain(graph, x, mate, skip=p)
            if y in joined or (y >= 0 and mate[y] in joined):
                gain, y = float("-inf"), -1
            w_xu, w_xp = weight(x, u), weight(x, p)
            if w_xu is not None and w_xp is not None and w_xu + w_xp > gain:
                gain, y = w_xu + w_xp, p  # x joins the new pair (u, p) itself
            if y < 0:
                continue
            delta = w_up - (w_xp or 0.0) + gain
            options.append((delta, x, y, p))
        if not options and people[u].left_over_last_round:
            # Better left over twice than left out: the rule gives way to placing everyone.
            gain, y = _attach_gain(graph, u, mate)
            if y >= 0 and y not in joined and mate[y] not in joined:
                options.append((gain, u, y, -1))
        if not options:
            unplaced.append(u)
            continue
        _, third, member, new_mate = max(options)
        if new_mate >= 0:  # u pairs with new_mate; third (its old partner) is freed
            mate[third] = -1
            mate[u], mate[new_mate] = new_mate, u
        trios.append((third, member))
        joined.update({third, member, mate[member]})
    return unplaced, trios


def match(
    people: Sequence[Candidate],
    history: History | None = None,
    weights: Weights | None = None,
    rng: random.Random | None = None,
) -> Matching:
    """Pair everyone taking part (see the module docstring for how and why)."""
    history = history or History()
    weights = weights or Weights()
    rng = rng or random.Random(0)  # noqa: S311 (not security: a reproducible shuffle)
    if len({p.id for p in people}) != len(people):
        raise ValueError("each person may take part once")
    order = list(people)
    rng.shuffle(order)  # ties fall differently each round
    collecting = gc.isenabled()
    gc.disable()  # many small objects and no cycles: the collector only costs time here
    try:
        return _solve(order, history, weights, rng)
    finally:
        if collecting:
            gc.enable()


def _solve(
    order: Sequence[Candidate], history: History, weights: Weights, rng: random.Random
) -> Matching:
    graph = _build(order, history, weights, rng)
    mate = _greedy(graph)
    _augment(graph, mate)
    augment_all(graph.neighbours, mate)  # exact: nobody left out who could be placed
    _two_opt(graph, mate)
    if _repair(graph, mate):
        _two_opt(graph, mate)  # the rotated pairs' neighbours may now swap for the better
    unplaced, trios = _leftover(graph, order, mate)
    thirds = dict(trios)
    in_trio = set(thirds.values())
    groups: list[tuple[int, ...]] = []
    pair_weight = 0.0
    repeats = same = 0
    seen: set[int] = set()
    for i, j in enumerate(mate):
        if j < 0 or i in seen or i in thirds:
            continue
        seen.update({i, j})
        pair_weight += graph.weight(i, j) or 0.0
        members = [i, j]
        if i in in_trio or j in in_trio:
            members.append(next(t for t, m in thirds.items() if m in (i, j)))
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                repeats += graph.repeat(members[x], members[y])
                same += graph.same_org(members[x], members[y])
        groups.append(tuple(graph.ids[k] for k in members))
    return Matching(
        groups=tuple(groups),
        unplaced=tuple((graph.ids[u], Unplaced.NO_ONE_COMPATIBLE) for u in unplaced),
        pair_weight=pair_weight,
        repeats=repeats,
        same_organisation=same,
    )


def edge_weight(
    a: Candidate, b: Candidate, history: History | None = None, weights: Weights | None = None
) -> float | None:
    """The weight `match` gives a pair (None: they may not meet). For tests and benchmarks."""
    graph = _build([a, b], history or History(), weights or Weights(), random.Random(0))  # noqa: S311
    return graph.weight(0, 1)


def best_pair_bound(
    people: Sequence[Candidate], history: History | None = None, weights: Weights | None = None
) -> float:
    """Half the sum of each person's best edge over everyone: no set of pairs weighs more
    (a pair weighs at most the mean of its two people's best). For benchmarks at sizes where
    the exact optimum is out of reach; it weighs every pair, so it is slow."""
    graph = _build(
        list(people),
        history or History(),
        weights or Weights(),
        random.Random(0),  # noqa: S311
        full=True,
    )
    return sum(near[0][0] for near in graph.weighted if near) / 2


def weight_function(
    people: Sequence[Candidate], history: History | None = None, weights: Weights | None = None
) -> Callable[[int, int], float | None]:
    """`edge_weight` for many people at once, by id (benchmarks build the exact graph)."""
    graph = _build(
        list(people),
        history or History(),
        weights or Weights(),
        random.Random(0),  # noqa: S311
    )
    position = {pid: i for i, pid in enumerate(graph.ids)}
    return lambda a, b: graph.weight(position[a], position[b])
