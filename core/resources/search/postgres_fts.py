"""PostgreSQL text search: a weighted tsvector per resource ('simple' configuration, folded
by `catalyst_fold()`), ts_rank ranking, and the last word as a prefix (`'leader':*`).

Every word is written as a tsquery string (`'word'`), so no input is read as syntax.

What keeps a search fast with thousands of matches:
- The ranked query reads `resources_fts` alone: it holds a copy of the columns a search
  filters and orders by (migration 0006), so no match is joined to its wide `resources` row.
- ts_rank with weights 10 : 4 : 1 (title : themes : description), not ts_rank_cd, whose
  cover-density walk took three to seven times as long per match (20 to 40 ms against 4 to
  6 for 13,000 to 21,000 matches). ts_rank weighs each word by the fields it appears in,
  and several words also by how close together they are.
- The query is parsed once per statement, in a scalar subquery (an InitPlan). psycopg
  prepares a statement on its fifth run and PostgreSQL then switches to a generic plan, in
  which `to_tsquery(..., $1)` written in place is parsed again for every row it ranks. The
  plan is also the same either way: the GIN index, then the filters on the matches.
- The GIN index writes new entries directly (`fastupdate = off`, migration 0006) rather
  than through a pending list that every search would scan.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, cast, column, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Session

from core.resources.models import Resource, ResourceStatus
from core.resources.search import (
    DESCRIPTION_WEIGHT,
    THEMES_WEIGHT,
    TITLE_WEIGHT,
    Filters,
    filter_clauses,
    helpful_boost,
    index_table,
)

_fts = index_table("resources_fts", "resource_id", JSONB(), column("document", TSVECTOR))
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
# ts_rank's weights, in the order D, C, B, A: description (C; nothing is D), themes, title.
_WEIGHTS: ColumnElement[Any] = literal_column(
    "'{{{0},{0},{1},{2}}}'::real[]".format(
        DESCRIPTION_WEIGHT / TITLE_WEIGHT, THEMES_WEIGHT / TITLE_WEIGHT, 1.0
    )
)


def tsquery_text(terms: tuple[str, ...], prefix_last: bool, *, any_term: bool) -> str:
    """`'lived' & 'exper':*`: words as tsquery strings (quotes doubled), joined."""
    quoted = ["'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in terms]
    if prefix_last and quoted:
        quoted[-1] += ":*"
    return (" | " if any_term else " & ").join(quoted)


def _tsquery(terms: tuple[str, ...], prefix_last: bool, *, any_term: bool) -> ColumnElement[Any]:
    # The words are folded in Python already (core.search.query.fold, the same folding as
    # catalyst_fold); to_tsquery still splits them as the documents were split. A scalar
    # subquery, so it is parsed once per statement (see the module's docstring).
    text = tsquery_text(terms, prefix_last, any_term=any_term)
    return select(func.to_tsquery(_SIMPLE, literal(text))).scalar_subquery()


def _rank(tsquery: ColumnElement[Any]) -> ColumnElement[float]:
    return func.ts_rank(_WEIGHTS, _fts.c.document, tsquery)


class PostgresSearch:
    name = "postgresql-tsvector"

    def has_theme(self, themes: ColumnElement[Any], theme: str) -> ColumnElement[bool]:
        return cast(themes, JSONB).op("@>")(cast(literal(json.dumps([theme])), JSONB))

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
        if not terms:
            return []
        tsquery = _tsquery(terms, prefix_last, any_term=any_term)
        fts = _fts.c
        statement = (
            select(fts.resource_id)
            .where(fts.document.op("@@")(tsquery), *filter_clauses(filters, _fts, self.has_theme))
            .order_by(
                (_rank(tsquery) * helpful_boost(fts.helpful_count)).desc(),
                fts.published_at.desc(),
                fts.resource_id.desc(),
            )
            .limit(limit)
            .offset(offset)
        )
        return list(session.scalars(statement))

    def raw_match(
        self, session: Session, terms: tuple[str, ...], prefix_last: bool, limit: int
    ) -> list[int]:
        if not terms:
            return []
        tsquery = _tsquery(terms, prefix_last, any_term=False)
        statement = (
            select(_fts.c.resource_id)
            .where(_fts.c.document.op("@@")(tsquery))
            .order_by(_rank(tsquery).desc())
            .limit(limit)
        )
        return list(session.scalars(statement))

    def theme_counts(self, session: Session, community_id: int) -> dict[str, int]:
        tagged = func.jsonb_array_elements_text(cast(Resource.themes, JSONB)).table_valued("value")
        rows = session.execute(
            select(tagged.c.value, func.count())
            .select_from(Resource)
            .join(tagged, literal_column("true"))
            .where(
                Resource.community_id == community_id,
                Resource.status == ResourceStatus.LIVE.value,
            )
            .group_by(tagged.c.value)
        )
        return {str(theme): int(count) for theme, count in rows}
