"""Searching and browsing the library: ranked full-text search on each database's own
engine (`core.resources.search`), did-you-mean suggestions, and the overview."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.delivery import outbox as outbox
from core.i18n import t
from core.models import Community
from core.resources.models import (
    Resource,
    ResourceStatus,
)
from core.resources.search import Filters, HasTheme, backend_for, filter_clauses
from core.resources.search.query import SearchQuery, fold, parse, slug, to_text, words_in
from core.resources.service import newest, shared_by_names

PAGE_SIZE = 5
SPELLING_VOCABULARY = 3000  # newest titles whose words a misspelling is compared against


@dataclass(frozen=True)
class Suggestion:
    """What to offer when nothing matched: a theme, or the words spelled as the library does."""

    theme: str | None = None
    spelling: str | None = None  # the query with misspelt words replaced


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    resources: list[Resource]
    shared_by: dict[int, str]
    offset: int
    has_more: bool
    any_term: bool  # True: nothing had every word, so these have some of them
    problems: tuple[str, ...] = ()
    suggestion: Suggestion = field(default_factory=Suggestion)

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.resources)


def resolve_themes(slugs: Sequence[str], themes: Sequence[str]) -> tuple[list[str], list[str]]:
    """Theme names for `#slug` filters (a unique start of a slug is enough), and sentences
    for the ones that match no theme."""
    found: list[str] = []
    problems: list[str] = []
    by_slug = {slug(theme): theme for theme in themes}
    for wanted in slugs:
        theme = by_slug.get(wanted)
        if theme is None:
            starting = [t for s, t in by_slug.items() if s.startswith(wanted)]
            theme = starting[0] if len(starting) == 1 else None
        if theme is not None:
            if theme not in found:
                found.append(theme)
            continue
        best = process.extractOne(wanted, list(by_slug), scorer=fuzz.WRatio, score_cutoff=60)
        problems.append(
            t(
                "No theme is called #{typed}, so I searched every theme. Did you mean #{theme}?",
                typed=wanted[:40],
                theme=best[0],
            )
            if best
            else t("No theme is called #{typed}, so I searched every theme.", typed=wanted[:40])
        )
    return found, problems


def search(
    session: Session,
    community: Community,
    raw: str,
    *,
    offset: int = 0,
    any_term: bool = False,
    page_size: int = PAGE_SIZE,
) -> SearchResult:
    """One page of live resources for what was typed: best matches first, never an error."""
    query = parse(raw)
    themes, theme_problems = resolve_themes(query.theme_slugs, community.themes)
    filters = Filters(
        community_id=community.id,
        themes=tuple(themes),
        formats=tuple(f.value for f in query.formats),
        language=query.language,
    )
    backend = backend_for(session)
    offset = max(0, offset)
    if query.terms:
        ids = backend.match_ids(
            session,
            query.terms,
            query.prefix_last,
            filters,
            any_term=any_term,
            limit=page_size + 1,
            offset=offset,
        )
        if not ids and not any_term and offset == 0 and len(query.terms) > 1:
            any_term = True
            ids = backend.match_ids(
                session,
                query.terms,
                query.prefix_last,
                filters,
                any_term=True,
                limit=page_size + 1,
                offset=0,
            )
        found = load(session, ids[:page_size])
    elif filters.themes or filters.formats or filters.language:
        found = browse(session, backend.has_theme, filters, page_size + 1, offset)
        ids = [r.id for r in found]
        found = found[:page_size]
    else:
        ids, found = [], []
    suggestion = Suggestion()
    if not found and offset == 0:
        suggestion = suggest(session, community, query)
    return SearchResult(
        query=query,
        resources=found,
        shared_by=shared_by_names(session, found),
        offset=offset,
        has_more=len(ids) > page_size,
        any_term=any_term,
        problems=(*query.problems, *theme_problems),
        suggestion=suggestion,
    )


def load(session: Session, ids: Sequence[int]) -> list[Resource]:
    if not ids:
        return []
    rows = {r.id: r for r in session.scalars(select(Resource).where(Resource.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def browse(
    session: Session, has_theme: HasTheme, filters: Filters, limit: int, offset: int
) -> list[Resource]:
    statement = select(Resource).where(*filter_clauses(filters, Resource.__table__, has_theme))
    statement = statement.order_by(
        Resource.helpful_count.desc(), Resource.published_at.desc(), Resource.id.desc()
    )
    return list(session.scalars(statement.limit(limit).offset(offset)))


def suggest(session: Session, community: Community, query: SearchQuery) -> Suggestion:
    """The closest theme to the words, or the words as the library spells them."""
    if not query.terms:
        return Suggestion()
    typed = " ".join(query.terms)
    best_theme = process.extractOne(
        typed, {t: fold(t) for t in community.themes}, scorer=fuzz.WRatio, score_cutoff=80
    )
    titles = session.scalars(
        select(Resource.title)
        .where(
            Resource.community_id == community.id,
            Resource.status == ResourceStatus.LIVE.value,
        )
        .order_by(Resource.id.desc())
        .limit(SPELLING_VOCABULARY)
    )
    vocabulary = {w for w in words_in([*titles, *community.themes]) if len(w) >= 3}
    corrected: list[str] = []
    for term in query.terms:
        if term in vocabulary or len(term) < 3:
            corrected.append(term)
            continue
        best = process.extractOne(term, vocabulary, scorer=fuzz.ratio, score_cutoff=75)
        corrected.append(str(best[0]) if best else term)
    spelling = to_text(query, tuple(corrected)) if tuple(corrected) != query.terms else None
    return Suggestion(theme=best_theme[2] if best_theme else None, spelling=spelling)


@dataclass(frozen=True)
class Overview:
    total: int
    theme_counts: list[tuple[str, int]]
    newest: list[Resource]
    shared_by: dict[int, str]


def overview(session: Session, community: Community, newest_count: int = 5) -> Overview:
    """`/cop resources` alone: themes with counts, and the newest additions."""
    counts = backend_for(session).theme_counts(session, community.id)
    total = session.scalar(
        select(func.count())
        .select_from(Resource)
        .where(
            Resource.community_id == community.id,
            Resource.status == ResourceStatus.LIVE.value,
        )
    )
    ordered = [(theme, counts.get(theme, 0)) for theme in community.themes]
    ordered += sorted((t, n) for t, n in counts.items() if t not in community.themes)
    latest = newest(session, community, newest_count)
    return Overview(int(total or 0), ordered, latest, shared_by_names(session, latest))


def paging_value(query: SearchQuery, offset: int, any_term: bool) -> str:
    """What the "More" button carries (Slack allows 2,000 characters)."""
    return json.dumps({"q": to_text(query)[:1500], "o": offset, "a": any_term})
