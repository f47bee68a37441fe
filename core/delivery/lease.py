"""A database lease: only one scheduler in a deployment does scheduled work at a time.

A second scheduler started by mistake finds the lease held and stays idle until the holder
stops renewing it (crashed or stopped), then takes over. The outbox keys are the second
line of defence: even two holders could not send the same message twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.delivery.models import SchedulerLease

LEASE_FOR = timedelta(seconds=30)


def acquire(
    session: Session, name: str, holder: str, now: datetime, ttl: timedelta = LEASE_FOR
) -> bool:
    """Take or renew the lease; False while someone else holds an unexpired one."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(SchedulerLease)
        .values(name=name, holder=holder, expires_at=now + ttl)
        .on_conflict_do_nothing()
    )
    won = session.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now),
        )
        .values(holder=holder, expires_at=now + ttl)
        .returning(SchedulerLease.name)
    ).first()
    return won is not None


def release(session: Session, name: str, holder: str, now: datetime) -> None:
    """Hand the lease back at a clean stop, so a replacement needn't wait for expiry."""
    session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=now - timedelta(seconds=1))
    )
