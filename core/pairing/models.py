"""Peer-coaching pairings: per-community settings, rounds, groups, members' choices.

Privacy: a group keeps anonymous numbers (its size, whether it crossed organisations, what
happened) so stats survive `forget-me`; who was in it (`pairing_group_members`), avoid-lists
and pauses cascade with the member. Avoid-lists are never shown to anyone but their author.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.models import Base


class PairingItemKind(StrEnum):
    """Scheduled-item kinds peer coaching owns (stored as these strings)."""

    ROUND = "pairing_round"
    NOTICE = "pairing_notice"
    CHECKIN = "pairing_checkin"


class Outcome(StrEnum):
    OPEN = "open"  # introduced, no answer yet
    BOOKED = "booked"  # "We've booked a time"
    MET = "met"  # "We met" / check-in "Yes"
    NOT_YET = "not_yet"  # check-in "Not yet"
    COULDNT = "couldnt"  # "We can't this time" / "We couldn't": not a meeting for recency


class PairingSettings(Base):
    """One row per community once a facilitator has saved settings; defaults otherwise."""

    __tablename__ = "pairing_settings"

    community_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("communities.id", ondelete="CASCADE"),
        primary_key=True,
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # Monday
    local_time: Mapped[str] = mapped_column(String(5), default="09:00")
    recency_weeks: Mapped[int] = mapped_column(Integer, default=12)
    weight_organisation: Mapped[float] = mapped_column(Float, default=20.0)
    weight_hours: Mapped[float] = mapped_column(Float, default=4.0)
    weight_lived_experience: Mapped[float] = mapped_column(Float, default=3.0)
    weight_theme: Mapped[float] = mapped_column(Float, default=2.0)
    weight_org_size: Mapped[float] = mapped_column(Float, default=1.0)
    weight_role_level: Mapped[float] = mapped_column(Float, default=1.0)
    blend: Mapped[str] = mapped_column(String(8), default="mix")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PairingRound(Base):
    __tablename__ = "pairing_rounds"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_pairing_rounds_community_started", "community_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a foreign key, not words
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    # The planned slot ("pairing_round:..." item) or the moment a facilitator ran it.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    unplaced: Mapped[int] = mapped_column(Integer, default=0)


class PairingGroup(Base):
    __tablename__ = "pairing_groups"
    __table_args__ = (Index("ix_pairing_groups_round", "round_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a foreign key, not words
    round_id: Mapped[int] = mapped_column(ForeignKey("pairing_rounds.id", ondelete="CASCADE"))
    # untranslated: a foreign key, not words
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    size: Mapped[int] = mapped_column(Integer)
    cross_organisation: Mapped[bool] = mapped_column(Boolean)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(16), default=Outcome.OPEN.value)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    opener_member_id: Mapped[int | None] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PairingGroupMember(Base):
    __tablename__ = "pairing_group_members"
    __table_args__ = (Index("ix_pairing_group_members_member", "member_id"),)

    group_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("pairing_groups.id", ondelete="CASCADE"),
        primary_key=True,
    )
    member_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
    )
    # The person who joined a pair to make a group of three (odd numbers).
    third: Mapped[bool] = mapped_column(Boolean, default=False)


class PairingAvoid(Base):
    """Private: `member_id` asked never to be paired with `avoided_member_id`."""

    __tablename__ = "pairing_avoids"

    member_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
    )
    avoided_member_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PairingPreference(Base):
    """A member's pause and skip (their cadence is on the member row)."""

    __tablename__ = "pairing_preferences"

    member_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
    )
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    skip_next: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
