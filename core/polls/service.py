"""Polls: check what a facilitator wrote, preview it with its audience counted, confirm
(the poll goes out through the outbox, by DM or as one channel post), count votes, take
members' suggestions, and close it on the clock with the final result sent once.

Services take the session (the caller owns the transaction) and an explicit `now`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import i18n, ui
from core.broadcasts import audiences, timing
from core.broadcasts import service as broadcasts
from core.broadcasts.models import Way
from core.config import Settings
from core.delivery import recipients
from core.delivery.models import ItemStatus, OutboxMessage, OutboxStatus, ScheduledItem
from core.delivery.outbox import Outgoing, enqueue
from core.errors import InvalidInput, UserError
from core.i18n import N_, _, t
from core.models import Community, Member
from core.polls import ballots, buttons, notices
from core.polls.models import (
    Poll,
    PollItemKind,
    PollOption,
    PollStatus,
    PollVote,
    PollVoter,
    Survey,
)
from core.text import clean_text
from core.ui_codec import message_to_json

QUESTION_MAX = 300
OPTION_MAX = notices.LABEL
MIN_OPTIONS = 2
SIMILAR = 90  # rapidfuzz ratio at or above which two options read as the same one
# A close runs however late a stopped scheduler comes back (within a month): a poll whose
# close was skipped would take votes for ever.
CLOSE_GRACE_SECONDS = 30 * 24 * 3600
LONGEST_OPEN = timedelta(days=365)  # a poll or survey closes within a year


@dataclass(frozen=True)
class Draft:
    """What a facilitator typed in the poll form. Field names match the form's."""

    question: str | None
    options: str | None  # one per line
    members_add: bool
    multiple: bool
    anonymous: bool
    date: str | None
    time: str | None
    audience: list[str]
    way: str | None


@dataclass(frozen=True)
class Plan:
    question: str
    options: list[str]
    members_add: bool
    multiple: bool
    anonymous: bool
    closes_at: datetime
    audience: list[str]
    way: Way
    channel_id: str | None
    delivery_hours: str
    config_facilitators: list[str]


def _folded(value: str) -> str:
    return re.sub(r"[\W_]+", "", value.casefold())


def same_option(first: str, second: str) -> bool:
    """Case, spaces, punctuation and a slip of the keyboard don't make a new option
    ("Anti racism", "Anti-racism" and "anti-rascism" are one); a different number does
    ("Week 1", "Week 11")."""
    a, b = _folded(first), _folded(second)
    if a == b:
        return True
    digits = re.compile(r"\d+")
    if digits.findall(a) != digits.findall(b) or min(len(a), len(b)) < 6:
        return False
    return fuzz.ratio(a, b) >= SIMILAR


