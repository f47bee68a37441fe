"""The outbox: every message Catalyst sends unasked, written first, sent after.

A row's `key` says what, for whom and which occurrence ("reminder:12:1440:...:U0AMINA"); it is
unique, so enqueuing twice (a restart, a second scheduler) stores one row. Sending happens in
`scheduler.delivery`, which claims rows here, hands them to a platform `Sender`, and records
the outcome: sent (with the platform's message id, which is how threads are tracked), retry
later (rate limits, blips), failed (user gone, channel archived) or missed (too late to help).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import ui
from core.delivery.models import OutboxMessage, OutboxStatus
from core.models import Community
from core.ui_codec import message_to_json

MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(seconds=90)


@dataclass(frozen=True)
class Outgoing:
    key: str
    kind: str
    recipient: str
    message: ui.Message
    due_at: datetime
    expires_at: datetime | None = None
    member_id: int | None = None
    prompt_id: int | None = None
    session_id: int | None = None
    thread_ts: str | None = None


def enqueue(session: Session, community_id: int, items: Iterable[Outgoing], now: datetime) -> int:
    """Store messages to send; rows whose key already exists are left alone. Returns new rows."""
    rows = [
        {
            "community_id": community_id,
            "key": item.key[:200],
            "kind": item.kind,
            "recipient": item.recipient,
            "member_id": item.member_id,
            "prompt_id": item.prompt_id,
            "session_id": item.session_id,
            "payload": message_to_json(item.message),
            "thread_ts": item.thread_ts,
            "due_at": item.due_at,
            "expires_at": item.expires_at,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": item.due_at,
            "created_at": now,
        }
        for item in items
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    # A list of rows runs as SQLAlchemy's batched "insertmanyvalues": one cached statement,
    # a few round trips, rather than compiling one huge VALUES list per call.
    return len(session.execute(statement, rows).all())


@dataclass(frozen=True)
class Claim:
    """A row handed to a sender. `uncertain`: an earlier attempt may have been delivered
    (the process stopped between sending and recording), so check before sending again."""

    id: int
    key: str
    kind: str
    recipient: str
    payload: dict[str, Any]
    thread_ts: str | None
    attempts: int
    uncertain: bool
    claimed_at: datetime
    previous_claim_at: datetime | None
    wants_permalink: bool


def claim_due(
    session: Session, now: datetime, worker: str, limit: int = 100, platform: str | None = None
) -> list[Claim]:
    """Claim up to `limit` rows that are due, oldest first; expired ones become missed.

    With `platform`, only rows of that platform's communities: each platform's scheduler
    sends its own messages (the console never takes a Slack member's reminder)."""
    stale = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.expires_at.is_not(None),
            OutboxMessage.expires_at < now,
        )
        .values(status=OutboxStatus.MISSED.value, last_error="too late to be useful")
    )
    del stale
    query = select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.claimed_at)
    if platform is not None:
        query = query.join(Community, Community.id == OutboxMessage.community_id).where(
            Community.platform == platform
        )
    candidates = session.execute(
        query.where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING.value)
                & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == OutboxStatus.SENDING.value)
                & (OutboxMessage.claimed_until < now),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    claims: list[Claim] = []
    for row_id, status, previous_claim in candidates:
        won = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                or_(
                    OutboxMessage.status == OutboxStatus.PENDING.value,
                    (OutboxMessage.status == OutboxStatus.SENDING.value)
                    & (OutboxMessage.claimed_until < now),
                ),
            )
            .values(
                status=OutboxStatus.SENDING.value,
                claimed_at=now,
                claimed_until=now + CLAIM_FOR,
                claimed_by=worker[:100],
            )
            .returning(
                OutboxMessage.key,
                OutboxMessage.kind,
                OutboxMessage.recipient,
                OutboxMessage.payload,
                OutboxMessage.thread_ts,
                OutboxMessage.attempts,
            )
        ).first()
        if won is None:
            continue  # another worker got it first
        key, kind, recipient, payload, thread_ts, attempts = won
        claims.append(
            Claim(
                id=row_id,
                key=key,
                kind=kind,
                recipient=recipient,
                payload=payload,
                thread_ts=thread_ts,
                attempts=attempts,
                uncertain=status == OutboxStatus.SENDING.value,
                claimed_at=now,
                previous_claim_at=previous_claim,
                wants_permalink=kind == "prompt_post",
            )
        )
    return claims


