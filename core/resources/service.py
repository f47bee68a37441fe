"""The resource library: adding, reviewing, curating, searching and sharing links.

A facilitator's addition is live at once; a member's waits for review (facilitators get a
DM with Approve / Edit / Decline, and the member is told the outcome). One entry per link:
URLs are compared after normalising (core.urls). Retired entries are hidden, not deleted.
Services take the session (the caller owns the transaction) and an explicit `now`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import ui
from core.config import DEFAULT_SLASH_COMMAND, Settings
from core.defaults import LANGUAGES
from core.delivery import outbox as outbox
from core.errors import InvalidInput, UserError
from core.models import Community, Member, MemberStatus, Role
from core.resources.models import (
    Resource,
    ResourceFormat,
    ResourceSource,
    ResourceStatus,
    ResourceVote,
    SessionResource,
)
from core.resources.search import Filters, HasTheme, backend_for, filter_clauses
from core.resources.search.query import SearchQuery, fold, parse, slug, to_text, words_in
from core.resources.urls import NotALink, check_url, url_key
from core.sessions.models import CommunitySession
from core.text import clean_text, too_long

TITLE_MAX = 200
DESCRIPTION_MAX = 500
THEMES_MAX = 5
PAGE_SIZE = 5
NEWEST = 3
SPELLING_VOCABULARY = 3000  # newest titles whose words a misspelling is compared against

FORMAT_LABELS: dict[str, str] = {
    ResourceFormat.READING: "Reading",
    ResourceFormat.WATCHING: "Watching",
    ResourceFormat.LISTENING: "Listening",
    ResourceFormat.TOOL: "Tool",
}
LANGUAGE_LABELS: dict[str, str] = dict(LANGUAGES)
A_MEMBER = "a member"  # who shared it, once they have used forget-me

# Buttons on messages the outbox sends (DMs to facilitators) and the handlers answer.
APPROVE = "resource.approve"
EDIT = "resource.edit"
DECLINE = "resource.decline"


@dataclass(frozen=True)
class ResourceDraft:
    """What someone typed (the form, a CSV row), before checking. Names match the form."""

    title: str | None = None
    url: str | None = None
    format: str | None = None
    themes: Sequence[str] = ()
    language: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class ResourceDetails:
    title: str
    url: str
    url_key: str
    format: str
    themes: list[str]
    language: str
    description: str | None


# ---- checking what was typed ----------------------------------------------------------------


def _match_theme(value: str, themes: Sequence[str]) -> str | None:
    wanted = slug(value)
    return next((theme for theme in themes if slug(theme) == wanted), None)


def _language_code(value: str | None) -> str | None:
    raw = (value or "").strip()
    if not raw:
        return "en"
    if raw in LANGUAGE_LABELS:
        return raw
    wanted = fold(raw)
    for code, label in LANGUAGES:
        if wanted in {fold(code), fold(label)} or wanted in {fold(p) for p in label.split(" / ")}:
            return code
    return None


def check(draft: ResourceDraft, community: Community) -> ResourceDetails:
    """Validate a draft; raise InvalidInput with one sentence per field that needs fixing."""
    errors: dict[str, str] = {}
    title = clean_text(draft.title, multiline=False)
    if not title:
        errors["title"] = "Please give the resource a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = too_long("title", title, TITLE_MAX)
    url = ""
    try:
        url = check_url(clean_text(draft.url, multiline=False))
    except NotALink as problem:
        errors["url"] = str(problem)
    kind = (draft.format or "").strip().lower()
    if kind not in FORMAT_LABELS:
        errors["format"] = "Please choose reading, watching, listening or tool."
    themes: list[str] = []
    for raw in draft.themes:
        if not raw.strip():
            continue
        theme = _match_theme(raw, community.themes)
        if theme is None:
            errors["themes"] = (
                f"“{raw.strip()[:40]}” isn't one of the community's themes: choose from "
                + ", ".join(community.themes)
                + "."
            )
        elif theme not in themes:
            themes.append(theme)
    if len(themes) > THEMES_MAX:
        errors["themes"] = f"Please choose at most {THEMES_MAX} themes."
    language = _language_code(draft.language)
    if language is None:
        errors["language"] = "Please choose a language from the list (for example en, fr, ar)."
    description = clean_text(draft.description, multiline=True) or None
    if description and len(description) > DESCRIPTION_MAX:
        errors["description"] = too_long("description", description, DESCRIPTION_MAX)
    if errors:
        raise InvalidInput(errors)
    return ResourceDetails(
        title=title,
        url=url,
        url_key=url_key(url),
        format=kind,
        themes=themes,
        language=language or "en",
        description=description,
    )


# ---- finding --------------------------------------------------------------------------------


def by_id(session: Session, community: Community, resource_id: int) -> Resource | None:
    found = session.get(Resource, resource_id)
    return found if found is not None and found.community_id == community.id else None


def by_number(session: Session, community: Community, number: int) -> Resource | None:
    return session.scalars(
        select(Resource).where(Resource.community_id == community.id, Resource.number == number)
    ).first()


def find_duplicate(
    session: Session, community: Community, url: str, *, other_than: int | None = None
) -> Resource | None:
    """The entry that already has this link (after normalising), if any."""
    found = session.scalars(
        select(Resource).where(
            Resource.community_id == community.id, Resource.url_key == url_key(url)
        )
    ).first()
    return None if found is None or found.id == other_than else found


def duplicate_sentence(found: Resource) -> str:
    """What to tell someone adding a link the library already has."""
    if found.status == ResourceStatus.PENDING.value:
        return (
            f"That link has already been suggested as “{found.title}” and is waiting for a "
            "facilitator to review it."
        )
    if found.status == ResourceStatus.RETIRED.value:
        return (
            f"That link was in the library as “{found.title}” (number {found.number}) and was "
            "retired; a facilitator can bring it back."
        )
    return (
        f"That link is already in the library as “{found.title}” (number {found.number}). "
        "Search for it to mark it helpful."
    )


def shared_by_names(session: Session, resources: Iterable[Resource]) -> dict[int, str]:
    """Display names of the members who shared these (missing: erased, shown as "a member")."""
    ids = {r.shared_by_member_id for r in resources if r.shared_by_member_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Member.id, Member.display_name).where(Member.id.in_(ids)))
    return {int(member_id): str(name) for member_id, name in rows}


# ---- adding and curating --------------------------------------------------------------------


def _next_number(session: Session, community: Community) -> int:
    top = session.scalar(
        select(func.max(Resource.number)).where(Resource.community_id == community.id)
    )
    return (top or 0) + 1


def _apply(resource: Resource, details: ResourceDetails) -> None:
    resource.title = details.title
    resource.url = details.url
    resource.url_key = details.url_key
    resource.format = details.format
    resource.themes = list(details.themes)
    resource.language = details.language
    resource.description = details.description


def _insert(
    session: Session,
    community: Community,
    details: ResourceDetails,
    now: datetime,
    *,
    shared_by: Member | None,
    live: bool,
    source: ResourceSource = ResourceSource.FORM,
) -> Resource:
    for attempt in range(3):
        resource = Resource(
            community_id=community.id,
            source=source.value,
            number=_next_number(session, community),
            status=(ResourceStatus.LIVE if live else ResourceStatus.PENDING).value,
            shared_by_member_id=shared_by.id if shared_by else None,
            helpful_count=0,
            created_at=now,
            updated_at=now,
            published_at=now if live else None,
        )
        _apply(resource, details)
        try:
            # Two people adding at once may pick the same number (retry with the next), or
            # the same link (the unique key says so: report the entry that won).
            with session.begin_nested():
                session.add(resource)
            return resource
        except IntegrityError:
            existing = find_duplicate(session, community, details.url)
            if existing is not None:
                raise InvalidInput({"url": duplicate_sentence(existing)}) from None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def add(
    session: Session,
    community: Community,
    settings: Settings,
    draft: ResourceDraft,
    now: datetime,
    *,
    by: Member | None,
    facilitator: bool,
) -> Resource:
    """Add a resource: live at once from a facilitator, else queued for review (and the
    facilitators are sent a DM with Approve / Edit / Decline)."""
    details = check(draft, community)
    existing = find_duplicate(session, community, details.url)
    if existing is not None:
        raise InvalidInput({"url": duplicate_sentence(existing)})
    resource = _insert(session, community, details, now, shared_by=by, live=facilitator)
    if not facilitator:
        _ask_facilitators(session, community, settings, resource, by, now)
    return resource


def edit(
    session: Session, community: Community, resource: Resource, draft: ResourceDraft, now: datetime
) -> Resource:
    details = check(draft, community)
    existing = find_duplicate(session, community, details.url, other_than=resource.id)
    if existing is not None:
        raise InvalidInput({"url": duplicate_sentence(existing)})
    _apply(resource, details)
    resource.updated_at = now
    session.flush()
    return resource


def approve(
    session: Session,
    resource: Resource,
    reviewer: Member | None,
    now: datetime,
    *,
    command: str = DEFAULT_SLASH_COMMAND,
) -> Resource:
    """Make a suggestion live and tell the member who suggested it (`command` is how the
    community types the slash command, for the "find it with" line)."""
    if resource.status != ResourceStatus.PENDING.value:
        raise UserError(_already_reviewed(resource))
    resource.status = ResourceStatus.LIVE.value
    resource.published_at = now
    resource.updated_at = now
    resource.reviewed_by_member_id = reviewer.id if reviewer else None
    session.flush()
    _tell_suggester(
        session,
        resource,
        now,
        "approved",
        ui.text(
            "Your suggestion *{title}* is now in the library, thank you! Members will find it "
            "with `{cmd}`.",
            title=resource.title,
            cmd=f"{command} resources",
        ),
    )
    return resource


def decline(session: Session, resource: Resource, now: datetime) -> str:
    """Turn down a suggestion: the member is told kindly, and the entry is removed (so the
    link can be suggested again later). Returns its title."""
    if resource.status != ResourceStatus.PENDING.value:
        raise UserError(_already_reviewed(resource))
    title = resource.title
    _tell_suggester(
        session,
        resource,
        now,
        "declined",
        ui.text(
            "Thank you for suggesting *{title}*. A facilitator decided not to add it to the "
            "library this time; do keep sharing what helps you.",
            title=title,
        ),
    )
    session.delete(resource)
    session.flush()
    return title


def _already_reviewed(resource: Resource) -> str:
    if resource.status == ResourceStatus.LIVE.value:
        return f"“{resource.title}” has already been approved and is in the library."
    return f"“{resource.title}” has already been reviewed."


def retire(session: Session, resource: Resource, now: datetime) -> None:
    if resource.status == ResourceStatus.RETIRED.value:
        raise UserError(f"Number {resource.number} is already retired.")
    if resource.status == ResourceStatus.PENDING.value:
        raise UserError(
            f"Number {resource.number} is a suggestion waiting for review: decline it instead."
        )
    resource.status = ResourceStatus.RETIRED.value
    resource.updated_at = now
    session.flush()


def restore(session: Session, resource: Resource, now: datetime) -> None:
    if resource.status != ResourceStatus.RETIRED.value:
        raise UserError(f"Number {resource.number} isn't retired, so there's nothing to restore.")
    resource.status = ResourceStatus.LIVE.value
    resource.published_at = resource.published_at or now
    resource.updated_at = now
    session.flush()


def mark_helpful(session: Session, resource: Resource, member: Member, now: datetime) -> bool:
    """Count a member's "Helpful" once. Returns False if they had already said so."""
    voted = session.get(ResourceVote, (resource.id, member.id))
    if voted is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ResourceVote(resource_id=resource.id, member_id=member.id, voted_at=now))
    except IntegrityError:
        return False  # a double click racing itself
    session.execute(
        update(Resource)
        .where(Resource.id == resource.id)
        .values(helpful_count=Resource.helpful_count + 1)
    )
    session.refresh(resource)
    return True