def distinct(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if not any(same_option(line, k) for k in kept):
            kept.append(line)
    return kept


def closing_time(
    day_text: str | None, time_text: str | None, zone: str, now: datetime
) -> tuple[datetime | None, dict[str, str]]:
    """A closing instant from a date and time in the community's timezone; it must be
    in the future. Shared with the survey form."""
    errors: dict[str, str] = {}
    day, at = timing.read_day(day_text), timing.read_clock(time_text)
    if day is None:
        errors["date"] = _("Please give the closing date as YYYY-MM-DD, like 2026-12-03.")
    if at is None:
        errors["time"] = _("Please give the closing time as HH:MM (24-hour), like 17:00.")
    if day is None or at is None:
        return None, errors
    if day > now.date() + LONGEST_OPEN:  # also keeps 9999-12-31 from overflowing below
        errors["date"] = _("Please choose a closing date within a year from today.")
        return None, errors
    closes = datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(now.tzinfo)
    if closes <= now:
        if day < now.astimezone(ZoneInfo(zone)).date():
            errors["date"] = _("That day has passed. Please choose a closing date from today on.")
        else:
            errors["time"] = _("That time has passed. Please choose a closing time from now on.")
        return None, errors
    return closes, errors


def check(
    draft: Draft, session: Session, community: Community, settings: Settings, now: datetime
) -> Plan:
    """Validate a poll; InvalidInput names each field that needs fixing."""
    del session
    errors: dict[str, str] = {}
    question = clean_text(draft.question, multiline=False)
    if not question:
        errors["question"] = _("Please write the question first.")
    elif len(question) > QUESTION_MAX:
        errors["question"] = t(
            "Please keep the question to {limit} characters (this is {length}).",
            limit=i18n.number(QUESTION_MAX),
            length=i18n.number(len(question)),
        )
    raw = (draft.options or "").splitlines()
    if len(raw) == 1 and ";" in raw[0]:
        raw = raw[0].split(";")  # one line typed where lines are hard (the console)
    lines = [clean_text(line, multiline=False) for line in raw]
    lines = [line for line in lines if line]
    options = distinct(lines)
    too_long = next((line for line in options if len(line) > OPTION_MAX), None)
    if too_long is not None:
        errors["options"] = t(
            "Please keep each option to {limit} characters, so it fits on a button: “{option}” "
            "is longer.",
            limit=i18n.number(OPTION_MAX),
            option=too_long[:40],
        )
    elif len(options) > buttons.MAX_OPTIONS:
        errors["options"] = t(
            "A poll can have at most {limit} options (this has {count}): please shorten the list.",
            limit=i18n.number(buttons.MAX_OPTIONS),
            count=i18n.number(len(options)),
        )
    elif len(options) < MIN_OPTIONS and not draft.members_add:
        errors["options"] = _(
            "Please give at least 2 options, one per line, or let members add options."
        )
    closes_at, timing_errors = closing_time(draft.date, draft.time, community.timezone, now)
    errors.update(timing_errors)
    codes, way, channel = broadcasts.check_reach(
        draft.audience, draft.way, community, settings, errors
    )
    if errors or closes_at is None or way is None:
        raise InvalidInput(errors)
    return Plan(
        question=question,
        options=options,
        members_add=draft.members_add,
        multiple=draft.multiple,
        anonymous=draft.anonymous,
        closes_at=closes_at,
        audience=codes,
        way=way,
        channel_id=channel if way is Way.CHANNEL else None,
        delivery_hours=broadcasts.hours_for(community, settings),
        config_facilitators=sorted(settings.facilitators),
    )


def save(
    session: Session, community: Community, plan: Plan, author: Member | None, now: datetime
) -> Poll:
    """Store a draft: nothing goes until it is confirmed."""
    poll = Poll(
        community_id=community.id,
        created_by_member_id=author.id if author is not None else None,
        question=plan.question,
        multiple=plan.multiple,
        anonymous=plan.anonymous,
        members_add=plan.members_add,
        audience=list(plan.audience),
        way=plan.way.value,
        channel_id=plan.channel_id,
        delivery_hours=plan.delivery_hours,
        config_facilitators=list(plan.config_facilitators),
        closes_at=plan.closes_at,
        status=PollStatus.DRAFT.value,
        secret=secrets.token_hex(32),
        redraws=0,
        created_at=now,
    )
    session.add(poll)
    session.flush()
    for position, words in enumerate(plan.options, start=1):
        session.add(PollOption(poll_id=poll.id, position=position, text=words, votes=0))
    session.flush()
    return poll


def find(session: Session, community: Community, poll_id: int) -> Poll | None:
    found = session.get(Poll, poll_id)
    return found if found is not None and found.community_id == community.id else None


def options_of(session: Session, poll: Poll) -> list[PollOption]:
    return list(
        session.scalars(
            select(PollOption).where(PollOption.poll_id == poll.id).order_by(PollOption.position)
        )
    )


def voters(session: Session, poll: Poll) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(PollVoter).where(PollVoter.poll_id == poll.id)
        )
        or 0
    )


def audience_of(session: Session, community: Community, poll: Poll, now: datetime) -> list[Member]:
    return audiences.resolve(
        session,
        community,
        poll.audience,
        by_dm=poll.way == Way.DM.value,
        now=now,
        also_facilitators=poll.config_facilitators,
    ).members


@dataclass(frozen=True)
class Preview:
    people: int
    audience_words: str


def preview(session: Session, community: Community, poll: Poll, now: datetime) -> Preview:
    return Preview(
        people=len(audience_of(session, community, poll, now)),
        audience_words=audiences.describe(session, community, poll.audience),
    )


