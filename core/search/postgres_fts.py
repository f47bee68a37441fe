"""PostgreSQL text search: a weighted tsvector per resource ('simple' configuration, folded
by `catalyst_fold()`), ts_rank_cd ranking, and the last word as a prefix (`'leader':*`).

Every word is written as a tsquery string (`'word'`), so no input is read as syntax.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, cast, column, func, literal, literal_column, select, table
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Session

from core.models_resources import Resource, ResourceStatus
from core.search import Filters, filter_clauses, helpful_boost

_fts = table("resources_fts", column("resource_id"), column("document", TSVECTOR))
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


def tsquery_text(terms: tuple[str, ...], prefix_last: bool, *, any_term: bool) -> str:
    """`'lived' & 'exper':*`: words as tsquery strings (quotes doubled), joined."""
    quoted = ["'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in terms]
    if prefix_last and quoted:
        quoted[-1] += ":*"
    return (" | " if any_term else " & ").join(quoted)


def _tsquery(terms: tuple[str, ...], prefix_last: bool, *, any_term: bool) -> ColumnElement[str]:
    # The words are folded in Python already (core.search.query.fold, the same folding as
    # catalyst_fold), so the query is a constant the planner evaluates once.
    return func.to_tsquery(_SIMPLE, literal(tsquery_text(terms, prefix_last, any_term=any_term)))


class PostgresSearch:
    name = "postgresql-tsvector"

    def has_theme(self, theme: str) -> ColumnElement[bool]:
        return cast(Resource.themes, JSONB).op("@>")(cast(literal(json.dumps([theme])), JSONB))

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
        rank = func.ts_rank_cd(_fts.c.document, tsquery)
        statement = (
            select(Resource.id)
            .select_from(_fts.join(Resource, Resource.id == _fts.c.resource_id))
            .where(_fts.c.document.op("@@")(tsquery), *filter_clauses(filters, self.has_theme))
            .order_by(
                (rank * helpful_boost()).desc(), Resource.published_at.desc(), Resource.id.desc()
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
            .order_by(func.ts_rank_cd(_fts.c.document, tsquery).desc())
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