def pending(session: Session, community: Community) -> list[Resource]:
    return list(
        session.scalars(
            select(Resource)
            .where(
                Resource.community_id == community.id,
                Resource.status == ResourceStatus.PENDING.value,
            )
            .order_by(Resource.created_at, Resource.id)
        )
    )


def pending_count(session: Session, community: Community) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Resource)
            .where(
                Resource.community_id == community.id,
                Resource.status == ResourceStatus.PENDING.value,
            )
        )
        or 0
    )


def newest(session: Session, community: Community, limit: int = NEWEST) -> list[Resource]:
    return list(
        session.scalars(
            select(Resource)
            .where(
                Resource.community_id == community.id,
                Resource.status == ResourceStatus.LIVE.value,
            )
            .order_by(Resource.published_at.desc(), Resource.id.desc())
            .limit(limit)
        )
    )


# ---- messages the outbox sends --------------------------------------------------------------


def sharer(resource: Resource, names: dict[int, str]) -> str | None:
    """Who shared it, as shown: their name, "a member" once erased, None for an import."""
    if resource.shared_by_member_id is not None:
        return names.get(resource.shared_by_member_id, A_MEMBER)
    return A_MEMBER if resource.shared_through_form else None


def card_blocks(resource: Resource, shared_by: str | None) -> list[ui.Block]:
    """One resource: title, format, themes, language, one-line description, who shared it."""
    small = [
        FORMAT_LABELS.get(resource.format, resource.format),
        ", ".join(resource.themes) if resource.themes else None,
        LANGUAGE_LABELS.get(resource.language, resource.language),
        f"shared by {shared_by}" if shared_by else None,
    ]
    body = ui.text("*{title}*\n{url}", title=resource.title, url=resource.url)
    if resource.description:
        line = resource.description.split("\n", 1)[0]
        line = line if len(line) <= 200 else line[:199].rstrip() + "…"
        body = ui.text(
            "*{title}*\n{description}\n{url}",
            title=resource.title,
            description=line,
            url=resource.url,
        )
    return [ui.Section(body), ui.Context([ui.literal(" · ".join(p for p in small if p))])]


