"""Check-ins facilitators sent, and people they snoozed on the care list.

Both cascade with the member: after `forget-me` nothing here says who was checked on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.models import Base


class CareItemKind(StrEnum):
    """Scheduled-item kinds the care capability owns (stored as these strings)."""

    RESUME = "care_resume"


class CheckinAnswer(StrEnum):
    PAUSE = "pause"
    ESSENTIALS = "essentials"
    FINE = "fine"


class CareCheckin(Base):
    """A check-in DM a facilitator sent, and the member's answer once they click."""

    __tablename__ = "care_checkins"
    __table_args__ = (Index("ix_care_checkins_member_sent", "member_id", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a foreign key, not words
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    # untranslated: a foreign key, not words
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    sent_by_member_id: Mapped[int | None] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
    )
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(String(16), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CareSnooze(Base):
    """Someone a facilitator hid from the care list until `until`."""

    __tablename__ = "care_snoozes"

    member_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
    )
    # untranslated: a foreign key, not words
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