def reclaim_from(session: Session, holder: str, now: datetime) -> int:
    """Rows another worker claimed, made claimable now. Called by a scheduler that has just
    taken over an expired lease: the old holder is gone, so its claims needn't run out.
    They come back as uncertain, so each is looked up on the platform before any resend."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING.value,
            OutboxMessage.claimed_by != holder,
            OutboxMessage.claimed_until >= now,
        )
        .values(claimed_until=now - timedelta(seconds=1))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(
    session: Session,
    outbox_id: int,
    now: datetime,
    *,
    channel: str,
    ts: str,
    permalink: str | None = None,
) -> OutboxMessage | None:
    """Record where a message landed; the row, for the capability that sent it to act on
    (`Capability.message_sent`), or None if it was erased meanwhile."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None:  # erased meanwhile (forget-me): nothing to record
        return None
    row.status = OutboxStatus.SENT.value
    row.sent_at = now
    row.sent_channel = channel
    row.sent_ts = ts
    row.claimed_until = None
    row.last_error = None
    session.flush()
    return row


def release(session: Session, outbox_id: int, not_before: datetime) -> None:
    """Give a claimed row back untried (pacing): no attempt is counted."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.SENDING.value)
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=not_before, claimed_until=None)
    )


def retry_later(
    session: Session, outbox_id: int, now: datetime, delay: timedelta, error: str
) -> None:
    """A transient failure: try again after `delay`, or give up after MAX_ATTEMPTS."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error[:200]
    row.claimed_until = None
    if row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED.value
    else:
        row.status = OutboxStatus.PENDING.value
        row.next_attempt_at = now + delay
    session.flush()


def mark_failed(session: Session, outbox_id: int, reason: str) -> None:
    """A permanent failure (user gone, channel archived): recorded for facilitators."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        return
    row.status = OutboxStatus.FAILED.value
    row.attempts += 1
    row.last_error = reason[:200]
    row.claimed_until = None
    session.flush()


def cancel_pending(
    session: Session,
    *,
    session_id: int | None = None,
    member_id: int | None = None,
    kinds: Sequence[str] | None = None,
) -> int:
    """Cancel messages not yet sent, for a cancelled session or a member who left (only
    those of `kinds` when given: a pause stops what is optional)."""
    conditions = [OutboxMessage.status == OutboxStatus.PENDING.value]
    if kinds is not None:
        conditions.append(OutboxMessage.kind.in_(list(kinds)))
    if session_id is not None:
        conditions.append(OutboxMessage.session_id == session_id)
    if member_id is not None:
        conditions.append(OutboxMessage.member_id == member_id)
    if len(conditions) == 1:
        raise ValueError("cancel_pending needs a session or a member")
    result = session.execute(
        update(OutboxMessage).where(*conditions).values(status=OutboxStatus.CANCELLED.value)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# ---- the platform port ------------------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    channel: str
    ts: str
    permalink: str | None = None


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after:.0f}s")
        self.retry_after = retry_after


class TransientFailure(Exception):
    """Worth trying again later (server error, connection problem)."""


class PermanentFailure(Exception):
    """Will never work (user deactivated, channel archived); `str()` is the reason."""


class Sender(Protocol):
    """What the delivery loop needs from a chat platform."""

    def send(
        self,
        recipient: str,
        message: ui.Message,
        *,
        key: str,
        thread_ts: str | None = None,
        want_permalink: bool = False,
    ) -> Delivered: ...

    def find_sent(
        self, recipient: str, key: str, since: datetime, thread_ts: str | None = None
    ) -> Delivered | None:
        """A message with this outbox key sent to `recipient` since `since`, if any."""
        ...