def review_message(resource: Resource, suggested_by: str | None) -> ui.Message:
    lead = ui.text(
        "*{who}* suggested a resource for the library (number {n}):",
        who=suggested_by or A_MEMBER,
        n=resource.number,
    )
    value = str(resource.id)
    return ui.Message(
        summary=f"A resource suggestion is waiting for review: {resource.title}",
        blocks=[
            ui.Section(lead),
            *card_blocks(resource, suggested_by),
            ui.Actions(
                [
                    ui.Button("Approve", APPROVE, value, "primary"),
                    ui.Button("Edit", EDIT, value),
                    ui.Button(
                        "Decline",
                        DECLINE,
                        value,
                        "danger",
                        ui.Confirm(
                            "Decline this suggestion?",
                            "The member is thanked and told it won't be added this time.",
                            "Decline",
                            "Keep it",
                        ),
                    ),
                ]
            ),
        ],
    )


def _facilitator_recipients(
    session: Session, community: Community, settings: Settings
) -> list[tuple[str, int | None]]:
    rows = session.execute(
        select(Member.platform_user_id, Member.id).where(
            Member.community_id == community.id,
            Member.role == Role.FACILITATOR.value,
            Member.status == MemberStatus.ACTIVE.value,
        )
    ).all()
    recipients: dict[str, int | None] = {str(user): int(mid) for user, mid in rows}
    for user in sorted(settings.facilitators):
        recipients.setdefault(user, None)
    return sorted(recipients.items())


