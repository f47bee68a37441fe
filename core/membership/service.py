"""Membership: joining, profiles, leaving, roles and the facilitator's view of who is in.

Services take the session (the caller owns the transaction) and an explicit `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import communities
from core.communities import current_consent_version
from core.defaults import LANGUAGES
from core.delivery import outbox as outbox
from core.errors import InvalidInput, NotAllowed, UserError
from core.labels import CADENCE_LABELS, LANGUAGE_LABELS, ORG_SIZE_LABELS, ROLE_LEVEL_LABELS
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


def check_profile(draft: ProfileDraft, community: Community, *, joining: bool) -> Profile:
    """Validate a draft; raise InvalidInput with one sentence per field that needs fixing."""
    errors: dict[str, str] = {}
    name = clean_text(draft.display_name, multiline=False)
    if not name:
        errors["display_name"] = "Please add the name you'd like others to see."
    elif len(name) > NAME_MAX:
        errors["display_name"] = f"Please keep your name to {NAME_MAX} characters or fewer."
    pronouns = clean_text(draft.pronouns, multiline=False) or None
    if pronouns and len(pronouns) > PRONOUNS_MAX:
        errors["pronouns"] = f"Please keep pronouns to {PRONOUNS_MAX} characters or fewer."
    organisation = clean_text(draft.organisation, multiline=False)
    if not organisation:
        errors["organisation"] = (
            "Please add your organisation (or 'Independent' if you don't have one)."
        )
    elif len(organisation) > ORGANISATION_MAX:
        errors["organisation"] = (
            f"Please keep the organisation to {ORGANISATION_MAX} characters or fewer."
        )
    if draft.org_size not in {s.value for s in OrgSize}:
        errors["org_size"] = "Please choose your organisation's size."
    if draft.role_level not in {r.value for r in RoleLevel}:
        errors["role_level"] = "Please choose the level of your role."
    unknown_themes = [t for t in draft.themes if t not in community.themes]
    if unknown_themes:
        errors["themes"] = "Please choose themes from the list."
    languages = list(dict.fromkeys(draft.languages))
    if not languages:
        errors["languages"] = "Please choose at least one language you're happy to talk in."
    elif any(code not in LANGUAGE_CODES for code in languages):
        errors["languages"] = "Please choose languages from the list."
    timezone = (draft.timezone or "").strip()
    try:
        if not timezone:
            raise ZoneInfoNotFoundError
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        errors["timezone"] = "Please choose your timezone from the list."
    if draft.pairing_cadence not in {c.value for c in PairingCadence}:
        errors["pairing_cadence"] = "Please choose how often you'd like a peer-coaching partner."
    if joining and not draft.agreed:
        errors["agreed"] = (
            "To join, please tick that you agree to the ground rules and privacy notice."
        )
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
    )


def find(session: Session, community: Community, platform_user_id: str) -> Member | None:
    return session.scalars(
        select(Member).where(
            Member.community_id == community.id, Member.platform_user_id == platform_user_id
        )
    ).first()


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
            "They haven't joined yet: ask them to type the join command first, then try again."
        )
    if role is Role.MEMBER and target_user_id in configured_facilitators:
        raise NotAllowed(
            "They are a facilitator through the CATALYST_FACILITATORS setting; whoever runs "
            "Catalyst can remove them there."
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
        "organisation_size": ORG_SIZE_LABELS.get(member.org_size, member.org_size),
        "role_level": ROLE_LEVEL_LABELS.get(member.role_level, member.role_level),
        "themes": list(member.themes),
        "languages": [LANGUAGE_LABELS.get(code, code) for code in member.languages],
        "timezone": member.timezone,
        "peer_coaching": CADENCE_LABELS.get(member.pairing_cadence, member.pairing_cadence),
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
