"""The resource library: links members and facilitators share, and who found them helpful.

What a member shared stays when they are erased (`SET NULL`: shown as "a member"); their
helpful votes go with them (`CASCADE`), while the count on the resource keeps the tally.
The full-text index (`resources_fts`) is not a model: each database builds its own in
migration 0003, kept in step by triggers, with a copy of the columns a search filters and
orders by beside it (migration 0006: `resources_fts` itself on PostgreSQL, the narrow
`resources_fts_meta` on SQLite). See core.search.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.i18n import N_
from core.models import Base, JsonType


class ResourceFormat(StrEnum):
    READING = "reading"
    WATCHING = "watching"
    LISTENING = "listening"
    TOOL = "tool"


# Words people see for each format (one place: the form, cards and exports agree).
# Marked with N_: show one with `core.labels.shown(FORMAT_LABELS, code)`.
FORMAT_LABELS: dict[str, str] = {
    ResourceFormat.READING: N_("Reading"),
    ResourceFormat.WATCHING: N_("Watching"),
    ResourceFormat.LISTENING: N_("Listening"),
    ResourceFormat.TOOL: N_("Tool"),
}


class ResourceStatus(StrEnum):
    LIVE = "live"
    PENDING = "pending"  # a member's suggestion, waiting for a facilitator
    RETIRED = "retired"  # hidden from search, kept (and its URL still counts as taken)


class ResourceSource(StrEnum):
    FORM = "form"  # the add modal or the message shortcut
    IMPORT = "import"  # a facilitator's CSV file


class Resource(Base):
    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("community_id", "number", name="uq_resources_number"),
        # One entry per link: the key is a hash of the normalised URL (core.urls).
        UniqueConstraint("community_id", "url_key", name="uq_resources_url_key"),
        Index("ix_resources_community_status_published", "community_id", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a foreign key, not words
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    # What facilitators type: `/cop resources edit 12`. Numbered per community, never reused.
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    url_key: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    themes: Mapped[list[str]] = mapped_column(JsonType)
    language: Mapped[str] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=ResourceStatus.LIVE.value)
    # "form" or "import". Shared through the form with no member row any more: that member
    # used forget-me, and it shows as shared by "a member".
    source: Mapped[str] = mapped_column(String(16), default=ResourceSource.FORM.value)
    shared_by_member_id: Mapped[int | None] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    reviewed_by_member_id: Mapped[int | None] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When it went live (a suggestion: when it was approved); orders "newest additions".
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def is_live(self) -> bool:
        return self.status == ResourceStatus.LIVE.value

    @property
    def shared_through_form(self) -> bool:
        return self.source == ResourceSource.FORM.value


class ResourceVote(Base):
    """One member found one resource helpful (once each)."""

    __tablename__ = "resource_votes"

    resource_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("resources.id", ondelete="CASCADE"),
        primary_key=True,
    )
    member_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionResource(Base):
    """A resource attached to a session as preparation."""

    __tablename__ = "session_resources"

    session_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("community_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    )
    resource_id: Mapped[int] = mapped_column(
        # untranslated: a foreign key, not words
        ForeignKey("resources.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ResourceSearch(Base):
    """One search of the library, counted for the programme report: when, and whether it
    found anything. Never who searched, nor what for."""

    __tablename__ = "resource_searches"
    __table_args__ = (Index("ix_resource_searches_community_at", "community_id", "searched_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a foreign key, not words
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    searched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    found: Mapped[bool] = mapped_column(Boolean)
