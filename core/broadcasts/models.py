"""A broadcast and its runs.

A `Broadcast` is what a facilitator wrote and chose: the message, who it is for (a list of
audience codes, see audiences.py), the way (a post in the community channel, or a DM to each
person) and when (once, or weekly or monthly at a wall-clock time until a date). Each time it
goes out is a `BroadcastRun`: the audience is worked out at that moment (who missed a session
can change), counted, and handed to the outbox, one row per person, keyed
`broadcast:<id>:<run>:…`, which is also how the delivery report finds them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.models import Base, JsonType


class BroadcastItemKind(StrEnum):
    RUN = "broadcast"  # untranslated: a scheduled-item kind
    CHECK = "broadcast_check"  # untranslated: a scheduled-item kind


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # written, previewed, not confirmed: nothing will go
    SCHEDULED = "scheduled"  # confirmed: its runs are planned
    DONE = "done"  # its last run has gone out
    CANCELLED = "cancelled"


class Way(StrEnum):
    CHANNEL = "channel"
    DM = "dm"


class Repeat(StrEnum):
    ONCE = "once"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class RunStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"  # every message has been delivered or has failed for good
    CANCELLED = "cancelled"


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    # Who wrote it, and gets its delivery report; None once they erased their data.
    created_by_member_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
    )
    body: Mapped[str] = mapped_column(Text)
    asks_question: Mapped[bool] = mapped_column(Boolean, default=False)
    # Audience codes, e.g. ["missed:12", "size:under_10k"]; ["everyone"] for everyone.
    audience: Mapped[list[str]] = mapped_column(JsonType)
    way: Mapped[str] = mapped_column(String(16))
    # Where a channel post goes, and the hours DMs may arrive: decided when it is written
    # (the community's setting, else the deployment's), so the scheduler needs no settings.
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    delivery_hours: Mapped[str] = mapped_column(String(11))
    # People named in CATALYST_FACILITATORS when it was written: "facilitators" includes
    # them (their role is read from the setting, never stored on their member row).
    config_facilitators: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # The language of a channel post's framing and of its thread; None: the community's.
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    notify_channel: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    repeat: Mapped[str] = mapped_column(String(16), default=Repeat.ONCE.value)
    # The last day a repeat may go out, as an instant: the end of that day in the
    # community's timezone. None for a one-off.
    repeat_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.DRAFT.value)
    # How many times a sent channel post has been corrected (each correction is one
    # outbox row, keyed by this number).
    edits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class BroadcastRun(Base):
    """One time a broadcast went out (a one-off has one; a weekly one, one a week)."""

    __tablename__ = "broadcast_runs"
    __table_args__ = (UniqueConstraint("broadcast_id", "occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("broadcasts.id", ondelete="CASCADE"),
        index=True,
    )
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime())
    # The question members reflect on, when the broadcast asks one (a prompt of its own, so
    # thread replies and the reflect form work as for every prompt).
    prompt_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("prompts.id", ondelete="SET NULL"),
        nullable=True,
    )
    people: Mapped[int] = mapped_column(Integer, default=0)
    # Counts only, by reason: {"left": 2, "turned_off": 1}.
    excluded: Mapped[dict[str, Any]] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.SENDING.value)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
