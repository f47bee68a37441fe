"""Edmonds' blossom search: from any start, the matching grows to the largest there is."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from core.pairing.blossom import augment_all


@st.composite
def graphs_with_a_start(draw: st.DrawFn) -> tuple[list[list[int]], list[int]]:
    n = draw(st.integers(0, 24))
    edges = draw(st.sets(st.tuples(st.integers(0, max(0, n - 1)), st.integers(0, max(0, n - 1)))))
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        if a != b and b not in neighbours[a]:
            neighbours[a].append(b)
            neighbours[b].append(a)
    mate = [-1] * n
    for a in draw(st.permutations(range(n))):  # any maximal start, as a greedy would leave
        for b in neighbours[a]:
            if mate[a] < 0 and mate[b] < 0:
                mate[a], mate[b] = b, a
    return neighbours, mate


@settings(max_examples=400, deadline=None)
@given(graphs_with_a_start())
def test_the_matching_becomes_maximum(start: tuple[list[list[int]], list[int]]) -> None:
    neighbours, mate = start
    before = sum(1 for m in mate if m >= 0) // 2
    added = augment_all(neighbours, mate)
    for v, m in enumerate(mate):
        if m >= 0:
            assert mate[m] == v
            assert m in neighbours[v]
    graph = nx.Graph()
    graph.add_nodes_from(range(len(neighbours)))
    graph.add_edges_from((a, b) for a, row in enumerate(neighbours) for b in row)
    best = len(nx.max_weight_matching(graph, maxcardinality=True))
    assert sum(1 for m in mate if m >= 0) // 2 == best == before + added


def test_the_path_goes_round_an_odd_cycle() -> None:
    # 0-1=2, a triangle 2-3=4-2, and 3-5; pairs (1,2), (3,4); 0 and 5 are free. The only
    # way to place them enters the triangle at 2 and leaves at 3, which a search that
    # ignores odd cycles (as for two-sided graphs) never finds.
    neighbours = [[1], [0, 2], [1, 3, 4], [2, 4, 5], [2, 3], [3]]
    mate = [-1, 2, 1, 4, 3, -1]
    assert augment_all(neighbours, mate) == 1
    assert mate == [1, 0, 4, 5, 2, 3]