def message_for(
    session: Session,
    community: Community,
    poll: Poll,
    member: Member | None,
    *,
    sample: bool = False,
) -> ui.Message:
    """The poll as one reader sees it now: `member`'s own copy (their choice ticked, and
    for an anonymous poll a fresh signed value), or the channel post for None."""
    copy: notices.Copy | None = None
    if member is not None and poll.way == Way.DM.value:
        copy = own_copy(session, poll, member)
    return notices.message(
        poll,
        options_of(session, poll),
        community.timezone,
        voters(session, poll),
        copy,
        sample=sample,
    )


def own_copy(session: Session, poll: Poll, member: Member) -> notices.Copy:
    """A member's copy before they vote, or after a named vote (read from the database)."""
    if poll.anonymous:
        voter = _voter(session, poll, member)
        copy_number = voter.copies if voter is not None else 0
        # Before a vote (or a copy re-sent): what they chose can't be known, so a new copy
        # of an anonymous poll is only ever made before they vote.
        return notices.Copy(
            frozenset(), ballots.sign(poll.secret, poll.id, member.id, (), copy_number)
        )
    return notices.Copy(_named_choice(session, poll, member), str(poll.id))


def signed_copy(poll: Poll, member: Member, choice: frozenset[int], copy: int) -> notices.Copy:
    return notices.Copy(choice, ballots.sign(poll.secret, poll.id, member.id, choice, copy))


def _outbox_prefix(poll: Poll) -> str:
    return f"poll:{poll.id}:"  # untranslated: an outbox key


def confirm(session: Session, community: Community, poll: Poll, now: datetime) -> int | None:
    """Send a previewed draft: one channel post, or one DM per person (in their delivery
    hours), and the close on the clock. None if it was confirmed already (a second click
    sends nothing); else how many messages were queued."""
    won = session.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.status == PollStatus.DRAFT.value)
        .values(status=PollStatus.OPEN.value, confirmed_at=now)
    )
    session.refresh(poll)
    if int(won.rowcount) != 1:  # type: ignore[attr-defined]
        return None
    outgoing: list[Outgoing] = []
    prefix = _outbox_prefix(poll)
    if poll.way == Way.CHANNEL.value and poll.channel_id:
        with i18n.speaking(community.language):
            message = message_for(session, community, poll, None)
        outgoing.append(
            Outgoing(
                key=prefix + "post",
                kind="poll_post",
                recipient=poll.channel_id,
                message=message,
                due_at=now,
            )
        )
    else:
        window = timing.parse_window(poll.delivery_hours) or timing.DEFAULT
        for member in audience_of(session, community, poll, now):
            with i18n.speaking(member.speaks):
                message = message_for(session, community, poll, member)
            outgoing.append(
                Outgoing(
                    key=f"{prefix}m{member.id}",
                    kind="poll_dm",
                    recipient=member.platform_user_id,
                    message=message,
                    due_at=min(timing.deliver_at(now, member.timezone, window), poll.closes_at),
                    member_id=member.id,
                )
            )
    enqueue(session, community.id, outgoing, now)
    plan_close(session, community.id, f"poll-close:{poll.id}", PollItemKind.CLOSE, poll.closes_at)
    return len(outgoing)


def plan_close(
    session: Session, community_id: int, key: str, kind: PollItemKind, due_at: datetime
) -> None:
    """The scheduler's job that closes a poll or a survey at its time (one per key)."""
    session.add(
        ScheduledItem(
            community_id=community_id,
            key=key,
            kind=kind.value,
            due_at=due_at,
            grace_seconds=CLOSE_GRACE_SECONDS,
            status=ItemStatus.PENDING.value,
        )
    )
    session.flush()


def discard(session: Session, draft: Poll | Survey) -> bool:
    """A draft poll or survey thrown away; one that went out stays."""
    if draft.status != PollStatus.DRAFT.value:
        return False
    session.delete(draft)
    session.flush()
    return True


# ---- voting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    poll: Poll
    choice: frozenset[int]  # the member's choice now
    copy: notices.Copy  # their copy of the message, to replace the one they clicked
    changed: bool


def _voter(session: Session, poll: Poll, member: Member) -> PollVoter | None:
    return session.scalars(
        select(PollVoter)
        .where(PollVoter.poll_id == poll.id, PollVoter.member_id == member.id)
        .with_for_update()
    ).first()


