"""Typed SQLAlchemy models. Every row belongs to a community; every instant is aware UTC.

Enumerations are stored as short strings (not native enums) so adding a value later is a
code change, not a migration. Rows a member owns refer to `members.id` with
`ON DELETE CASCADE` (or `SET NULL` where the content stays, attributed to "a member"):
that is how `forget-me` reaches tables that later capabilities add.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    or_,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core import i18n
from core.db import UTCDateTime

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(StrEnum):
    MEMBER = "member"
    FACILITATOR = "facilitator"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class OrgSize(StrEnum):
    """UK charity income bands, plus organisations that aren't charities."""

    UNDER_10K = "under_10k"
    FROM_10K_TO_100K = "10k_100k"
    FROM_100K_TO_1M = "100k_1m"
    FROM_1M_TO_10M = "1m_10m"
    OVER_10M = "over_10m"
    NOT_A_CHARITY = "not_a_charity"


class RoleLevel(StrEnum):
    FRONTLINE = "frontline"
    MANAGER = "manager"
    SENIOR_LEADER = "senior_leader"
    TRUSTEE = "trustee"
    OTHER = "other"


class PairingCadence(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    NOT_NOW = "not_now"


class MembershipEventKind(StrEnum):
    JOINED = "joined"
    REJOINED = "rejoined"
    LEFT = "left"
    FORGOTTEN = "forgotten"


class Community(Base):
    """One Slack workspace (team id) or one Discord server (guild id)."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    # The community's language (CATALYST_LANGUAGE): channel posts, and members who haven't
    # chosen their own.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    themes: Mapped[list[str]] = mapped_column(JsonType)
    # None means "use the default text"; a facilitator can write their own.
    ground_rules: Mapped[str | None] = mapped_column(Text, nullable=True)
    privacy_notice: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Where reflection prompts are posted; None means CATALYST_CHANNEL.
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Reminder offsets like "7d,1d,1h"; None means CATALYST_REMINDER_OFFSETS.
    reminder_offsets: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Secret part of the community's calendar feed URL (HTTP mode).
    ical_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    # When DM broadcasts may arrive, in each reader's own timezone, "HH:MM-HH:MM"; None
    # means CATALYST_QUIET_HOURS' window (08:00-20:00 unless set).
    delivery_hours: Mapped[str | None] = mapped_column(String(11), nullable=True)
    # When the newsletter is drafted: "1 09:00" (a day of the month and a time, community
    # time) or "after-session 2" (days after each session, at 09:00); None means "1 09:00".
    newsletter_day: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Who-is-drifting thresholds (core/care/rules.py CareRules as JSON); None means defaults.
    care_rules: Mapped[dict[str, int] | None] = mapped_column(JsonType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    members: Mapped[list[Member]] = relationship(back_populates="community", passive_deletes=True)


class Member(Base):
    """A person in a community, from the moment they agree to the ground rules."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("community_id", "platform_user_id"),
        Index("ix_members_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(80))
    pronouns: Mapped[str | None] = mapped_column(String(40), nullable=True)
    organisation: Mapped[str] = mapped_column(String(120))
    org_size: Mapped[str] = mapped_column(String(32))
    role_level: Mapped[str] = mapped_column(String(32))
    themes: Mapped[list[str]] = mapped_column(JsonType)
    languages: Mapped[list[str]] = mapped_column(JsonType)
    timezone: Mapped[str] = mapped_column(String(64))
    # The language Catalyst writes to them in; None means the community's language.
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    pairing_cadence: Mapped[str] = mapped_column(String(16))
    # Private: used only to prefer matches the member asked for; never shown to others.
    lived_experience_match: Mapped[bool] = mapped_column(Boolean, default=False)
    # Gentle nudges and catch-ups after sessions; a member can turn them off.
    nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Facilitators' broadcasts by DM; a member can turn them off (channel posts still show).
    broadcasts_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The monthly newsletter: "dm" (default), "channel" (the channel post only) or "off".
    newsletter: Mapped[str] = mapped_column(String(16), default="dm", server_default="dm")
    # The last time they did anything with Catalyst (a command, a click, a form, a reply in
    # a prompt's thread): "not heard from in N weeks" reads it.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # `/cop pause`: until then nothing optional reaches them (reminders, prompts, nudges,
    # broadcasts and newsletters by DM, pairing rounds); they keep their place in a set.
    # Read through `is_paused` / `not_paused`, never compared by hand. After a pause it
    # keeps when it ended; `paused_at` (its start) is set only while one is under way.
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE.value)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    consent_version: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    community: Mapped[Community] = relationship(back_populates="members")

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE.value

    def is_paused(self, now: datetime) -> bool:
        """Whether they asked for a break that hasn't ended yet (see `not_paused`)."""
        return self.paused_until is not None and self.paused_until > now

    @property
    def is_facilitator(self) -> bool:
        return self.role == Role.FACILITATOR.value

    @property
    def speaks(self) -> str:
        """The language to write to them in: their choice, else their community's."""
        return i18n.member_language(self.language, self.community.language)


class MembershipEvent(Base):
    """Anonymous join/leave/erase counts: what facilitators keep after `forget-me`."""

    __tablename__ = "membership_events"
    __table_args__ = (Index("ix_membership_events_community_at", "community_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedEvent(Base):
    """Platform event ids already handled, so Slack's retries are processed once."""

    __tablename__ = "processed_events"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def not_paused(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of `Member.is_paused`: members who may hear from Catalyst unasked at
    `now`. Each capability adds it where it chooses the recipients of something optional."""
    return or_(Member.paused_until.is_(None), Member.paused_until <= now)


def group_language(members: Sequence[Member]) -> str:
    """The language of one message a whole group reads together (a pair's introduction, a
    set's space): everyone's own when they share one; otherwise the first member's in the
    order given, so the choice is stable and never that of whoever made the request."""
    if not members:
        return i18n.SOURCE_LANGUAGE
    spoken = {m.speaks for m in members}
    return spoken.pop() if len(spoken) == 1 else members[0].speaks


def as_dict(row: Base) -> dict[str, Any]:
    """Column values of a row, for `my-data` and debugging."""
    return {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs}
