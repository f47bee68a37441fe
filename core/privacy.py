"""Subject access (`my-data`) and erasure (`forget-me`), as UK GDPR expects.

Each capability that stores personal data says what it holds about a member, as plain
JSON-ready values (`Capability.personal_data`, gathered by `core.capabilities`). Erasure
deletes the member row; the database's foreign keys (`ON DELETE CASCADE`, or `SET NULL`
where shared content should stay, attributed to "a member") take everything that hangs off
it, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from core import capabilities
from core.delivery import recipients
from core.delivery.models import OutboxMessage
from core.models import Member, MembershipEvent, MembershipEventKind


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    """Everything Catalyst holds about one member, a section per capability."""
    return capabilities.personal_data(session, member)


def forget(session: Session, member: Member, now: datetime) -> None:
    """Erase the member and what hangs off them; keep one anonymous count."""
    capabilities.member_leaving(session, member, now)  # e.g. a partner mid-round hears now
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
    # A set's private space names its members in its recipient (`space:<name>:U1,U2`): the
    # message still belongs to the set, so this person is taken out of it, not the message.
    spaces = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.community_id == member.community_id,
            OutboxMessage.recipient.startswith(f"{recipients.SPACE}:", autoescape=True),
            OutboxMessage.recipient.contains(user, autoescape=True),
        )
    )
    for row in spaces:
        space = recipients.parse(row.recipient)
        if isinstance(space, recipients.PrivateSpace) and user in space.user_ids:
            others = [u for u in space.user_ids if u != user]
            row.recipient = recipients.private_space(space.name, others)
    session.delete(member)
    session.flush()