def _claim_voter(session: Session, poll: Poll, member: Member) -> PollVoter:
    """Their first vote. Two clicks at once both find no voter row; the one whose row goes
    in second is told so and counts nothing (a savepoint keeps the request usable)."""
    voter = PollVoter(poll_id=poll.id, member_id=member.id, copies=0)
    try:
        with session.begin_nested():
            session.add(voter)
    except IntegrityError:
        raise UserError(
            _(
                "Your other click was counted a moment ago, so this one wasn't: look at the "
                "latest copy of the poll to see your vote."
            )
        ) from None
    return voter


def _named_choice(session: Session, poll: Poll, member: Member) -> frozenset[int]:
    return frozenset(
        session.scalars(
            select(PollVote.option_id).where(
                PollVote.poll_id == poll.id, PollVote.member_id == member.id
            )
        )
    )


def is_open(poll: Poll, now: datetime) -> bool:
    return poll.status == PollStatus.OPEN.value and now < poll.closes_at


def _refuse_closed(poll: Poll, now: datetime) -> None:
    if not is_open(poll, now):
        raise UserError(_("This poll has closed, so votes are no longer counted."))


def _was_sent(session: Session, poll: Poll, member: Member) -> bool:
    return (
        session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.key == f"{_outbox_prefix(poll)}m{member.id}"
            )
        ).first()
        is not None
    )


def _next(poll: Poll, current: frozenset[int], option: PollOption) -> frozenset[int]:
    if poll.multiple:
        return current - {option.id} if option.id in current else current | {option.id}
    return frozenset({option.id})


def _count(session: Session, option_ids: frozenset[int], step: int) -> None:
    if option_ids:
        session.execute(
            update(PollOption)
            .where(PollOption.id.in_(sorted(option_ids)))
            .values(votes=PollOption.votes + step)
        )


STALE = N_(
    "This copy of the poll is out of date: use the latest one Catalyst sent you (or "
    "scroll down to it)."
)


def vote(
    session: Session, poll: Poll, member: Member, position: int, value: str, now: datetime
) -> Outcome:
    """Count a click on an option. An anonymous poll learns the member's current choice
    only from their signed copy (`value`), and stores no link between them and it."""
    _refuse_closed(poll, now)
    options = {o.position: o for o in options_of(session, poll)}
    option = options.get(position)
    if option is None:
        raise UserError(_("That option isn't in this poll any more: nothing was counted."))
    if poll.way == Way.DM.value and not _was_sent(session, poll, member):
        raise UserError(_("This poll wasn't sent to you, so your vote can't be counted."))
    in_channel = poll.way == Way.CHANNEL.value
    voter = _voter(session, poll, member)
    first_click = voter is None
    if not poll.anonymous:
        current = _named_choice(session, poll, member)
        chosen = _next(poll, current, option)
        if chosen == current:
            return Outcome(poll, current, notices.Copy(current, str(poll.id)), changed=False)
        session.execute(
            delete(PollVote).where(
                PollVote.poll_id == poll.id,
                PollVote.member_id == member.id,
                PollVote.option_id.in_(sorted(current - chosen)),
            )
        )
        if first_click:
            _claim_voter(session, poll, member)
        for option_id in sorted(chosen - current):
            session.add(PollVote(poll_id=poll.id, option_id=option_id, member_id=member.id))
        _count(session, current - chosen, -1)
        _count(session, chosen - current, +1)
        session.flush()
        return Outcome(poll, chosen, notices.Copy(chosen, str(poll.id)), changed=True)
    # Anonymous: where did the click come from?
    if ballots.is_signed(value):
        ballot = ballots.read(poll.secret, value, member.id)
        if ballot is None or ballot.poll_id != poll.id:
            raise UserError(
                _("That button doesn't belong to you or has been changed: nothing was counted.")
            )
        expected = voter.copies if voter is not None else 0
        if ballot.copy != expected:
            raise UserError(_(STALE))
        known = {o.id for o in options.values()}
        current = frozenset(i for i in ballot.choice if i in known)
    elif in_channel:
        if voter is not None:
            raise UserError(
                _(
                    "You have voted in this poll already. To change your vote, use the copy "
                    "Catalyst sent to your DMs when you voted."
                )
            )
        current = frozenset()
    else:
        raise UserError(
            _("That button doesn't belong to you or has been changed: nothing was counted.")
        )
    chosen = _next(poll, current, option)
    if chosen == current:
        copy_number = voter.copies if voter is not None else 0
        return Outcome(poll, current, signed_copy(poll, member, current, copy_number), False)
    if voter is None:
        voter = _claim_voter(session, poll, member)
    _count(session, current - chosen, -1)
    _count(session, chosen - current, +1)
    voter.copies += 1
    session.flush()
    return Outcome(poll, chosen, signed_copy(poll, member, chosen, voter.copies), changed=True)


