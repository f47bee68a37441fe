"""Full-text search for the resource library, on each database's own engine.

One interface (`SearchBackend`), two engines: SQLite FTS5 with bm25 (`sqlite_fts`) and
PostgreSQL text search with ts_rank (`postgres_fts`). Both rank title words above theme
words above description words (weights 10 : 4 : 1), fold accents and Arabic short vowels,
and match the last word as a prefix; helpful votes are a gentle boost and recency breaks
ties. The community and status (live only) are always enforced.

The index (`resources_fts`) is built by migration 0003 and kept in step by triggers. Beside
each document, migration 0006 keeps a copy of the columns a search filters and orders by
(`index_table`): on PostgreSQL in `resources_fts` itself, so the ranked query reads that
table alone; on SQLite in the narrow table `resources_fts_meta`, joined to each match. A
common word matches thousands of resources, and the wide `resources` rows are never read
for them: only the page shown is loaded. Every match is still ranked, so the order is exact
however common the words; ranking them is most of what a search costs
(benchmarks/results/resources.md has the numbers per query).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    DateTime,
    FromClause,
    Integer,
    String,
    TableClause,
    column,
    table,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from core.resources.models import ResourceStatus

# Ranking weights: a title word counts most, then a theme, then the description.
TITLE_WEIGHT, THEMES_WEIGHT, DESCRIPTION_WEIGHT = 10.0, 4.0, 1.0
# Helpful votes lift a result by at most a fifth: h / (h + 5) saturates, so a few votes help
# a good match without burying a better one.
HELPFUL_LIFT, HELPFUL_HALF = 0.2, 5.0

HasTheme = Callable[[ColumnElement[Any], str], ColumnElement[bool]]


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
        """The bare full-text query, ranked, without filters (for the benchmark)."""
        ...

    def has_theme(self, themes: ColumnElement[Any], theme: str) -> ColumnElement[bool]:
        """A WHERE clause: this JSON list of themes includes `theme`."""
        ...

    def theme_counts(self, session: Session, community_id: int) -> dict[str, int]:
        """Live resources per theme."""
        ...


def index_table(
    name: str, key: str, themes: TypeEngine[Any], *more: ColumnClause[Any]
) -> TableClause:
    """The search index's copy of what a search filters and orders by (migration 0006),
    under the same names as on `resources`; `key` is the resource's id."""
    return table(
        name,
        column(key, Integer),
        column("community_id", Integer),
        column("status", String),
        column("format", String),
        column("language", String),
        column("themes", themes),
        column("helpful_count", Integer),
        column("published_at", DateTime(timezone=True)),
        *more,
    )


def filter_clauses(
    filters: Filters, rows: FromClause, has_theme: HasTheme
) -> list[ColumnElement[bool]]:
    """WHERE clauses every search and browse shares, on `rows` (`resources`, or the search
    index's copy of its columns): the community's live resources, each theme asked for, any
    of the formats, the language."""
    c = rows.c
    clauses: list[ColumnElement[bool]] = [
        c.community_id == filters.community_id,
        c.status == ResourceStatus.LIVE.value,
        *[has_theme(c.themes, theme) for theme in filters.themes],
    ]
    if filters.formats:
        clauses.append(c.format.in_(filters.formats))
    if filters.language:
        clauses.append(c.language == filters.language)
    return clauses


def helpful_boost(count: ColumnElement[int]) -> ColumnElement[Any]:
    return 1.0 + HELPFUL_LIFT * count / (count + HELPFUL_HALF)


def backend_for(session: Session) -> SearchBackend:
    """The engine of the database this session talks to."""
    if session.get_bind().dialect.name == "postgresql":
        from core.resources.search.postgres_fts import PostgresSearch

        return PostgresSearch()
    from core.resources.search.sqlite_fts import SqliteSearch

    return SqliteSearch()
