"""Newsletters and the reflections they quote.

A `Newsletter` stores only what the facilitators chose (their note, a title, which
reflections to quote, when to send) and the window it covers. Everything else (the last
and next session, the library, the month's figures, who wrote a quote) is read from live
rows each time it is rendered, so an erased member's words and name vanish with their row:
`NewsletterQuote` refers to the reflection by id and cascades.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.models import Base


class NewsletterItemKind(StrEnum):
    DRAFT = "newsletter_draft"  # untranslated: a scheduled-item kind
    SEND = "newsletter_send"  # untranslated: a scheduled-item kind


class NewsletterStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENT = "sent"
    SKIPPED = "skipped"


class Delivery(StrEnum):
    """How a member wants the newsletter (`members.newsletter`)."""

    DM = "dm"
    CHANNEL = "channel"
    OFF = "off"


class Newsletter(Base):
    __tablename__ = "newsletters"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_newsletters_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    # What people type: `catalyst newsletter export 3`. Numbered per community.
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=NewsletterStatus.DRAFT.value)
    title: Mapped[str | None] = mapped_column(String(150), nullable=True)
    # The facilitators' short note at the top.
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What is "new since the last newsletter": from this instant.
    covers_from: Mapped[datetime] = mapped_column(UTCDateTime())
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Where its channel post goes, chosen when it is sent or scheduled (None: no post).
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NewsletterQuote(Base):
    """A reflection a facilitator chose to quote; gone with the reflection (or its author)."""

    __tablename__ = "newsletter_quotes"

    newsletter_id: Mapped[int] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("newsletters.id", ondelete="CASCADE"),
        primary_key=True,
    )
    reflection_id: Mapped[int] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("reflections.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
