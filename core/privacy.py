"""Subject access (`my-data`) and erasure (`forget-me`), as UK GDPR expects.

Each capability that stores personal data adds a collector to `COLLECTORS` (what it holds
about a member, as plain JSON-ready values). Erasure deletes the member row; the database's
foreign keys (`ON DELETE CASCADE`, or `SET NULL` where shared content should stay,
attributed to "a member") take everything that hangs off it, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from core.communities import current_consent_version
from core.delivery.models import OutboxMessage
from core.labels import CADENCE_LABELS, LANGUAGE_LABELS, ORG_SIZE_LABELS, ROLE_LEVEL_LABELS
from core.models import Member, MembershipEvent, MembershipEventKind
from core.pairing import jobs as pairing_jobs
from core.pairing import service as pairing
from core.reflections import service as reflections
from core.resources import service as resources
from core.sessions import service as sessions

Collector = Callable[[Session, Member], dict[str, Any]]


def _profile(_session: Session, member: Member) -> dict[str, Any]:
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


# Later capabilities append their collectors here (sessions, reflections, pairings, ...).
COLLECTORS: dict[str, Collector] = {
    "profile": _profile,
    "reflections": reflections.personal_data,
    "sessions": sessions.personal_data,
    "peer_coaching": pairing.personal_data,
    "resources": resources.personal_data,
}


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    """Everything Catalyst holds about one member, section by section."""
    return {section: collect(session, member) for section, collect in COLLECTORS.items()}


def forget(session: Session, member: Member, now: datetime) -> None:
    """Erase the member and what hangs off them; keep one anonymous count."""
    pairing_jobs.partner_gone(session, member, now)  # a partner mid-round hears now
    session.add(
        MembershipEvent(
            community_id=member.community_id,
            kind=MembershipEventKind.FORGOTTEN,
            occurred_at=now,
        )
    )
    # Group messages (a pair's introduction) name several people and belong to none of them
    # by foreign key: remove the ones that include this person by hand.
    user = member.platform_user_id
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.community_id == member.community_id,
            or_(
                OutboxMessage.recipient == user,
                OutboxMessage.recipient.startswith(f"{user},", autoescape=True),
                OutboxMessage.recipient.endswith(f",{user}", autoescape=True),
                OutboxMessage.recipient.contains(f",{user},", autoescape=True),
            ),
        )
    )
    session.delete(member)
    session.flush()
