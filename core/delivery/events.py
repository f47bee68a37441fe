"""Deduplication of platform events, so a retried delivery is handled once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import ProcessedEvent

KEEP_FOR = timedelta(days=3)  # Slack retries for minutes; three days is generous.


def first_delivery(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """Record `event_id`; True the first time it is seen, False for any retry."""
    values = {"platform": platform, "event_id": event_id[:128], "received_at": now}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedEvent)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(ProcessedEvent.event_id)  # rowcount is -1 here on PostgreSQL
    )
    return session.execute(statement).first() is not None


def prune(session: Session, now: datetime) -> int:
    """Forget event ids older than KEEP_FOR; returns how many were removed."""
    result = session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP_FOR)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
