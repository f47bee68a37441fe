"""Membership: joining, profiles, leaving, roles and the facilitator's view of who is in.

Services take the session (the caller owns the transaction) and an explicit `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import communities, i18n
from core.communities import current_consent_version
from core.defaults import LANGUAGES
from core.delivery import outbox as outbox
from core.errors import InvalidInput, NotAllowed, UserError
from core.i18n import _, t
from core.labels import (
    CADENCE_LABELS,
    LANGUAGE_LABELS,
    ORG_SIZE_LABELS,
    ROLE_LEVEL_LABELS,
    shown,
)
from core.models import (
    Community,
    Member,
    MembershipEvent,
    MembershipEventKind,
    MemberStatus,
    OrgSize,
    PairingCadence,
    Role,
    RoleLevel,
)
from core.text import clean_text

NAME_MAX = 80
PRONOUNS_MAX = 40
ORGANISATION_MAX = 120
LANGUAGE_CODES = frozenset(code for code, _ in LANGUAGES)


@dataclass(frozen=True)
class ProfileDraft:
    """What a person typed, before checking. Field names match the join form's."""

    display_name: str | None
    pronouns: str | None
    organisation: str | None
    org_size: str | None
    role_level: str | None
    themes: Sequence[str]
    languages: Sequence[str]
    timezone: str | None
    pairing_cadence: str | None
    lived_experience_match: bool
    agreed: bool
    # The language Catalyst writes to them in; None (not asked) leaves it as it was.
    language: str | None = None


@dataclass(frozen=True)
class Profile:
    display_name: str
    pronouns: str | None
    organisation: str
    org_size: OrgSize
    role_level: RoleLevel
    themes: tuple[str, ...]
    languages: tuple[str, ...]
    timezone: str
    pairing_cadence: PairingCadence
    lived_experience_match: bool
    language: str | None = None


def available_languages() -> str:
    """The languages Catalyst speaks, each by its own name with its code:
    "English (`en`), Français (`fr`) and العربية (`ar`)"."""
    return i18n.and_list(
        [
            t("{language} (`{code}`)", language=i18n.name_of(code), code=code)
            for code in i18n.available()
        ]
    )


def language_problem() -> str:
    return t(
        "Please choose one of the languages Catalyst speaks: {languages}.",
        languages=available_languages(),
    )


def check_language(code: str | None) -> str:
    """An available language code for what was chosen or typed (`fr`, `FR`, `fr-FR`);
    InvalidInput naming the available ones otherwise."""
    found = i18n.normalise(code)
    if found is None:
        raise InvalidInput({"language": language_problem()})
    return found


def check_profile(draft: ProfileDraft, community: Community, *, joining: bool) -> Profile:
    """Validate a draft; raise InvalidInput with one sentence per field that needs fixing."""
    errors: dict[str, str] = {}
    name = clean_text(draft.display_name, multiline=False)
    if not name:
        errors["display_name"] = t("Please add the name you'd like others to see.")
    elif len(name) > NAME_MAX:
        errors["display_name"] = t(
            "Please keep your name to {limit} characters or fewer.", limit=NAME_MAX
        )
    pronouns = clean_text(draft.pronouns, multiline=False) or None
    if pronouns and len(pronouns) > PRONOUNS_MAX:
        errors["pronouns"] = t(
            "Please keep pronouns to {limit} characters or fewer.", limit=PRONOUNS_MAX
        )
    organisation = clean_text(draft.organisation, multiline=False)
    if not organisation:
        errors["organisation"] = t(
            "Please add your organisation (or 'Independent' if you don't have one)."
        )
    elif len(organisation) > ORGANISATION_MAX:
        errors["organisation"] = t(
            "Please keep the organisation to {limit} characters or fewer.",
            limit=ORGANISATION_MAX,
        )
    if draft.org_size not in {s.value for s in OrgSize}:
        errors["org_size"] = t("Please choose your organisation's size.")
    if draft.role_level not in {r.value for r in RoleLevel}:
        errors["role_level"] = t("Please choose the level of your role.")
    unknown_themes = [t for t in draft.themes if t not in community.themes]
    if unknown_themes:
        errors["themes"] = t("Please choose themes from the list.")
    languages = list(dict.fromkeys(draft.languages))
    if not languages:
        errors["languages"] = t("Please choose at least one language you're happy to talk in.")
    elif any(code not in LANGUAGE_CODES for code in languages):
        errors["languages"] = t("Please choose languages from the list.")
    timezone = (draft.timezone or "").strip()
    try:
        if not timezone:
            raise ZoneInfoNotFoundError
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        errors["timezone"] = t("Please choose your timezone from the list.")
    if draft.pairing_cadence not in {c.value for c in PairingCadence}:
        errors["pairing_cadence"] = t("Please choose how often you'd like a peer-coaching partner.")
    if joining and not draft.agreed:
        errors["agreed"] = t(
            "To join, please tick that you agree to the ground rules and privacy notice."
        )
    language = (draft.language or "").strip() or None
    if language is not None:
        language = i18n.normalise(language)
        if language is None:
            errors["language"] = language_problem()
    if errors or not (draft.org_size and draft.role_level and draft.pairing_cadence):
        raise InvalidInput(errors)
    return Profile(
        display_name=name,
        pronouns=pronouns,
        organisation=organisation,
        org_size=OrgSize(draft.org_size),
        role_level=RoleLevel(draft.role_level),
        themes=tuple(t for t in community.themes if t in set(draft.themes)),
        languages=tuple(languages),
        timezone=timezone,
        pairing_cadence=PairingCadence(draft.pairing_cadence),
        lived_experience_match=draft.lived_experience_match,
        language=language,
    )


