"""The search index's copy of each resource's filter and ordering columns (migration 0006):
in step with `resources` whatever happens to a resource, and carried through an upgrade and
a downgrade with resources in place; on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, insert, inspect, text, update
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities, migrate
from core.db import make_engine, make_session_factory, unit_of_work
from core.models import Community
from core.resources import searching as resource_search
from core.resources import service as resources
from core.resources.models import Resource
from core.resources.search import backend_for
from core.resources.search.query import parse
from core.resources.service import ResourceDraft
from tests.core.resource_helpers import NOW, community, load_library, titles
from tests.core.test_resources import add_member

COPIED = (
    "community_id",
    "status",
    "format",
    "language",
    "themes",
    "helpful_count",
    "published_at",
)
BEFORE = "0005"  # the revision before the index kept these columns

DRAFT = ResourceDraft(
    title="Kintsugi circles: sponsorship for refugee leaders",
    url="https://circles.example.org/guide",
    format="reading",
    themes=["Lived experience leadership"],
    language="en",
    description="How a circle of sponsors opens doors.",
)


def _index_rows(session: Session) -> dict[int, tuple[Any, ...]]:
    columns = ", ".join(COPIED)
    if session.get_bind().dialect.name == "postgresql":
        query = f"SELECT resource_id, {columns} FROM resources_fts"  # noqa: S608
    else:
        query = f"SELECT id, {columns} FROM resources_fts_meta"  # noqa: S608
    return {row[0]: tuple(row[1:]) for row in session.execute(text(query))}


def _resource_rows(session: Session) -> dict[int, tuple[Any, ...]]:
    query = f"SELECT id, {', '.join(COPIED)} FROM resources"  # noqa: S608
    return {row[0]: tuple(row[1:]) for row in session.execute(text(query))}


def assert_in_step(session: Session) -> None:
    session.flush()
    assert _index_rows(session) == _resource_rows(session)


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


def found(session: Session, place: Community, query: str) -> list[str]:
    return titles(resource_search.search(session, place, query))


def test_the_index_follows_every_change_to_a_resource(session: Session, runtime: Runtime) -> None:
    place = community(session)
    load_library(session, place)
    assert_in_step(session)
    settings = runtime.settings

    added = resources.add(session, place, settings, DRAFT, NOW, by=None, facilitator=False)
    assert_in_step(session)  # pending: indexed, not found
    assert found(session, place, "kintsugi") == []
    resources.approve(session, added, None, NOW)
    assert_in_step(session)
    assert found(session, place, "kintsugi") == [DRAFT.title]

    moved = replace(DRAFT, format="tool", language="fr")
    resources.edit(session, place, added, replace(moved, themes=[]), NOW)
    assert_in_step(session)
    assert found(session, place, "kintsugi type:tool lang:fr") == [DRAFT.title]
    assert found(session, place, "kintsugi type:reading") == []
    assert found(session, place, "kintsugi #lived-experience-leadership") == []
    resources.edit(session, place, added, moved, NOW)
    assert_in_step(session)
    assert found(session, place, "kintsugi #lived-experience-leadership") == [DRAFT.title]

    session.execute(update(Resource).where(Resource.id == added.id).values(helpful_count=7))
    assert_in_step(session)

    resources.retire(session, added, NOW)
    assert_in_step(session)
    assert found(session, place, "kintsugi") == []
    resources.restore(session, added, NOW)
    assert_in_step(session)
    assert found(session, place, "kintsugi") == [DRAFT.title]

    elsewhere = communities.get_or_create(session, "slack", "T0002", timezone="UTC", now=NOW)
    session.execute(
        update(Resource).where(Resource.id == added.id).values(community_id=elsewhere.id)
    )
    assert_in_step(session)
    assert found(session, place, "kintsugi") == []
    assert found(session, elsewhere, "kintsugi") == [DRAFT.title]

    other = replace(DRAFT, url="https://circles.example.org/other")
    suggested = resources.add(session, place, settings, other, NOW, by=None, facilitator=False)
    resources.decline(session, suggested, NOW)
    assert_in_step(session)
    assert suggested.id not in _index_rows(session)


def test_a_helpful_vote_reaches_the_index(session: Session) -> None:
    place = community(session)
    load_library(session, place)
    second = resource_search.search(session, place, "toolkit").resources[1]
    resources.mark_helpful(session, second, add_member(session, place), NOW)
    assert_in_step(session)
    assert _index_rows(session)[second.id][COPIED.index("helpful_count")] == 1
    assert resource_search.search(session, place, "toolkit").resources[0].id == second.id


def test_bulk_inserts_are_indexed_too(session: Session) -> None:
    place = community(session)
    rows = [
        {
            "community_id": place.id,
            "number": n,
            "title": f"Bulk guide {n}",
            "url": f"https://bulk.example.org/{n}",
            "url_key": f"key-{n}",
            "format": "reading",
            "themes": ["Anti-racism"],
            "language": "en",
            "description": None,
            "status": "live",
            "source": "import",
            "helpful_count": n,
            "created_at": NOW,
            "updated_at": NOW,
            "published_at": NOW,
        }
        for n in range(1, 4)
    ]
    session.execute(insert(Resource), rows)
    assert_in_step(session)
    # Equal words and dates: the votes decide.
    assert found(session, place, "bulk guide") == ["Bulk guide 3", "Bulk guide 2", "Bulk guide 1"]


# ---- migration 0006 ---------------------------------------------------------------------------


def _stock(engine: Engine) -> Community:
    with unit_of_work(make_session_factory(engine)) as session:
        place = community(session)
        load_library(session, place)
        session.expunge(place)
        return place


def _index_shape(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    if engine.dialect.name == "postgresql":
        return {c["name"] for c in inspector.get_columns("resources_fts")}
    return {t for t in inspector.get_table_names() if t == "resources_fts_meta"}


def _gin_options(engine: Engine) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT reloptions FROM pg_class WHERE oid = 'resources_fts_document'::regclass")
        ).scalar()


def test_migration_0006_copies_the_library_and_goes_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        # Stocked with today's models at the newest schema, then taken back to before 0006
        # (resources stay), so later columns never make this test write rows 0005 lacks.
        migrate.upgrade(engine)
        place = _stock(engine)
        migrate.downgrade(engine, BEFORE)
        before = _index_shape(engine)
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            assert len(_index_rows(session)) >= 30
            assert_in_step(session)
            assert found(session, place, "antiracisme lang:fr") == [
                "Antiracisme : outils pour les équipes"
            ]
        if engine.dialect.name == "postgresql":
            assert _gin_options(engine) == ["fastupdate=off"]

        migrate.downgrade(engine, BEFORE)
        assert _index_shape(engine) == before
        if engine.dialect.name == "postgresql":
            assert _gin_options(engine) is None
        with unit_of_work(factory) as session:
            # The text index still follows the resources without the copied columns.
            session.execute(
                update(Resource).where(Resource.title.like("Antiracisme%")).values(title="Zanzibar")
            )
            backend = backend_for(session)
            query = parse("zanzibar")
            assert len(backend.raw_match(session, query.terms, query.prefix_last, 5)) == 1

        migrate.upgrade(engine)
        with unit_of_work(factory) as session:
            assert_in_step(session)
            assert found(session, place, "zanzibar lang:fr") == ["Zanzibar"]
    finally:
        engine.dispose()


# ---- PostgreSQL's plans -------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # its plan cache
@pytest.mark.parametrize("mode", ["force_generic_plan", "force_custom_plan"])
def test_postgres_ranks_the_same_in_a_generic_plan(session: Session, mode: str) -> None:
    """psycopg prepares a statement on its fifth run and PostgreSQL may then plan it once for
    any words (a generic plan): the results must not change."""
    place = community(session)
    load_library(session, place)
    queries = ["lived experience", "leader", "burnout zebra", "care type:podcast", "refugie"]
    expected = {q: found(session, place, q) for q in queries}
    session.execute(text(f"SET LOCAL plan_cache_mode = {mode}"))
    for _ in range(7):  # past psycopg's prepare threshold
        assert {q: found(session, place, q) for q in queries} == expected