def redraw_post(session: Session, community: Community, poll: Poll, now: datetime) -> bool:
    """Bring the channel post's counts up to date (an edit through the outbox). A redraw
    still waiting is rewritten instead of adding another, so the post ends on the latest."""
    if poll.way != Way.CHANNEL.value:
        return False
    post = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.key == f"{_outbox_prefix(poll)}post",
            OutboxMessage.status == OutboxStatus.SENT.value,
        )
    ).first()
    if post is None or not (post.sent_channel and post.sent_ts):
        return False
    # Two votes at once would both read `redraws` and write the same key, and the second
    # redraw (with its vote) would be dropped: one redraw at a time per poll (PostgreSQL).
    session.flush()  # a refresh would drop changes not yet written
    session.refresh(poll, with_for_update=True)
    with i18n.speaking(community.language):
        message = message_for(session, community, poll, None)
    low = f"poll-redraw:{poll.id}:"  # untranslated: an outbox key
    waiting = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.key >= low,
            OutboxMessage.key < low[:-1] + ";",
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
    ).first()
    if waiting is not None:
        waiting.payload = message_to_json(message)
        session.flush()
        return True
    if poll.anonymous:
        _forget_delivered_redraws(session, low)
    poll.redraws += 1
    enqueue(
        session,
        community.id,
        [
            Outgoing(
                key=f"{low}{poll.redraws}",
                kind="poll_redraw",
                recipient=recipients.update(post.sent_channel, post.sent_ts),
                message=message,
                due_at=now,
            )
        ],
        now,
    )
    return True


