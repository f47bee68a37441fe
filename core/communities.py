"""Communities: found (or created on first contact) by platform and external id."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.defaults import (
    DEFAULT_GROUND_RULES,
    DEFAULT_PRIVACY_NOTICE,
    DEFAULT_THEMES,
    consent_version,
)
from core.errors import UserError
from core.hours import parse_window
from core.i18n import _, number, t
from core.models import Community, Member, MemberStatus
from core.offsets import OffsetError, describe_all, parse_offsets


def get_or_create(
    session: Session,
    platform: str,
    external_id: str,
    *,
    timezone: str,
    now: datetime,
    language: str | None = None,
) -> Community:
    """The community for a workspace; created with defaults the first time anyone speaks.

    Two first requests can race (Slack sends the home-opened event and a command at once):
    a savepoint lets the loser read the winner's row instead of failing.
    """
    found = session.scalars(
        select(Community).where(
            Community.platform == platform, Community.external_id == external_id
        )
    ).first()
    if found is not None:
        # CATALYST_LANGUAGE is the source of truth; the row carries it to scheduled jobs,
        # which have no settings. Written only when someone changed it.
        if language is not None and found.language != language:
            found.language = language
        return found
    community = Community(
        platform=platform,
        external_id=external_id,
        timezone=timezone,
        language=language or "en",
        themes=list(DEFAULT_THEMES),
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(community)
    except IntegrityError:
        return session.scalars(
            select(Community).where(
                Community.platform == platform, Community.external_id == external_id
            )
        ).one()
    return community


def ground_rules(community: Community) -> str:
    """The community's ground rules to show: its own words, or ours in the reader's language."""
    return community.ground_rules or _(DEFAULT_GROUND_RULES)


def privacy_notice(community: Community) -> str:
    """The privacy notice to show: the community's own, or ours in the reader's language."""
    return community.privacy_notice or _(DEFAULT_PRIVACY_NOTICE)


def current_consent_version(community: Community) -> str:
    # Fingerprinted from the English default, so agreeing in any language is the same version.
    return consent_version(
        community.ground_rules or DEFAULT_GROUND_RULES,
        community.privacy_notice or DEFAULT_PRIVACY_NOTICE,
    )


CALENDAR_TOKEN_BYTES = 24
TEXT_LIMIT = 20_000


def update_settings(
    session: Session,
    community: Community,
    *,
    timezone: str | None = None,
    channel: str | None = None,
    reminder_offsets: str | None = None,
    ground_rules: str | None = None,
    privacy_notice: str | None = None,
    delivery_hours: str | None = None,
) -> list[str]:
    """Change what an operator may set; returns what changed, in words. Checks everything
    first, so a bad value changes nothing."""
    changes: dict[str, str | None] = {}
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise UserError(
                t(
                    "'{timezone}' isn't a timezone name: use one like Europe/London.",
                    timezone=timezone,
                )
            ) from None
        changes["timezone"] = timezone
    if channel is not None:
        if channel and not re.fullmatch(r"[CG][A-Z0-9]{2,}", channel):
            raise UserError(_("The channel should be a Slack channel ID like C0123456789."))
        changes["channel_id"] = channel or None
    if reminder_offsets is not None:
        try:
            offsets = describe_all(parse_offsets(reminder_offsets)) if reminder_offsets else None
        except OffsetError as problem:
            raise UserError(str(problem)) from None
        changes["reminder_offsets"] = offsets
    if delivery_hours is not None:
        if delivery_hours.strip() and parse_window(delivery_hours) is None:
            raise UserError(
                _("Delivery hours should be a window like 08:00-20:00, the start before the end.")
            )
        changes["delivery_hours"] = delivery_hours.strip() or None
    for name, value in (("ground_rules", ground_rules), ("privacy_notice", privacy_notice)):
        if value is not None:
            if len(value) > TEXT_LIMIT:
                raise UserError(
                    t(
                        "That text is too long: keep it under {limit} characters.",
                        limit=number(TEXT_LIMIT),
                    )
                )
            changes[name] = value.strip() or None  # empty: back to the default text
    said = []
    for name, value in changes.items():
        setattr(community, name, value)
        said.append(f"{name.replace('_', ' ')}: {'default' if value is None else value[:60]}")
    session.flush()
    return said


def calendar_token(session: Session, community: Community) -> str:
    """The unguessable part of the community's calendar feed URL (made on first use)."""
    if community.ical_token is None:
        community.ical_token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
        session.flush()
    return community.ical_token


def by_calendar_token(session: Session, token: str) -> Community | None:
    if not token or len(token) > 64:
        return None
    return session.scalars(select(Community).where(Community.ical_token == token)).first()


def active_count(session: Session, community_id: int) -> int:
    """How many members are active (joined and not left) in a community."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Member)
            .where(Member.community_id == community_id, Member.status == MemberStatus.ACTIVE.value)
        )
        or 0
    )