def _ask_facilitators(
    session: Session,
    community: Community,
    settings: Settings,
    resource: Resource,
    by: Member | None,
    now: datetime,
) -> None:
    message = review_message(resource, by.display_name if by else None)
    outbox.enqueue(
        session,
        community.id,
        [
            outbox.Outgoing(
                key=f"resource-review:{resource.id}:{user}",
                kind="resource_review",
                recipient=user,
                message=message,
                due_at=now,
                member_id=member_id,
            )
            for user, member_id in _facilitator_recipients(session, community, settings)
        ],
        now,
    )


def _tell_suggester(
    session: Session, resource: Resource, now: datetime, outcome: str, body: ui.Text
) -> None:
    member = (
        session.get(Member, resource.shared_by_member_id) if resource.shared_by_member_id else None
    )
    if member is None or not member.is_active:
        return
    outbox.enqueue(
        session,
        resource.community_id,
        [
            outbox.Outgoing(
                key=f"resource-{outcome}:{resource.id}",
                kind=f"resource_{outcome}",
                recipient=member.platform_user_id,
                message=ui.Message(
                    summary=body.plain().replace("*", ""), blocks=[ui.Section(body)]
                ),
                due_at=now,
                member_id=member.id,
            )
        ],
        now,
    )


# ---- searching ------------------------------------------------------------------------------


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
        hint = f" Did you mean #{best[0]}?" if best else ""
        problems.append(f"No theme is called #{wanted[:40]}, so I searched every theme.{hint}")
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
        found = _load(session, ids[:page_size])
    elif filters.themes or filters.formats or filters.language:
        found = _browse(session, backend.has_theme, filters, page_size + 1, offset)
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


