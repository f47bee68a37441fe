"""Action learning sets: who wants one, cycles, the sets, their meetings, votes and actions.

An action learning set is 4 to 8 peers who meet on a rhythm (every 4 weeks by default) for
a cycle of meetings (6 by default). At each meeting one member presents a real problem, the
others ask open questions, and the presenter leaves with an action reported back next time.

A cycle is formed in two steps: `PREVIEW` (the proposed sets are rows like any other, so a
facilitator's moves and swaps survive a restart, and nothing is sent), then `ACTIVE` on
confirm (each set gets its private space and a welcome). `CLOSED` at the end.

Privacy: membership of a set, votes, apologies and actions cascade with the member
(`forget-me` removes them; the set carries on and is told there is a space). Meetings held
and sets stay as anonymous counts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.models import Base
from core.sets.matching import Grouping


class SetsItemKind(StrEnum):
    """Scheduled-item kinds action learning sets own (stored as these strings)."""

    REMINDER = "sets_reminder"  # before a meeting, to members without apologies
    FOLLOW_UP = "sets_follow_up"  # after a meeting: did you meet? the presenter's action
    NUDGE = "sets_nudge"  # one nudge at most when nobody answered the follow-up
    CLOSING = "sets_closing"  # after the last meeting: closing reflection, archive, next cycle?


class CycleStatus(StrEnum):
    PREVIEW = "preview"
    ACTIVE = "active"
    CLOSED = "closed"


class SpaceKind(StrEnum):
    CHANNEL = "channel"  # a private channel (Slack: conversations.create)
    GROUP_DM = "group_dm"  # when channels are off or the workspace refuses them


class SetStatus(StrEnum):
    ACTIVE = "active"
    DISSOLVED = "dissolved"  # merged into another or ended early below the minimum
    CLOSED = "closed"  # the cycle ended


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    NOT_HELD = "not_held"
    CANCELLED = "cancelled"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CARRIED = "carried"  # carried over to the next meeting


class SetInterest(Base):
    """A member who said they would like to join an action learning set."""

    __tablename__ = "set_interest"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"),  # untranslated: a foreign key
        primary_key=True,
    )
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"),  # untranslated: a foreign key
        index=True,
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class SetCycle(Base):
    """One cycle of sets in a community, with the choices the facilitator made for it."""

    __tablename__ = "set_cycles"
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")  # untranslated: a foreign key
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per community
    status: Mapped[str] = mapped_column(String(16), default=CycleStatus.PREVIEW.value)
    min_size: Mapped[int] = mapped_column(Integer, default=4)
    max_size: Mapped[int] = mapped_column(Integer, default=6)
    grouping: Mapped[str] = mapped_column(String(16), default=Grouping.SAME_BAND.value)
    meetings: Mapped[int] = mapped_column(Integer, default=6)  # meetings in the cycle
    rhythm_weeks: Mapped[int] = mapped_column(Integer, default=4)
    meeting_minutes: Mapped[int] = mapped_column(Integer, default=120)
    space_kind: Mapped[str] = mapped_column(String(16), default=SpaceKind.CHANNEL.value)
    advised: Mapped[bool] = mapped_column(Boolean, default=False)  # a facilitator per set
    seed: Mapped[int] = mapped_column(Integer, default=0)  # the matcher's, for a re-run
    created_by_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"),  # untranslated: a foreign key
        nullable=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LearningSet(Base):
    """One set in a cycle. Its name is a neutral word, never built from members' names."""

    __tablename__ = "learning_sets"
    __table_args__ = (UniqueConstraint("cycle_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("set_cycles.id", ondelete="CASCADE")  # untranslated: a foreign key
    )
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"),  # untranslated: a foreign key
        index=True,
    )
    number: Mapped[int] = mapped_column(Integer)  # "Set 3" within the cycle
    name: Mapped[str] = mapped_column(String(80))  # "cop-set-cedar": the space's name
    status: Mapped[str] = mapped_column(String(16), default=SetStatus.ACTIVE.value)
    # The private space once created (channel or group DM id); None until the sender
    # reports it (the welcome is its first message).
    space_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    space_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The regular meeting time the set chose: a weekday and wall-clock time in a zone, so
    # meetings stay at 18:00 local across daylight-saving changes.
    slot_weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)  # Monday = 0
    slot_time: Mapped[str | None] = mapped_column(String(5), nullable=True)  # "18:00"
    slot_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    adviser_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"),  # untranslated: a foreign key
        nullable=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SetMembership(Base):
    """Who is in a set; `turn` is their place in the presenter rotation (0 first)."""

    __tablename__ = "learning_set_members"
    __table_args__ = (Index("ix_learning_set_members_member", "member_id"),)

    set_id: Mapped[int] = mapped_column(
        ForeignKey("learning_sets.id", ondelete="CASCADE"),  # untranslated: a foreign key
        primary_key=True,
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"),  # untranslated: a foreign key
        primary_key=True,
    )
    turn: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SetWaiting(Base):
    """Someone who wanted a set in a cycle but could not be placed, and why (a reason code
    from `core.sets.matching`)."""

    __tablename__ = "set_waiting"

    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("set_cycles.id", ondelete="CASCADE"),  # untranslated: a foreign key
        primary_key=True,
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"),  # untranslated: a foreign key
        primary_key=True,
    )
    reason: Mapped[str] = mapped_column(String(32))
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class SlotProposal(Base):
    """A regular meeting time offered to a set (three from Catalyst, more from members)."""

    __tablename__ = "set_slot_proposals"
    __table_args__ = (UniqueConstraint("set_id", "weekday", "local_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("learning_sets.id", ondelete="CASCADE"),  # untranslated: a foreign key
        index=True,
    )
    weekday: Mapped[int] = mapped_column(Integer)
    local_time: Mapped[str] = mapped_column(String(5))
    zone: Mapped[str] = mapped_column(String(64))
    proposed_by_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"),  # untranslated: a foreign key
        nullable=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlotVote(Base):
    __tablename__ = "set_slot_votes"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("set_slot_proposals.id", ondelete="CASCADE"),  # untranslated: a foreign key
        primary_key=True,
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"),  # untranslated: a foreign key
        primary_key=True,
    )
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SetMeeting(Base):
    """One meeting of a set: `number` 1..cycle.meetings, with who presents."""

    __tablename__ = "learning_set_meetings"
    __table_args__ = (UniqueConstraint("set_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("learning_sets.id", ondelete="CASCADE"),  # untranslated: a foreign key
        index=True,
    )
    number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.SCHEDULED.value)
    presenter_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"),  # untranslated: a foreign key
        nullable=True,
    )
    moved: Mapped[bool] = mapped_column(Boolean, default=False)  # a one-off move


class SetApology(Base):
    """A member who can't come to one meeting (reminders skip them)."""

    __tablename__ = "learning_set_apologies"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("learning_set_meetings.id", ondelete="CASCADE"),  # untranslated: a FK
        primary_key=True,
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"),  # untranslated: a foreign key
        primary_key=True,
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SetAction(Base):
    """What a presenter will do, kept in the set and shown at the next meeting's reminder."""

    __tablename__ = "learning_set_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("learning_sets.id", ondelete="CASCADE"),  # untranslated: a foreign key
        index=True,
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"),  # untranslated: a foreign key
        index=True,
    )
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("learning_set_meetings.id", ondelete="CASCADE")  # untranslated: a FK
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TurnSwap(Base):
    """A member's request to swap their presenting turn with another's; done when the
    other accepts (both confirm), dropped if either leaves."""

    __tablename__ = "learning_set_turn_swaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("learning_sets.id", ondelete="CASCADE"),  # untranslated: a foreign key
        index=True,
    )
    asked_by_member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE")  # untranslated: a foreign key
    )
    asked_of_member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE")  # untranslated: a foreign key
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