def find(session: Session, community: Community, platform_user_id: str) -> Member | None:
    return session.scalars(
        select(Member).where(
            Member.community_id == community.id, Member.platform_user_id == platform_user_id
        )
    ).first()


SEEN_EVERY = timedelta(hours=1)


def seen(member: Member, now: datetime) -> None:
    """Note that the member did something with Catalyst (for "not heard from in N weeks").

    At most once an hour: the audience counts weeks, and a write per click would make every
    read-only request a write."""
    if member.last_seen_at is None or now - member.last_seen_at >= SEEN_EVERY:
        member.last_seen_at = now


def _apply(member: Member, profile: Profile) -> None:
    member.display_name = profile.display_name
    member.pronouns = profile.pronouns
    member.organisation = profile.organisation
    member.org_size = profile.org_size.value
    member.role_level = profile.role_level.value
    member.themes = list(profile.themes)
    member.languages = list(profile.languages)
    member.timezone = profile.timezone
    member.pairing_cadence = profile.pairing_cadence.value
    member.lived_experience_match = profile.lived_experience_match
    if profile.language is not None:
        member.language = profile.language


def join(
    session: Session,
    community: Community,
    platform_user_id: str,
    profile: Profile,
    now: datetime,
) -> tuple[Member, bool]:
    """Add (or welcome back) a member with their consent; returns (member, was_new).

    An active member submitting the join form again just updates their profile.
    """
    member = find(session, community, platform_user_id)
    version = current_consent_version(community)
    if member is None:
        member = Member(
            community_id=community.id,
            platform_user_id=platform_user_id,
            role=Role.MEMBER.value,
            status=MemberStatus.ACTIVE.value,
            consent_at=now,
            consent_version=version,
            joined_at=now,
            updated_at=now,
            last_seen_at=now,
        )
        _apply(member, profile)
        session.add(member)
        session.add(
            MembershipEvent(
                community_id=community.id, kind=MembershipEventKind.JOINED, occurred_at=now
            )
        )
        session.flush()
        return member, True
    rejoining = not member.is_active
    _apply(member, profile)
    member.status = MemberStatus.ACTIVE.value
    member.left_at = None
    member.consent_at = now
    member.consent_version = version
    member.updated_at = now
    if rejoining:
        session.add(
            MembershipEvent(
                community_id=community.id, kind=MembershipEventKind.REJOINED, occurred_at=now
            )
        )
    session.flush()
    return member, rejoining


def update_profile(session: Session, member: Member, profile: Profile, now: datetime) -> None:
    _apply(member, profile)
    member.updated_at = now
    session.flush()


def set_language(session: Session, member: Member, code: str | None, now: datetime) -> str:
    """Write to the member in `code` from now on; returns the language code stored."""
    language = check_language(code)
    member.language = language
    member.updated_at = now
    session.flush()
    return language


def leave(session: Session, member: Member, now: datetime) -> bool:
    """Stop all activity for the member; False if they had already left.

    Callers use `core.capabilities.leave`, which lets every capability act first (a
    peer-coaching partner left alone hears at once), then calls this.

    Later capabilities (pairing, sets, reminders) select only active members, so changing the
    status is what stops them; the profile stays so coming back is one click.
    """
    if not member.is_active:
        return False
    member.status = MemberStatus.LEFT.value
    member.left_at = now
    member.updated_at = now
    outbox.cancel_pending(session, member_id=member.id)  # nothing queued reaches them now
    session.add(
        MembershipEvent(
            community_id=member.community_id, kind=MembershipEventKind.LEFT, occurred_at=now
        )
    )
    session.flush()
    return True