def _load(session: Session, ids: Sequence[int]) -> list[Resource]:
    if not ids:
        return []
    rows = {r.id: r for r in session.scalars(select(Resource).where(Resource.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def _browse(
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


# ---- sessions: preparation ------------------------------------------------------------------


def attach(session: Session, cs: CommunitySession, resource: Resource, now: datetime) -> bool:
    """Attach a resource to a session as preparation. False if it already was."""
    if resource.community_id != cs.community_id or not resource.is_live:
        raise UserError("Only resources in this community's library can be attached.")
    if session.get(SessionResource, (cs.id, resource.id)) is not None:
        return False
    session.add(SessionResource(session_id=cs.id, resource_id=resource.id, added_at=now))
    session.flush()
    return True


def detach(session: Session, cs: CommunitySession, resource: Resource) -> bool:
    removed = session.execute(
        delete(SessionResource).where(
            SessionResource.session_id == cs.id, SessionResource.resource_id == resource.id
        )
    )
    return bool(getattr(removed, "rowcount", 0))


def for_session(session: Session, session_id: int) -> list[Resource]:
    """Live resources attached to a session, in the order they were attached."""
    return list(
        session.scalars(
            select(Resource)
            .join(SessionResource, SessionResource.resource_id == Resource.id)
            .where(
                SessionResource.session_id == session_id,
                Resource.status == ResourceStatus.LIVE.value,
            )
            .order_by(SessionResource.added_at, Resource.id)
        )
    )


# ---- personal data --------------------------------------------------------------------------


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    """For `my-data`: what the member shared (it stays, as "a member", after forget-me)
    and what they found helpful (erased with them)."""
    shared = session.scalars(
        select(Resource).where(Resource.shared_by_member_id == member.id).order_by(Resource.number)
    )
    voted = session.execute(
        select(Resource.number, Resource.title, ResourceVote.voted_at)
        .join(ResourceVote, ResourceVote.resource_id == Resource.id)
        .where(ResourceVote.member_id == member.id)
        .order_by(ResourceVote.voted_at)
    )
    return {
        "shared": [
            {
                "number": r.number,
                "title": r.title,
                "url": r.url,
                "status": r.status,
                "shared_at": r.created_at.isoformat(),
            }
            for r in shared
        ],
        "found_helpful": [
            {"number": number, "title": title, "marked_at": at.isoformat()}
            for number, title, at in voted
        ],
    }


# ---- CSV import and export ------------------------------------------------------------------

# The documented header. Import needs title, url and format; the other columns may be left
# out or empty; themes are separated by ";". Export writes every column below.
IMPORT_COLUMNS = ("title", "url", "format", "themes", "language", "description")
EXPORT_COLUMNS = (
    "number",
    *IMPORT_COLUMNS,
    "status",
    "helpful",
    "shared_by",
    "published_at",
)
REQUIRED_COLUMNS = ("title", "url", "format")


@dataclass(frozen=True)
class ImportReport:
    added: int
    problems: list[tuple[int, str]]  # (line number in the file, what to fix)


def import_csv(session: Session, community: Community, content: str, now: datetime) -> ImportReport:
    """Add every good row as a live resource; report bad rows by line number.

    The good rows go in together or not at all (the caller's transaction; a failure part
    way rolls them all back), so a file is never half-imported.
    """
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UserError(
            "The first line must be the header "
            + ",".join(IMPORT_COLUMNS)
            + f" (missing: {', '.join(missing)}). Nothing was imported."
        )
    reader.fieldnames = header
    problems: list[tuple[int, str]] = []
    good: list[ResourceDetails] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append((line, "This row has more columns than the header."))
            continue
        values = {k: (v or "") for k, v in row.items() if k}
        if not any(v.strip() for v in values.values()):
            continue  # blank line
        draft = ResourceDraft(
            title=values.get("title"),
            url=values.get("url"),
            format=values.get("format"),
            themes=[t for t in values.get("themes", "").split(";") if t.strip()],
            language=values.get("language"),
            description=values.get("description"),
        )
        try:
            details = check(draft, community)
        except InvalidInput as bad:
            problems.append((line, " ".join(f"{k}: {v}" for k, v in bad.errors.items())))
            continue
        if details.url_key in seen:
            problems.append((line, f"The same link is on line {seen[details.url_key]}."))
            continue
        existing = find_duplicate(session, community, details.url)
        if existing is not None:
            problems.append((line, duplicate_sentence(existing)))
            continue
        seen[details.url_key] = line
        good.append(details)
    with session.begin_nested():
        for details in good:
            _insert(
                session,
                community,
                details,
                now,
                shared_by=None,
                live=True,
                source=ResourceSource.IMPORT,
            )
    return ImportReport(added=len(good), problems=problems)


def export_csv(session: Session, community: Community) -> str:
    """Every resource (live, waiting and retired), under the documented header."""
    rows = list(
        session.scalars(
            select(Resource).where(Resource.community_id == community.id).order_by(Resource.number)
        )
    )
    names = shared_by_names(session, rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        shared = sharer(r, names) or ""
        writer.writerow(
            [
                r.number,
                _safe_cell(r.title),
                r.url,
                r.format,
                _safe_cell(";".join(r.themes)),
                r.language,
                _safe_cell(r.description or ""),
                r.status,
                r.helpful_count,
                _safe_cell(shared),
                r.published_at.isoformat() if r.published_at else "",
            ]
        )
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a quote keeps them text."""
    return "'" + value if value[:1] in {"=", "+", "-", "@"} else value


def paging_value(query: SearchQuery, offset: int, any_term: bool) -> str:
    """What the "More" button carries (Slack allows 2,000 characters)."""
    return json.dumps({"q": to_text(query)[:1500], "o": offset, "a": any_term})
