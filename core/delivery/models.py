"""What the bot will do and has done unasked: scheduled items, the outbox, the lease.

`ScheduledItem` rows are the scheduler's source of truth (APScheduler jobs are rebuilt from
them at start); `OutboxMessage` rows are every message sent unasked, each with a unique
idempotency key, so a crash or a second scheduler never sends anything twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.models import Base, JsonType


class ItemStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    MISSED = "missed"
    CANCELLED = "cancelled"


class ScheduledItem(Base):
    __tablename__ = "scheduled_items"
    __table_args__ = (Index("ix_scheduled_items_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    # kind:reference:occurrence, e.g. "reminder:12:1440:2026-12-03T10:00" — unique, so
    # planning twice (two schedulers, a restart) never makes two items.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("community_sessions.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    )
    prompt_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("prompts.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    )
    offset_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # After due_at + grace the item is stale: recorded as missed, never sent late.
    grace_seconds: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.PENDING.value)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recipients: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    # A user id (a DM) or a channel id.
    # A person, a channel, a group DM or a private space with its members (recipients.py).
    recipient: Mapped[str] = mapped_column(String(1000))
    # Erasing a member erases the messages meant for them.
    member_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("members.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    )
    prompt_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("prompts.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    session_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("community_sessions.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sent_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SchedulerLease(Base):
    """Only the holder of an unexpired lease runs scheduled work."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
