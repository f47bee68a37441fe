"""Sessions, RSVPs, reflection prompts and reflections.

Member-written rows (RSVP apologies, reflections) cascade when the member is erased.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.models import Base


class SessionItemKind(StrEnum):
    """Scheduled-item kinds the sessions capability owns (stored as these strings)."""

    REMINDER = "reminder"
    PROMPT_POST = "prompt_post"
    NUDGE = "nudge"
    CALENDAR = "calendar"  # mirror the session on the platform's own calendar


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RsvpAnswer(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    DECLINED = "declined"


class PromptAudience(StrEnum):
    CHANNEL = "channel"
    DMS = "dms"


class PromptStatus(StrEnum):
    SCHEDULED = "scheduled"
    POSTED = "posted"
    CANCELLED = "cancelled"


class Visibility(StrEnum):
    SHARED = "shared"  # in the thread, for everyone in the channel
    FACILITATORS = "facilitators"
    PRIVATE = "private"  # a journal entry only the member sees


class CommunitySession(Base):
    """A meeting of the community (a plenary, a peer-coaching session...)."""

    __tablename__ = "community_sessions"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_community_sessions_community_starts", "community_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: schema names
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    # What people type: `/cop session edit 3`. Numbered per community, never reused.
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(150))
    theme: Mapped[str | None] = mapped_column(String(80), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    reminder_offsets: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reflection_prompt: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.SCHEDULED.value)
    created_by_member_id: Mapped[int | None] = mapped_column(
        # untranslated: schema names
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The session's event on the platform's own calendar (a Discord server's scheduled
    # event), once made: kept so an edit moves that event instead of making another.
    platform_event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_scheduled(self) -> bool:
        return self.status == SessionStatus.SCHEDULED.value


class SessionRsvp(Base):
    __tablename__ = "session_rsvps"

    session_id: Mapped[int] = mapped_column(
        # untranslated: schema names
        ForeignKey("community_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    )
    member_id: Mapped[int] = mapped_column(
        # untranslated: schema names
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    answer: Mapped[str] = mapped_column(String(16))
    wants_recap: Mapped[bool] = mapped_column(Boolean, default=False)
    apology: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AttendanceSource(StrEnum):
    FACILITATOR = "facilitator"  # the "Who came?" tick list; wins over the member's answer
    MEMBER = "member"  # "Did you make it?" Yes/No


class SessionAttendance(Base):
    """Who came to a session, ticked after it. When a member is erased the row stays without
    them (`SET NULL`), so the programme's attendance counts survive `forget-me`."""

    __tablename__ = "session_attendance"
    __table_args__ = (UniqueConstraint("session_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        # untranslated: schema names
        ForeignKey("community_sessions.id", ondelete="CASCADE"),
        index=True,
    )
    member_id: Mapped[int | None] = mapped_column(
        # untranslated: schema names
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    came: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Prompt(Base):
    """A reflection prompt: after a session, or stand-alone; its post is a thread parent."""

    __tablename__ = "prompts"
    __table_args__ = (Index("ix_prompts_posted", "posted_channel", "posted_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: schema names
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        # untranslated: schema names
        ForeignKey("community_sessions.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    )
    text: Mapped[str] = mapped_column(Text)
    post_at: Mapped[datetime] = mapped_column(UTCDateTime())
    audience: Mapped[str] = mapped_column(String(16), default=PromptAudience.CHANNEL.value)
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The language of its channel post; None means the community's. (DMs are each in the
    # member's own language.)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=PromptStatus.SCHEDULED.value)
    posted_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    posted_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    permalink: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by_member_id: Mapped[int | None] = mapped_column(
        # untranslated: schema names
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Reflection(Base):
    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("platform_channel", "platform_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: schema names
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    # untranslated: schema names
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"), index=True)
    # untranslated: schema names
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # "thread" or "form"
    # The author said yes to being quoted in the newsletter (asked in the form, for shared
    # reflections only; thread replies are never quotable unless they say so later).
    quotable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    platform_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    platform_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