def set_role(
    session: Session,
    community: Community,
    target_user_id: str,
    role: Role,
    now: datetime,
    *,
    configured_facilitators: frozenset[str],
) -> Member:
    """Grant or revoke the facilitator role; the person must have joined first."""
    member = find(session, community, target_user_id)
    if member is None or not member.is_active:
        raise UserError(
            t("They haven't joined yet: ask them to type the join command first, then try again.")
        )
    if role is Role.MEMBER and target_user_id in configured_facilitators:
        raise NotAllowed(
            t(
                "They are a facilitator through the CATALYST_FACILITATORS setting; whoever "
                "runs Catalyst can remove them there."
            )
        )
    member.role = role.value
    member.updated_at = now
    session.flush()
    return member


@dataclass(frozen=True)
class MemberPage:
    members: list[Member]
    total: int
    offset: int


def named(session: Session, community: Community, name: str) -> list[Member]:
    """Active members a typed name points to: the whole display name, or its first word.

    For platforms whose mentions are typed by hand (the console); Slack and Discord send
    ids. Compared case-insensitively, with dashes read as spaces (`@Amina-Yusuf`).
    """
    wanted = " ".join(name.replace("-", " ").split()).casefold()
    if not wanted:
        return []
    found = session.scalars(
        select(Member).where(Member.community_id == community.id, Member.left_at.is_(None))
    ).all()
    whole = [m for m in found if m.display_name.casefold() == wanted]
    if whole:
        return whole
    return [m for m in found if m.display_name.casefold().split()[:1] == [wanted]]


def list_active(
    session: Session, community: Community, *, offset: int = 0, limit: int = 20
) -> MemberPage:
    """Active members by name, a page at a time (a long list is unreadable on a phone)."""
    where = (Member.community_id == community.id, Member.status == MemberStatus.ACTIVE.value)
    total = session.scalar(select(func.count()).select_from(Member).where(*where)) or 0
    members = list(
        session.scalars(
            select(Member)
            .where(*where)
            .order_by(func.lower(Member.display_name), Member.id)
            .offset(offset)
            .limit(limit)
        )
    )
    return MemberPage(members=members, total=total, offset=offset)


@dataclass(frozen=True)
class CommunityNumbers:
    active_members: int
    facilitators: int
    joins_this_month: int
    leaves_this_month: int


def numbers(
    session: Session,
    community: Community,
    now: datetime,
    configured_facilitators: frozenset[str] = frozenset(),
) -> CommunityNumbers:
    """Counts for the facilitator's home page; 'this month' is in the community's timezone."""
    local = now.astimezone(ZoneInfo(community.timezone))
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    active = (Member.community_id == community.id, Member.status == MemberStatus.ACTIVE.value)

    def count_events(*kinds: MembershipEventKind) -> int:
        return (
            session.scalar(
                select(func.count())
                .select_from(MembershipEvent)
                .where(
                    MembershipEvent.community_id == community.id,
                    MembershipEvent.kind.in_([k.value for k in kinds]),
                    MembershipEvent.occurred_at >= month_start,
                )
            )
            or 0
        )

    return CommunityNumbers(
        active_members=communities.active_count(session, community.id),
        facilitators=session.scalar(
            select(func.count())
            .select_from(Member)
            .where(
                *active,
                or_(
                    Member.role == Role.FACILITATOR.value,
                    Member.platform_user_id.in_(configured_facilitators),
                ),
            )
        )
        or 0,
        joins_this_month=count_events(MembershipEventKind.JOINED, MembershipEventKind.REJOINED),
        leaves_this_month=count_events(MembershipEventKind.LEFT, MembershipEventKind.FORGOTTEN),
    )


def personal_data(_session: Session, member: Member) -> dict[str, Any]:
    """The profile, as `my-data` shows it (labels, not stored codes)."""
    return {
        "display_name": member.display_name,
        "pronouns": member.pronouns,
        "organisation": member.organisation,
        "organisation_size": shown(ORG_SIZE_LABELS, member.org_size),
        "role_level": shown(ROLE_LEVEL_LABELS, member.role_level),
        "themes": [_(theme) for theme in member.themes],
        "languages": [shown(LANGUAGE_LABELS, code) for code in member.languages],
        # The language Catalyst writes to them in (their choice, else the community's).
        "language": i18n.name_of(member.speaks),
        "language_code": member.speaks,
        "language_chosen_by_member": member.language is not None,
        "timezone": member.timezone,
        "peer_coaching": shown(CADENCE_LABELS, member.pairing_cadence),
        "private_lived_experience_matching_preference": member.lived_experience_match,
        "role": member.role,
        "status": member.status,
        "platform_user_id": member.platform_user_id,
        "joined_at": member.joined_at.isoformat(),
        "consent_given_at": member.consent_at.isoformat(),
        "consent_version": member.consent_version,
        "consent_version_is_current": member.consent_version
        == current_consent_version(member.community),
        "profile_updated_at": member.updated_at.isoformat(),
        "left_at": member.left_at.isoformat() if member.left_at else None,
    }
