"""Communities: found (or created on first contact) by platform and external id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.defaults import (
    DEFAULT_GROUND_RULES,
    DEFAULT_PRIVACY_NOTICE,
    DEFAULT_THEMES,
    consent_version,
)
from core.models import Community


def get_or_create(
    session: Session, platform: str, external_id: str, *, timezone: str, now: datetime
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
        return found
    community = Community(
        platform=platform,
        external_id=external_id,
        timezone=timezone,
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
    return community.ground_rules or DEFAULT_GROUND_RULES


def privacy_notice(community: Community) -> str:
    return community.privacy_notice or DEFAULT_PRIVACY_NOTICE


def current_consent_version(community: Community) -> str:
    return consent_version(ground_rules(community), privacy_notice(community))
