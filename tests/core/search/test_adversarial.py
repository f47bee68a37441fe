"""Whatever a person types is a search, never a syntax error: on both engines."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core.db import unit_of_work
from core.models import Community
from core.resources import searching as resource_search
from core.resources.search import Filters, backend_for
from core.resources.search.query import _FOLD, fold, parse, words, words_in
from tests.core.resource_helpers import community, load_library

NASTY = [
    '"',
    '""',
    '"lived experience',
    "lived\"experience'",
    "*",
    "**",
    "leader*",
    "-",
    "-power",
    "--",
    "NEAR",
    "NEAR(lived experience, 3)",
    "lived NEAR/2 experience",
    "AND",
    "OR",
    "NOT",
    "lived AND experience OR NOT power",
    "(",
    ")",
    "((power)",
    "title:power",
    "{title description}: power",
    "^power",
    "power:*",
    "'power' & 'race'",
    "!!!",
    "|",
    "\\",
    "%",
    "_",
    "😀",
    "🏳️‍🌈 power ✊🏾",
    "ﷺ",
    "\u200f\u202e",
    "\x00",
    "a" * 2000,
    "power " * 400,
    "#",
    "##",
    "#anti-racism#power",
    "type:",
    "type:type:reading",
    "lang:",
    "lang:zz",
    ":",
    "0",
    "١٢٣",
    'réfugié\'s "story" (part 2) -- NEAR* AND',
    "x" * 100 + "*" * 100 + '"' * 100,
]


@pytest.fixture
def library(runtime: Runtime) -> Iterator[tuple[Session, Community]]:
    with unit_of_work(runtime.session_factory) as session:
        target = community(session)
        load_library(session, target)
        yield session, target


def test_nasty_inputs_are_searches(library: tuple[Session, Community]) -> None:
    session, target = library
    for raw in NASTY:
        result = resource_search.search(session, target, raw)
        assert len(result.resources) <= resource_search.PAGE_SIZE
        page_two = resource_search.search(session, target, raw, offset=5, any_term=True)
        assert len(page_two.resources) <= resource_search.PAGE_SIZE


def test_operators_are_words_not_syntax(library: tuple[Session, Community]) -> None:
    session, target = library
    plain = [r.id for r in resource_search.search(session, target, "lived experience").resources]
    dressed = resource_search.search(session, target, '"lived" AND (experience*) NEAR -').resources
    assert [r.id for r in dressed] == plain


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.text(max_size=300))
def test_random_strings_never_raise(library: tuple[Session, Community], raw: str) -> None:
    session, target = library
    result = resource_search.search(session, target, raw)
    assert len(result.resources) <= resource_search.PAGE_SIZE
    query = parse(raw)
    backend = backend_for(session)
    backend.match_ids(
        session,
        query.terms,
        query.prefix_last,
        Filters(community_id=target.id),
        any_term=True,
        limit=5,
        offset=0,
    )
    backend.raw_match(session, query.terms, query.prefix_last, 5)


@given(raw=st.text(max_size=2000))
def test_parsing_is_total(raw: str) -> None:
    query = parse(raw)
    assert len(query.terms) <= 12
    assert all(term and len(term) <= 40 for term in query.terms)


def _fold_in_full(value: str) -> str:
    """`fold` without its shortcut for ASCII."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.casefold().translate(_FOLD))


@given(raw=st.text(max_size=200) | st.text(st.characters(max_codepoint=127), max_size=200))
def test_folding_ascii_takes_a_shortcut_to_the_same_text(raw: str) -> None:
    assert fold(raw) == _fold_in_full(raw)


@given(texts=st.lists(st.text(max_size=80), max_size=8))
def test_words_of_many_texts_at_once_are_their_words(texts: list[str]) -> None:
    assert words_in(texts) == [w for text in texts for w in words(text)]
