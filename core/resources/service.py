"""The resource library: checking, adding, reviewing and curating links, session
preparation, and what a member shared (my-data). Searching is in `searching`, the
messages the outbox sends in `notices`, CSV import and export in `csv_io`.

A facilitator's addition is live at once; a member's waits for review (facilitators get a
DM with Approve / Edit / Decline, and the member is told the outcome). One entry per link:
URLs are compared after normalising (core.urls). Retired entries are hidden, not deleted.
Services take the session (the caller owns the transaction) and an explicit `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import ui
from core.config import DEFAULT_SLASH_COMMAND, Settings
from core.defaults import LANGUAGES
from core.delivery import outbox as outbox
from core.errors import InvalidInput, UserError
from core.i18n import _, t
from core.labels import LANGUAGE_LABELS
from core.models import Community, Member
from core.resources.models import (
    FORMAT_LABELS,
    Resource,
    ResourceSearch,
    ResourceSource,
    ResourceStatus,
    ResourceVote,
    SessionResource,
)
from core.resources.notices import ask_facilitators, tell_suggester
from core.resources.search.query import fold, slug
from core.resources.urls import NotALink, check_url, url_key
from core.sessions.models import CommunitySession
from core.text import clean_text, too_long

TITLE_MAX = 200
DESCRIPTION_MAX = 500


THEMES_MAX = 5
NEWEST = 3


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
        errors["title"] = _("Please give the resource a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = too_long("title", title, TITLE_MAX)
    url = ""
    try:
        url = check_url(clean_text(draft.url, multiline=False))
    except NotALink as problem:
        errors["url"] = str(problem)
    kind = (draft.format or "").strip().lower()
    if kind not in FORMAT_LABELS:
        errors["format"] = _("Please choose reading, watching, listening or tool.")
    themes: list[str] = []
    for raw in draft.themes:
        if not raw.strip():
            continue
        theme = _match_theme(raw, community.themes)
        if theme is None:
            errors["themes"] = t(
                "“{typed}” isn't one of the community's themes: choose from {themes}.",
                typed=raw.strip()[:40],
                themes=", ".join(_(theme) for theme in community.themes),
            )
        elif theme not in themes:
            themes.append(theme)
    if len(themes) > THEMES_MAX:
        errors["themes"] = t("Please choose at most {n} themes.", n=THEMES_MAX)
    language = _language_code(draft.language)
    if language is None:
        errors["language"] = _("Please choose a language from the list (for example en, fr, ar).")
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
        return t(
            "That link has already been suggested as “{title}” and is waiting for a "
            "facilitator to review it.",
            title=found.title,
        )
    if found.status == ResourceStatus.RETIRED.value:
        return t(
            "That link was in the library as “{title}” (number {number}) and was "
            "retired; a facilitator can bring it back.",
            title=found.title,
            number=found.number,
        )
    return t(
        "That link is already in the library as “{title}” (number {number}). "
        "Search for it to mark it helpful.",
        title=found.title,
        number=found.number,
    )


def shared_by_names(session: Session, resources: Iterable[Resource]) -> dict[int, str]:
    """Display names of the members who shared these (missing: erased, shown as "a member")."""
    ids = {r.shared_by_member_id for r in resources if r.shared_by_member_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Member.id, Member.display_name).where(Member.id.in_(ids)))
    return {int(member_id): str(name) for member_id, name in rows}


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


def insert(
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
    resource = insert(session, community, details, now, shared_by=by, live=facilitator)
    if not facilitator:
        ask_facilitators(session, community, settings, resource, by, now)
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
        raise UserError(already_reviewed(resource))
    resource.status = ResourceStatus.LIVE.value
    resource.published_at = now
    resource.updated_at = now
    resource.reviewed_by_member_id = reviewer.id if reviewer else None
    session.flush()
    tell_suggester(
        session,
        resource,
        now,
        "approved",
        lambda: ui.text(
            "Your suggestion *{title}* is now in the library, thank you! Members will find it "
            "with `{command} resources`.",
            title=resource.title,
            command=command,
        ),
    )
    return resource


def decline(session: Session, resource: Resource, now: datetime) -> str:
    """Turn down a suggestion: the member is told kindly, and the entry is removed (so the
    link can be suggested again later). Returns its title."""
    if resource.status != ResourceStatus.PENDING.value:
        raise UserError(already_reviewed(resource))
    title = resource.title
    tell_suggester(
        session,
        resource,
        now,
        "declined",
        lambda: ui.text(
            "Thank you for suggesting *{title}*. A facilitator decided not to add it to the "
            "library this time; do keep sharing what helps you.",
            title=title,
        ),
    )
    session.delete(resource)
    session.flush()
    return title


def already_reviewed(resource: Resource) -> str:
    if resource.status == ResourceStatus.LIVE.value:
        return t("“{title}” has already been approved and is in the library.", title=resource.title)
    return t("“{title}” has already been reviewed.", title=resource.title)


def retire(session: Session, resource: Resource, now: datetime) -> None:
    if resource.status == ResourceStatus.RETIRED.value:
        raise UserError(t("Number {number} is already retired.", number=resource.number))
    if resource.status == ResourceStatus.PENDING.value:
        raise UserError(
            t(
                "Number {number} is a suggestion waiting for review: decline it instead.",
                number=resource.number,
            )
        )
    resource.status = ResourceStatus.RETIRED.value
    resource.updated_at = now
    session.flush()


def restore(session: Session, resource: Resource, now: datetime) -> None:
    if resource.status != ResourceStatus.RETIRED.value:
        raise UserError(
            t(
                "Number {number} isn't retired, so there's nothing to restore.",
                number=resource.number,
            )
        )
    resource.status = ResourceStatus.LIVE.value
    resource.published_at = resource.published_at or now
    resource.updated_at = now
    session.flush()


def mark_helpful(session: Session, resource: Resource, member: Member, now: datetime) -> bool:
    """Count a member's "Helpful" once. Returns False if they had already said so."""
    voted = session.get(ResourceVote, (resource.id, member.id))
    if voted is not None:
        session.refresh(resource)  # the count as it is now, not as this request first read it
        return False
    try:
        with session.begin_nested():
            session.add(ResourceVote(resource_id=resource.id, member_id=member.id, voted_at=now))
    except IntegrityError:
        # A double click racing itself: the other click's vote is in; show its count.
        session.refresh(resource)
        return False
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


def attach(session: Session, cs: CommunitySession, resource: Resource, now: datetime) -> bool:
    """Attach a resource to a session as preparation. False if it already was."""
    if resource.community_id != cs.community_id or not resource.is_live:
        raise UserError(_("Only resources in this community's library can be attached."))
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


def record_search(session: Session, community: Community, found: bool, now: datetime) -> None:
    """Count one search for the programme report: when and whether it found anything."""
    session.add(ResourceSearch(community_id=community.id, searched_at=now, found=found))
