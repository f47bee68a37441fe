"""Polls and surveys.

A `Poll` is a question with options that members vote on until it closes. Anonymous polls
keep no link between a person and their choice: `PollVoter` only says someone voted (so
they can't vote twice), the counts live on `PollOption.votes`, and a member's current
choice travels only in their own copy of the message, signed (see `ballots.py`). Named
polls keep `PollVote` rows (poll, member, option), shown in `my-data` and erased with the
member.

A `Survey` is the end-of-programme evaluation form. `SurveyRespondent` only stops double
answers; a `SurveyAnswer` names its member only when the survey is not anonymous, and its
id is random, so the order answers arrived in can't be matched to the respondents'.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.models import Base, JsonType


class PollItemKind(StrEnum):
    CLOSE = "poll_close"  # untranslated: a scheduled-item kind
    SURVEY_CLOSE = "survey_close"  # untranslated: a scheduled-item kind


class PollStatus(StrEnum):
    DRAFT = "draft"  # previewed, not confirmed: nothing went
    OPEN = "open"
    CLOSED = "closed"


class Poll(Base):
    __tablename__ = "polls"
    __table_args__ = (Index("ix_polls_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    created_by_member_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
    )
    question: Mapped[str] = mapped_column(Text)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    members_add: Mapped[bool] = mapped_column(Boolean, default=False)
    audience: Mapped[list[str]] = mapped_column(JsonType)
    way: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    delivery_hours: Mapped[str] = mapped_column(String(11))
    config_facilitators: Mapped[list[str]] = mapped_column(JsonType, default=list)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=PollStatus.DRAFT.value)
    # The key that signs each member's copy of an anonymous poll (random, per poll).
    secret: Mapped[str] = mapped_column(String(64))
    # How many times the channel post has been redrawn (each redraw is one outbox row).
    redraws: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PollOption(Base):
    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(200))
    votes: Mapped[int] = mapped_column(Integer, default=0)


class PollVoter(Base):
    """Someone voted: nothing about what. `copies` counts the signed copies handed out, so
    an older copy (a replayed button) is refused."""

    __tablename__ = "poll_voters"
    __table_args__ = (UniqueConstraint("poll_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    # untranslated: a table and column name
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    copies: Mapped[int] = mapped_column(Integer, default=0)


class PollVote(Base):
    """A named poll's vote: who chose what (never stored for an anonymous poll)."""

    __tablename__ = "poll_votes"

    # untranslated: a table and column name
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("poll_options.id", ondelete="CASCADE"),
        primary_key=True,
    )
    member_id: Mapped[int] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
    )


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # untranslated: a table and column name
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    created_by_member_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("members.id", ondelete="SET NULL"),
        nullable=True,
    )
    # [{"key": "helped", "kind": "text"|"scale", "label": "..."}], in the order asked.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    audience: Mapped[list[str]] = mapped_column(JsonType)
    delivery_hours: Mapped[str] = mapped_column(String(11))
    config_facilitators: Mapped[list[str]] = mapped_column(JsonType, default=list)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=PollStatus.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SurveyRespondent(Base):
    """Someone answered: only so they can't answer twice."""

    __tablename__ = "survey_respondents"
    __table_args__ = (UniqueConstraint("survey_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("surveys.id", ondelete="CASCADE"),
        index=True,
    )
    # untranslated: a table and column name
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"

    # Random, not a sequence: the order answers arrived in says nothing about who.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("surveys.id", ondelete="CASCADE"),
        index=True,
    )
    # Only for a survey that isn't anonymous; erased with the member.
    member_id: Mapped[int | None] = mapped_column(
        # untranslated: a table and column name
        ForeignKey("members.id", ondelete="CASCADE"),
        nullable=True,
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JsonType)
