"""Full-text search for the resource library, on each database's own engine.

One interface (`SearchBackend`), two engines: SQLite FTS5 with bm25 (`sqlite_fts`) and
PostgreSQL text search with ts_rank_cd (`postgres_fts`). Both rank title words above theme
words above description words, fold accents and Arabic short vowels, and match the last
word as a prefix; helpful votes are a gentle boost and recency breaks ties. The index
itself (`resources_fts`) is built and kept in step by migration 0003.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from core.models_resources import Resource, ResourceStatus

# Ranking weights: a title word counts most, then a theme, then the description.
TITLE_WEIGHT, THEMES_WEIGHT, DESCRIPTION_WEIGHT = 10.0, 4.0, 1.0
# Helpful votes lift a result by at most a fifth: h / (h + 5) saturates, so a few votes help
# a good match without burying a better one.
HELPFUL_LIFT, HELPFUL_HALF = 0.2, 5.0


@dataclass(frozen=True)
class Filters:
    """What narrows a search: the community's live resources, and any filters typed."""

    community_id: int
    themes: tuple[str, ...] = ()  # theme names as stored; a resource must have each
    formats: tuple[str, ...] = ()  # any of these
    language: str | None = None


class SearchBackend(Protocol):
    name: str

    def match_ids(
        self,
        session: Session,
        terms: tuple[str, ...],
        prefix_last: bool,
        filters: Filters,
        *,
        any_term: bool,
        limit: int,
        offset: int,
    ) -> list[int]:
        """Ids of live resources matching the words (all of them, or any), best first."""
        ...

    def raw_match(
        self, session: Session, terms: tuple[str, ...], prefix_last: bool, limit: int
    ) -> list[int]:
        """The bare full-text query, ranked, without joins or filters (for the benchmark)."""
        ...

    def has_theme(self, theme: str) -> ColumnElement[bool]:
        """A WHERE clause: the resource is tagged with this theme."""
        ...

    def theme_counts(self, session: Session, community_id: int) -> dict[str, int]:
        """Live resources per theme."""
        ...


def filter_clauses(
    filters: Filters, has_theme: Callable[[str], ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """WHERE clauses every search and browse shares: the community's live resources, each
    theme asked for, any of the formats, the language."""
    clauses: list[ColumnElement[bool]] = [
        Resource.community_id == filters.community_id,
        Resource.status == ResourceStatus.LIVE.value,
        *[has_theme(theme) for theme in filters.themes],
    ]
    if filters.formats:
        clauses.append(Resource.format.in_(filters.formats))
    if filters.language:
        clauses.append(Resource.language == filters.language)
    return clauses


def helpful_boost() -> ColumnElement[Any]:
    count = Resource.helpful_count
    return 1.0 + HELPFUL_LIFT * count / (count + HELPFUL_HALF)


def backend_for(session: Session) -> SearchBackend:
    """The engine of the database this session talks to."""
    if session.get_bind().dialect.name == "postgresql":
        from core.search.postgres_fts import PostgresSearch

        return PostgresSearch()
    from core.search.sqlite_fts import SqliteSearch

    return SqliteSearch()
