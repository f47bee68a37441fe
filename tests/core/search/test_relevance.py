"""Search quality on a realistic library (English, French, Arabic; the default themes):
the expected top result for each query, on SQLite FTS5 and PostgreSQL text search."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core.db import unit_of_work
from core.models import Community
from core.resources import searching as resource_search
from core.resources import service as resources
from tests.core.resource_helpers import community, load_library, titles

# (query, expected top result)
TOP = [
    ("lived experience", "Leading with lived experience: a practical guide"),
    ("anti-racist leader", "Anti-racist leadership toolkit"),  # "leader" finds leadership
    ("safe spa", "Facilitating safe spaces for difficult conversations"),  # as people type
    ("leadership programmes", "Leadership programmes for people with refugee backgrounds"),
    ("burnout", "Burnout and vicarious trauma in frontline work"),
    ("vicarious trauma", "Burnout and vicarious trauma in frontline work"),
    ("trauma informed", "Trauma-informed leadership"),
    ("positionality worksheet", "Positionality mapping worksheet"),
    ("sponsorship", "Sponsorship not mentoring: opening doors to senior roles"),
    ("board representation", "Board diversity: getting representation right"),
    ("GROW model coaching", "Coaching conversations: the GROW model"),
    ("caseworker chief executive", "From caseworker to chief executive"),
    ("decolonising", "Decolonising the charity sector"),
    ("refugie", "Être réfugié et diriger une association"),  # diacritics folded
    ("réfugié diriger", "Être réfugié et diriger une association"),
    ("etre refugie", "Être réfugié et diriger une association"),
    ("antiracisme", "Antiracisme : outils pour les équipes"),
    ("equipes", "Antiracisme : outils pour les équipes"),
    ("pouvoir", "Le pouvoir et la place de chacun"),
    ("acceder postes direction", "Accéder aux postes de direction : parcours de femmes migrantes"),
    ("القيادة", "القيادة من خلال التجربة المعاشة"),
    ("القِيادة", "القيادة من خلال التجربة المعاشة"),  # short vowels folded
    ("العنصرية", "مناهضة العنصرية في منظمات اللاجئين"),
    ("التمثيل", "التمثيل في مجالس الإدارة"),
    ("allyship", "Allyship in practice"),
    ("rest resistance", "Rest as resistance"),
    ("inclusive recruit", "Inclusive recruitment checklist"),
    ("white privilege", "Understanding white privilege in the charity sector"),
    ("racism asylum", "Racism in the UK asylum system"),
    ("collective care", "Collective care: a team wellbeing toolkit"),
    ("shifting power", "Shifting power to communities"),
]


@pytest.fixture
def library(runtime: Runtime) -> Iterator[tuple[Session, Community]]:
    with unit_of_work(runtime.session_factory) as session:
        target = community(session)
        load_library(session, target)
        yield session, target


@pytest.mark.parametrize(("query", "expected"), TOP, ids=[q for q, _ in TOP])
def test_expected_top_result(library: tuple[Session, Community], query: str, expected: str) -> None:
    session, target = library
    found = titles(resource_search.search(session, target, query))
    assert found, f"nothing found for {query!r}"
    assert found[0] == expected, f"{query!r} gave {found}"


def test_title_matches_rank_above_description_matches(
    library: tuple[Session, Community],
) -> None:
    session, target = library
    # "toolkit" is in two titles and in no description; "templates" only in descriptions.
    found = titles(resource_search.search(session, target, "toolkit"))
    assert set(found[:2]) == {
        "Anti-racist leadership toolkit",
        "Collective care: a team wellbeing toolkit",
    }
    power = titles(resource_search.search(session, target, "power"))
    assert power[0] in {"Shifting power to communities", "The Power Podcast: who decides?"}


def test_filters_narrow_the_results(library: tuple[Session, Community]) -> None:
    session, target = library
    french = resource_search.search(session, target, "lang:fr")
    assert len(french.resources) == 5
    assert french.has_more
    assert all(r.language == "fr" for r in french.resources)
    tools = resource_search.search(session, target, "type:tool #anti-racism")
    assert set(titles(tools)) == {
        "Anti-racist leadership toolkit",
        "Antiracisme : outils pour les équipes",
    }
    listening = resource_search.search(session, target, "care type:podcast")
    assert titles(listening)[0] == "Rest as resistance"
    assert all(r.format == "listening" for r in listening.resources)
    lived = resource_search.search(session, target, "#lived leader")  # a unique start of a theme
    assert all("Lived experience leadership" in r.themes for r in lived.resources)


def test_paging_gives_each_match_once(library: tuple[Session, Community]) -> None:
    session, target = library
    seen: list[str] = []
    offset, any_term = 0, False
    while True:
        page = resource_search.search(session, target, "the", offset=offset, any_term=any_term)
        seen += titles(page)
        if not page.has_more:
            break
        offset, any_term = page.next_offset, page.any_term
    assert len(seen) == len(set(seen)) > 5


def test_helpful_votes_break_ties(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        target = community(session)
        load_library(session, target)
        first = resource_search.search(session, target, "toolkit").resources
        second = first[1]
        second.helpful_count = 4
        session.flush()
        again = resource_search.search(session, target, "toolkit").resources
        assert again[0].id == second.id


def test_no_match_suggests_a_spelling_and_a_theme(library: tuple[Session, Community]) -> None:
    session, target = library
    result = resource_search.search(session, target, "representaton")
    # Prefix matching finds nothing for a misspelling in the middle, so suggest the spelling.
    assert result.resources == []
    assert result.suggestion.spelling == "representation"
    themed = resource_search.search(session, target, "antiracsm")
    assert themed.resources == []
    assert themed.suggestion.theme == "Anti-racism"
    assert resource_search.search(session, target, "zzzqqq").suggestion.spelling is None


def test_some_words_when_no_resource_has_all(library: tuple[Session, Community]) -> None:
    session, target = library
    result = resource_search.search(session, target, "burnout zebra")
    assert result.any_term
    assert titles(result)[0] == "Burnout and vicarious trauma in frontline work"


def test_words_joined_by_punctuation_are_found_on_both_engines(
    library: tuple[Session, Community], runtime: Runtime
) -> None:
    session, target = library
    resources.add(
        session,
        target,
        runtime.settings,
        resources.ResourceDraft(
            title="Policy/practice gaps in the asylum system",
            url="https://www.refugee-action.org.uk/report",
            format="reading",
            language="en",
            description="Findings from www.refugee-action.org.uk, version 2.0.",
        ),
        runtime.clock.now(),
        by=None,
        facilitator=True,
    )
    for query in ("policy practice", "practice gaps", "refugee action"):
        found = titles(resource_search.search(session, target, query))
        assert found, query
        assert found[0] == "Policy/practice gaps in the asylum system", (query, found)
