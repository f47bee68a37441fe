"""Edmonds' blossom search: grow a matching until no one else can be placed.

`augment_all(neighbours, mate)` takes any matching (`mate[v]` is v's partner, or -1) and
adds pairs along augmenting paths until the matching has the largest possible number of
pairs in the graph. A path from one free person to another that alternates between
unmatched and matched edges can be flipped to place both; Edmonds' theorem says the
matching is as large as it can be exactly when no such path exists, and that a free
person with no path now will never have one later, so one search per free person is
enough. Odd cycles ("blossoms") are shrunk to their base while searching, which is what
makes the search correct on graphs that are not bipartite.

Each search only touches the part of the graph it explores (state lives in dicts, not
arrays of size n), so a matching that is already nearly complete costs little to finish;
and a search starts only where its connected part of the graph holds another free person
(an odd-sized part always leaves one, and searching from it would explore the whole part
in vain).
The heuristics in `core.pairing.matching` choose good pairs; this guarantees that nobody is left
out who could have been placed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence


def augment_all(neighbours: Sequence[Sequence[int]], mate: list[int]) -> int:
    """Augment `mate` in place to a maximum-cardinality matching; returns pairs added."""
    added = 0
    part = _components(neighbours)
    free = [v for v, m in enumerate(mate) if m < 0 and neighbours[v]]
    remaining: dict[int, int] = {}  # free people per connected part of the graph
    for v in free:
        remaining[part[v]] = remaining.get(part[v], 0) + 1
    for root in free:
        if mate[root] >= 0 or remaining[part[root]] < 2:
            continue  # a path needs two free ends in the same part: no search at all
        end = _search(neighbours, mate, root)
        remaining[part[root]] -= 1  # root is now matched, or can never be
        if end >= 0:
            remaining[part[root]] -= 1
            added += 1
    return added


def _components(neighbours: Sequence[Sequence[int]]) -> list[int]:
    """A label per person: people who can reach each other share it (linear time)."""
    part = [-1] * len(neighbours)
    for start in range(len(neighbours)):
        if part[start] >= 0:
            continue
        part[start] = start
        stack = [start]
        while stack:
            for w in neighbours[stack.pop()]:
                if part[w] < 0:
                    part[w] = start
                    stack.append(w)
    return part


def _search(neighbours: Sequence[Sequence[int]], mate: list[int], root: int) -> int:
    """One breadth-first alternating search from `root`; flips the path if it finds one.
    Returns the free person reached, or -1."""
    parent: dict[int, int] = {}  # odd (inner) vertex -> the even vertex that reached it
    base: dict[int, int] = {}  # vertex -> base of its blossom (absent: itself)
    outer: set[int] = {root}  # even vertices: root, and partners of inner vertices
    touched: list[int] = [root]  # every vertex whose base may change
    queue = deque([root])

    def base_of(v: int) -> int:
        return base.get(v, v)

    def common_base(a: int, b: int) -> int:
        seen: set[int] = set()
        while True:
            a = base_of(a)
            seen.add(a)
            if mate[a] < 0:
                break
            a = parent[mate[a]]
        while True:
            b = base_of(b)
            if b in seen:
                return b
            b = parent[mate[b]]

    def mark(v: int, top: int, child: int, blossom: set[int]) -> None:
        while base_of(v) != top:
            blossom.add(base_of(v))
            blossom.add(base_of(mate[v]))
            parent[v] = child
            child = mate[v]
            v = parent[mate[v]]

    while queue:
        v = queue.popleft()
        for to in neighbours[v]:
            if base_of(v) == base_of(to) or mate[v] == to:
                continue
            if to == root or (mate[to] >= 0 and mate[to] in parent):
                # `to` is even too: an odd cycle. Shrink it to its base and go on.
                top = common_base(v, to)
                blossom: set[int] = set()
                mark(v, top, to, blossom)
                mark(to, top, v, blossom)
                for u in touched:
                    if base_of(u) in blossom:
                        base[u] = top
                        if u not in outer:
                            outer.add(u)
                            queue.append(u)
            elif to not in parent:
                parent[to] = v
                touched.append(to)
                if mate[to] < 0:
                    _flip(mate, parent, to)
                    return to
                partner = mate[to]
                outer.add(partner)
                touched.append(partner)
                queue.append(partner)
    return -1


def _flip(mate: list[int], parent: dict[int, int], end: int) -> None:
    """Swap matched and unmatched edges along the path from `end` back to the root."""
    v = end
    while v >= 0:
        before = parent[v]
        after = mate[before]
        mate[v], mate[before] = before, v
        v = after