def _forget_delivered_redraws(session: Session, low: str) -> None:
    """Blank the counts kept in redraws already delivered (nothing reads them again).

    Kept, successive snapshots would say which option grew with each new voter, and the
    voters' rows come in the order they first voted: together, who chose what."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.key >= low,
            OutboxMessage.key < low[:-1] + ";",
            OutboxMessage.status == OutboxStatus.SENT.value,
        )
        .values(payload=message_to_json(ui.Message(summary="")))
    )


# ---- members' suggestions -----------------------------------------------------------------


def suggest(
    session: Session, community: Community, poll: Poll, words: str | None, now: datetime
) -> PollOption:
    """Add a member's option (its author isn't kept), unless it is one already."""
    _refuse_closed(poll, now)
    if not poll.members_add:
        raise UserError(_("This poll doesn't take new options."))
    text = clean_text(words, multiline=False)
    if not text:
        raise InvalidInput({"option": _("Please write the option first.")})
    if len(text) > OPTION_MAX:
        raise InvalidInput(
            {
                "option": t(
                    "Please keep the option to {limit} characters, so it fits on a button.",
                    limit=i18n.number(OPTION_MAX),
                )
            }
        )
    # Two suggestions at once would both take the next position (and both pass the twin
    # and the cap checks): one at a time per poll.
    session.flush()  # a refresh would drop changes not yet written
    session.refresh(poll, with_for_update=True)
    options = options_of(session, poll)
    twin = next((o for o in options if same_option(o.text, text)), None)
    if twin is not None:
        raise InvalidInput(
            {"option": t("“{option}” is already an option: vote for it instead.", option=twin.text)}
        )
    if len(options) >= buttons.MAX_OPTIONS:
        raise InvalidInput(
            {
                "option": t(
                    "This poll has its {limit} options already: vote for the closest one.",
                    limit=i18n.number(buttons.MAX_OPTIONS),
                )
            }
        )
    added = PollOption(
        poll_id=poll.id,
        position=max((o.position for o in options), default=0) + 1,
        text=text,
        votes=0,
    )
    session.add(added)
    session.flush()
    redraw_post(session, community, poll, now)
    return added


# ---- closing --------------------------------------------------------------------------------


def close(session: Session, poll: Poll, now: datetime) -> int:
    """Close a poll and send the final result once: a new post in the channel (and the
    first post redrawn without buttons), or a DM to everyone it was sent to. Returns how
    many messages were queued (0 if it was closed already)."""
    won = session.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.status == PollStatus.OPEN.value)
        .values(status=PollStatus.CLOSED.value, closed_at=now)
    )
    session.refresh(poll)
    if int(won.rowcount) != 1:  # type: ignore[attr-defined]
        return 0
    community = session.get(Community, poll.community_id)
    if community is None:
        return 0
    key = f"poll-result:{poll.id}:"  # untranslated: an outbox key
    outgoing: list[Outgoing] = []
    if poll.way == Way.CHANNEL.value and poll.channel_id:
        redraw_post(session, community, poll, now)
        with i18n.speaking(community.language):
            message = message_for(session, community, poll, None)
        outgoing.append(
            Outgoing(
                key=key + "post",
                kind="poll_result",
                recipient=poll.channel_id,
                message=message,
                due_at=now,
            )
        )
    else:
        low = _outbox_prefix(poll) + "m"
        # A copy still waiting for someone's delivery hours would arrive with buttons
        # for a closed poll: it stays unsent.
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.key >= low,
                OutboxMessage.key < low[:-1] + "n",
                OutboxMessage.status == OutboxStatus.PENDING.value,
            )
            .values(status=OutboxStatus.CANCELLED.value)
        )
        sent_to = session.scalars(
            select(OutboxMessage.member_id).where(
                OutboxMessage.key >= low,
                OutboxMessage.key < low[:-1] + "n",
                OutboxMessage.status == OutboxStatus.SENT.value,
            )
        ).all()
        for member_id in sent_to:
            member = session.get(Member, member_id) if member_id is not None else None
            if member is None or not member.is_active:
                continue
            with i18n.speaking(member.speaks):
                message = notices.message(
                    poll,
                    options_of(session, poll),
                    community.timezone,
                    voters(session, poll),
                    notices.Copy(
                        _named_choice(session, poll, member) if not poll.anonymous else frozenset()
                    ),
                )
            outgoing.append(
                Outgoing(
                    key=f"{key}m{member.id}",
                    kind="poll_result",
                    recipient=member.platform_user_id,
                    message=message,
                    due_at=now,
                    member_id=member.id,
                )
            )
    return enqueue(session, community.id, outgoing, now)


def listing(session: Session, community: Community, limit: int = 5) -> list[Poll]:
    return list(
        session.scalars(
            select(Poll)
            .where(Poll.community_id == community.id, Poll.status != PollStatus.DRAFT.value)
            .order_by(Poll.created_at.desc(), Poll.id.desc())
            .limit(limit)
        )
    )


def who_chose(session: Session, poll: Poll) -> dict[int, list[str]]:
    """For a named poll, facilitators' view: option id -> display names (none for an
    anonymous poll: nothing links anyone to a choice)."""
    if poll.anonymous:
        return {}
    rows = session.execute(
        select(PollVote.option_id, Member.display_name)
        .join(Member, Member.id == PollVote.member_id)
        .where(PollVote.poll_id == poll.id)
        .order_by(Member.display_name)
    ).all()
    found: dict[int, list[str]] = {}
    for option_id, name in rows:
        found.setdefault(int(option_id), []).append(str(name))
    return found


def personal_data(session: Session, member: Member) -> list[dict[str, object]]:
    """Named votes only: an anonymous vote is a count, linked to nobody."""
    rows = session.execute(
        select(Poll.question, PollOption.text)
        .join(PollVote, PollVote.poll_id == Poll.id)
        .join(PollOption, PollOption.id == PollVote.option_id)
        .where(PollVote.member_id == member.id)
        .order_by(Poll.id, PollOption.position)
    ).all()
    return [{"poll": question, "chose": choice} for question, choice in rows]
