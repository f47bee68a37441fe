"""Who facilitates a community: members given the role, and members named in the
deployment's CATALYST_FACILITATORS.

The setting is read, never stored (taking a name off the list takes the role away). Requests
carry it in their context; work without a request (the scheduler's jobs: "Who came?" after a
session, the newsletter's draft) learns it from `named_in_settings`, set where the settings
are known, so someone facilitating only through the setting is not forgotten there.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.models import Member, MemberStatus, Role

_NAMED: ContextVar[frozenset[str]] = ContextVar("named_facilitators", default=frozenset())


@contextmanager
def named_in_settings(user_ids: Collection[str]) -> Iterator[None]:
    """The platform user ids CATALYST_FACILITATORS names, for the work inside."""
    token = _NAMED.set(frozenset(user_ids))
    try:
        yield
    finally:
        _NAMED.reset(token)


def facilitators(session: Session, community_id: int) -> list[Member]:
    """The community's active members who facilitate, by the role or by the setting."""
    named = _NAMED.get()
    facilitating = Member.role == Role.FACILITATOR.value
    if named:
        facilitating = or_(facilitating, Member.platform_user_id.in_(sorted(named)))
    return list(
        session.scalars(
            select(Member)
            .where(
                Member.community_id == community_id,
                Member.status == MemberStatus.ACTIVE.value,
                facilitating,
            )
            .order_by(Member.id)
        )
    )
