"""Broadcasts: check what a facilitator wrote, preview it with its audience counted, confirm,
cancel, edit, and report what was delivered.

Nothing goes until a facilitator confirms a preview: a broadcast starts as a draft, and
confirming plans one scheduled item per time it goes out (`jobs.run` works out the audience
then and hands one outbox row per person to the scheduler). Services take the session (the
caller owns the transaction) and an explicit `now`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import i18n, ui
from core.broadcasts import audiences, notices, timing
from core.broadcasts.models import (
    Broadcast,
    BroadcastItemKind,
    BroadcastRun,
    BroadcastStatus,
    Repeat,
    RunStatus,
    Way,
)
from core.config import Settings
from core.delivery import recipients
from core.delivery.models import ItemStatus, OutboxMessage, OutboxStatus, ScheduledItem
from core.delivery.outbox import Outgoing, enqueue
from core.errors import InvalidInput, UserError
from core.i18n import _, t
from core.models import Community, Member
from core.sessions.models import Reflection
from core.sessions.plan import community_channel
from core.text import clean_text
from core.ui_codec import message_to_json

BODY_MAX = 40_000  # Slack's limit for a message's text
LARGE = 50  # more people than this (or a ping to the channel) asks twice before it goes
RUN_GRACE = timedelta(hours=12)  # down longer than this at its time: recorded as missed
CHECK_AFTER = timedelta(minutes=5)
PAST_TOLERANCE = timedelta(minutes=1)
LISTED = 10


class When:
    NOW = "now"
    AT = "at"
    WEEKLY = Repeat.WEEKLY.value
    MONTHLY = Repeat.MONTHLY.value


@dataclass(frozen=True)
class Draft:
    """What a facilitator typed in the broadcast form. Field names match the form's."""

    body: str | None
    asks_question: bool
    audience: list[str]
    way: str | None
    notify_channel: bool
    when: str | None
    date: str | None = None  # YYYY-MM-DD in the community's timezone
    time: str | None = None  # HH:MM
    until: str | None = None  # YYYY-MM-DD: the last day a repeat goes out
    language: str | None = None  # of a channel post; None: the community's


@dataclass(frozen=True)
class Plan:
    body: str
    asks_question: bool
    audience: list[str]
    way: Way
    notify_channel: bool
    starts_at: datetime
    repeat: Repeat
    repeat_until: datetime | None
    channel_id: str | None
    delivery_hours: str
    config_facilitators: list[str] = field(default_factory=list)
    language: str | None = None


def hours_for(community: Community, settings: Settings) -> str:
    """The hours DMs may arrive: the community's own, else the deployment's, else 8 to 8."""
    for value in (community.delivery_hours, settings.delivery_hours):
        if timing.parse_window(value) is not None:
            return str(value)
    return timing.DEFAULT_WINDOW


def window_of(broadcast: Broadcast) -> timing.Window:
    return timing.parse_window(broadcast.delivery_hours) or timing.DEFAULT


# ---- checking what was typed -------------------------------------------------------------


def has_started(session: Session, broadcast: Broadcast) -> bool:
    """Has it gone out at least once? Then its timing is kept when it is edited: the text
    and who it is for can change, the times it went can't."""
    return (
        session.scalars(
            select(BroadcastRun.id).where(BroadcastRun.broadcast_id == broadcast.id).limit(1)
        ).first()
        is not None
    )


def check_reach(
    audience: Sequence[str],
    way_typed: str | None,
    community: Community,
    settings: Settings,
    errors: dict[str, str],
) -> tuple[list[str], Way | None, str | None]:
    """Who it is for and how it reaches them, as the broadcast, poll and survey forms ask:
    (audience codes, way, the community channel), with each problem put in `errors` under
    its field. A channel post goes to everyone in the channel, so it must be for everyone."""
    codes = audiences.check(audience)
    if not codes:
        errors["audience"] = _("Please choose who it is for.")
    way: Way | None = None
    channel = community_channel(community, settings)
    try:
        way = Way(way_typed or "")
    except ValueError:
        errors["way"] = _("Please choose how it reaches people: in the channel or by DM.")
    if way is Way.CHANNEL:
        if channel is None:
            errors["way"] = _(
                "No community channel is set up yet: choose 'A DM to each person', or ask "
                "whoever runs Catalyst to set CATALYST_CHANNEL."
            )
        elif codes and not audiences.is_everyone(codes):
            errors["audience"] = _(
                "Everyone in the channel sees a channel post: choose 'Everyone', or send it "
                "by DM to reach only these people."
            )
    return codes, way, channel


def check(
    draft: Draft,
    session: Session,
    community: Community,
    settings: Settings,
    now: datetime,
    keep_timing_of: Broadcast | None = None,
) -> Plan:
    """Validate a broadcast; InvalidInput names each field that needs fixing.

    `keep_timing_of`: an edit of a broadcast that has started keeps its times (the form
    doesn't ask for them)."""
    errors: dict[str, str] = {}
    body = clean_text(draft.body, multiline=True)
    if not body:
        errors["body"] = _("Please write the message first: even one line is plenty.")
    elif len(body) > BODY_MAX:
        errors["body"] = t(
            "Please keep the message to {limit} characters (this is {length}).",
            limit=i18n.number(BODY_MAX),
            length=i18n.number(len(body)),
        )
    elif len(notices.pieces(body)) > notices.MAX_PIECES:
        errors["body"] = _(
            "This message has too many &, < and > signs to fit in one Slack message once "
            "they are made safe: please shorten it."
        )
    codes, way, channel = check_reach(draft.audience, draft.way, community, settings, errors)
    if draft.notify_channel and way is Way.DM:
        errors["notify"] = _(
            "Notifying the channel only works for a post in the channel: untick it, or "
            "choose 'A post in the community channel'."
        )
    zone = ZoneInfo(community.timezone)
    starts_at: datetime | None = None
    repeat = Repeat.ONCE
    until: datetime | None = None
    if keep_timing_of is not None:
        starts_at = keep_timing_of.starts_at
        repeat = Repeat(keep_timing_of.repeat)
        until = keep_timing_of.repeat_until
    elif draft.when == When.NOW:
        starts_at = now
    elif draft.when in {When.AT, When.WEEKLY, When.MONTHLY}:
        day, at = timing.read_day(draft.date), timing.read_clock(draft.time)
        if day is None:
            errors["date"] = _("Please give the date as YYYY-MM-DD, like 2026-12-03.")
        if at is None:
            errors["time"] = _("Please give the time as HH:MM (24-hour), like 09:00.")
        if day is not None and at is not None:
            starts_at = datetime.combine(day, at, tzinfo=zone).astimezone(now.tzinfo)
            if starts_at < now - PAST_TOLERANCE:
                today = now.astimezone(zone).date()
                if day < today:
                    errors["date"] = _("That day has passed. Please choose today or a later date.")
                else:
                    errors["time"] = _("That time has passed. Please choose a time from now on.")
            starts_at = max(starts_at, now)
        if draft.when != When.AT:
            repeat = Repeat(draft.when)
            last = timing.read_day(draft.until)
            if last is None:
                errors["until"] = _(
                    "Please give the last day it repeats, as YYYY-MM-DD, like 2027-06-30."
                )
            elif day is not None and last < day:
                errors["until"] = _("Please choose a last day on or after the first one.")
            elif day is not None and last > day + timedelta(days=366):
                errors["until"] = _("Please choose a last day within a year of the first.")
            else:
                until = timing.end_of_day(last, community.timezone)
    else:
        errors["when"] = _("Please choose when it goes out.")
    language = i18n.normalise(draft.language) if draft.language else None
    if draft.language and language is None:
        errors["language"] = t(
            "Please choose one of the languages Catalyst speaks: {languages}.",
            languages=i18n.and_list([i18n.name_of(code) for code in i18n.available()]),
        )
    if errors or starts_at is None or way is None:
        raise InvalidInput(errors)
    return Plan(
        body=body,
        asks_question=draft.asks_question,
        audience=codes,
        way=way,
        notify_channel=draft.notify_channel and way is Way.CHANNEL,
        starts_at=starts_at,
        repeat=repeat,
        repeat_until=until,
        channel_id=channel if way is Way.CHANNEL else None,
        delivery_hours=hours_for(community, settings),
        config_facilitators=sorted(settings.facilitators),
        language=language if way is Way.CHANNEL else None,
    )


# ---- drafts, previews, confirming ---------------------------------------------------------


def find(session: Session, community: Community, broadcast_id: int) -> Broadcast | None:
    found = session.get(Broadcast, broadcast_id)
    return found if found is not None and found.community_id == community.id else None


def save(
    session: Session,
    community: Community,
    plan: Plan,
    author: Member | None,
    now: datetime,
    existing: Broadcast | None = None,
) -> Broadcast:
    """Store a new draft, or apply an edit to one not yet gone (see `edit`)."""
    broadcast = existing or Broadcast(
        community_id=community.id,
        created_by_member_id=author.id if author is not None else None,
        status=BroadcastStatus.DRAFT.value,
        edits=0,
        created_at=now,
    )
    broadcast.body = plan.body
    broadcast.asks_question = plan.asks_question
    broadcast.audience = list(plan.audience)
    broadcast.way = plan.way.value
    broadcast.notify_channel = plan.notify_channel
    broadcast.starts_at = plan.starts_at
    broadcast.repeat = plan.repeat.value
    broadcast.repeat_until = plan.repeat_until
    broadcast.channel_id = plan.channel_id
    broadcast.delivery_hours = plan.delivery_hours
    broadcast.config_facilitators = list(plan.config_facilitators)
    broadcast.language = plan.language
    broadcast.updated_at = now
    if existing is None:
        session.add(broadcast)
    session.flush()
    return broadcast


@dataclass(frozen=True)
class Preview:
    broadcast: Broadcast
    people: int
    excluded: dict[str, int]
    times: list[datetime]
    audience_words: str

    @property
    def needs_second_look(self) -> bool:
        return self.people > LARGE or self.broadcast.notify_channel


def runs_of(broadcast: Broadcast, zone: str) -> list[datetime]:
    return list(
        timing.occurrences(broadcast.starts_at, broadcast.repeat, broadcast.repeat_until, zone)
    )


def preview(session: Session, community: Community, broadcast: Broadcast, now: datetime) -> Preview:
    by_dm = broadcast.way == Way.DM.value
    found = audiences.resolve(
        session,
        community,
        broadcast.audience,
        by_dm=by_dm,
        now=now,
        also_facilitators=broadcast.config_facilitators,
    )
    return Preview(
        broadcast=broadcast,
        people=len(found.members),
        excluded=found.excluded,
        times=runs_of(broadcast, community.timezone),
        audience_words=audiences.describe(session, community, broadcast.audience),
    )


def message_for(broadcast: Broadcast, prompt_id: int | None, *, sample: bool = False) -> ui.Message:
    """The broadcast as its readers see it (build it in the reader's language); a sample
    for the preview and the test has no buttons."""
    return notices.message(
        broadcast.body,
        prompt_id=prompt_id,
        in_channel=broadcast.way == Way.CHANNEL.value,
        notify_channel=broadcast.notify_channel,
        sample=sample,
    )


def _item_prefix(broadcast: Broadcast) -> str:
    return f"broadcast:{broadcast.id}:"  # untranslated: a scheduled-item key


def _key_range(prefix: str) -> tuple[str, str]:
    """Keys starting with `prefix`, as an index-friendly range (`:` + 1 is `;`)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def plan_runs(session: Session, broadcast: Broadcast, zone: str, now: datetime) -> int:
    """One scheduled item per time it goes out that hasn't gone yet; others cancelled."""
    low, high = _key_range(_item_prefix(broadcast))
    already = set(
        session.scalars(
            select(BroadcastRun.occurrence).where(BroadcastRun.broadcast_id == broadcast.id)
        )
    )
    keep: list[ScheduledItem] = []
    for at in runs_of(broadcast, zone):
        if at in already or at < now - RUN_GRACE:
            continue
        keep.append(
            ScheduledItem(
                community_id=broadcast.community_id,
                key=f"{_item_prefix(broadcast)}{at.isoformat(timespec='minutes')}",
                kind=BroadcastItemKind.RUN.value,
                due_at=at,
                grace_seconds=int(RUN_GRACE.total_seconds()),
                status=ItemStatus.PENDING.value,
            )
        )
    keys = {item.key for item in keep}
    existing = {
        item.key: item
        for item in session.scalars(
            select(ScheduledItem).where(ScheduledItem.key >= low, ScheduledItem.key < high)
        )
    }
    for key, item in existing.items():
        if item.status == ItemStatus.PENDING.value and key not in keys:
            item.status = ItemStatus.CANCELLED.value
        elif item.status == ItemStatus.CANCELLED.value and key in keys:
            item.status = ItemStatus.PENDING.value
    for item in keep:
        if item.key not in existing:
            session.add(item)
    session.flush()
    return len(keep)


def confirm(session: Session, community: Community, broadcast: Broadcast, now: datetime) -> bool:
    """Plan a previewed draft to go out; False if it was confirmed (or cancelled) already,
    so a second click never sends it twice."""
    # One conditional UPDATE: of two clicks at the same moment (two workers), one wins and
    # the other finds it confirmed, instead of both planning it.
    won = session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.DRAFT.value)
        .values(status=BroadcastStatus.SCHEDULED.value, confirmed_at=now, updated_at=now)
    )
    session.refresh(broadcast)
    if int(won.rowcount) != 1:  # type: ignore[attr-defined]
        return False
    if broadcast.starts_at < now and broadcast.repeat == Repeat.ONCE.value:
        broadcast.starts_at = now  # previewed a while ago for "now": now is later
    plan_runs(session, broadcast, community.timezone, now)
    return True


def discard(session: Session, broadcast: Broadcast) -> bool:
    """Throw away a draft nobody confirmed; False if it is no longer a draft."""
    if broadcast.status != BroadcastStatus.DRAFT.value:
        return False
    session.delete(broadcast)
    session.flush()
    return True


# ---- cancelling and editing ---------------------------------------------------------------


def _outbox_range(broadcast: Broadcast) -> tuple[str, str]:
    return _key_range(f"broadcast:{broadcast.id}:")  # untranslated: an outbox key


def cancel(session: Session, broadcast: Broadcast, now: datetime) -> int:
    """Stop what hasn't gone (what went stays); how many queued messages were stopped."""
    if broadcast.status in {BroadcastStatus.CANCELLED.value, BroadcastStatus.DRAFT.value}:
        raise UserError(_("This broadcast isn't planned to go out, so there is nothing to stop."))
    low, high = _outbox_range(broadcast)
    stopped = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.key >= low,
            OutboxMessage.key < high,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.CANCELLED.value)
    )
    session.execute(
        update(ScheduledItem)
        .where(
            ScheduledItem.key >= low,
            ScheduledItem.key < high,
            ScheduledItem.status == ItemStatus.PENDING.value,
        )
        .values(status=ItemStatus.CANCELLED.value)
    )
    for run in session.scalars(
        select(BroadcastRun).where(
            BroadcastRun.broadcast_id == broadcast.id,
            BroadcastRun.status == RunStatus.SENDING.value,
        )
    ):
        run.status = RunStatus.CANCELLED.value
        run.finished_at = now
    broadcast.status = BroadcastStatus.CANCELLED.value
    broadcast.cancelled_at = now
    broadcast.updated_at = now
    session.flush()
    return int(stopped.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EditOutcome:
    rewritten: int  # queued messages given the new text
    corrected: int  # channel posts already sent, corrected in place


def edit(
    session: Session, community: Community, broadcast: Broadcast, plan: Plan, now: datetime
) -> EditOutcome:
    """Change a broadcast that hasn't all gone: the runs to come move or change; queued
    messages get the new text; a channel post already sent is corrected in place."""
    if broadcast.status == BroadcastStatus.CANCELLED.value:
        raise UserError(_("This broadcast was cancelled: send a new one instead."))
    if broadcast.way != plan.way.value and broadcast.status != BroadcastStatus.DRAFT.value:
        raise InvalidInput(
            {"way": _("It has been confirmed, so it keeps its way: cancel it and send a new one.")}
        )
    if broadcast.status != BroadcastStatus.DRAFT.value:
        # Who it reaches and whether it pings were agreed on a preview; an edit has none,
        # so changing either needs a new broadcast (and its preview) instead.
        if sorted(broadcast.audience) != sorted(plan.audience):
            raise InvalidInput(
                {
                    "audience": _(
                        "It has been confirmed, so it keeps who it is for: cancel it and"
                        " send a new one."
                    )
                }
            )
        if broadcast.notify_channel != plan.notify_channel:
            raise InvalidInput(
                {
                    "notify": _(
                        "It has been confirmed, so whether it notifies the channel stays"
                        " as it was: cancel it and send a new one."
                    )
                }
            )
    save(session, community, plan, None, now, existing=broadcast)
    if broadcast.status == BroadcastStatus.DRAFT.value:
        return EditOutcome(0, 0)
    if broadcast.status == BroadcastStatus.SCHEDULED.value:
        plan_runs(session, broadcast, community.timezone, now)
    return EditOutcome(
        _rewrite_queued(session, broadcast),
        _correct_posts(session, community, broadcast, now),
    )


def _rewrite_queued(session: Session, broadcast: Broadcast) -> int:
    low, high = _outbox_range(broadcast)
    rows = session.execute(
        select(OutboxMessage, Member)
        .outerjoin(Member, Member.id == OutboxMessage.member_id)
        .where(
            OutboxMessage.key >= low,
            OutboxMessage.key < high,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
    ).all()
    runs = {
        run.id: run.prompt_id
        for run in session.scalars(
            select(BroadcastRun).where(BroadcastRun.broadcast_id == broadcast.id)
        )
    }
    community = session.get(Community, broadcast.community_id)
    for row, member in rows:
        prompt_id = runs.get(_run_of_key(row.key) or 0)
        language = (
            member.speaks if member is not None else (community.language if community else None)
        )
        with i18n.speaking(language):
            row.payload = message_to_json(message_for(broadcast, prompt_id))
    session.flush()
    return len(rows)


def _run_of_key(key: str) -> int | None:
    parts = key.split(":")
    return int(parts[2]) if len(parts) > 3 and parts[2].isdigit() else None


def _correct_posts(
    session: Session, community: Community, broadcast: Broadcast, now: datetime
) -> int:
    if broadcast.way != Way.CHANNEL.value:
        return 0
    low, high = _outbox_range(broadcast)
    posts = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.key >= low,
            OutboxMessage.key < high,
            OutboxMessage.status == OutboxStatus.SENT.value,
            OutboxMessage.member_id.is_(None),
        )
    ).all()
    if not posts:
        return 0
    broadcast.edits += 1
    runs = {
        run.id: run.prompt_id
        for run in session.scalars(
            select(BroadcastRun).where(BroadcastRun.broadcast_id == broadcast.id)
        )
    }
    corrections: list[Outgoing] = []
    for post in posts:
        if not (post.sent_channel and post.sent_ts):
            continue
        with i18n.speaking(broadcast.language or community.language):
            message = message_for(broadcast, runs.get(_run_of_key(post.key) or 0))
        corrections.append(
            Outgoing(
                # untranslated: an outbox key
                key=f"broadcast-edit:{broadcast.id}:{post.id}:{broadcast.edits}",
                kind="broadcast_edit",
                recipient=recipients.update(post.sent_channel, post.sent_ts),
                message=message,
                due_at=now,
            )
        )
    enqueue(session, community.id, corrections, now)
    return len(corrections)


def set_dms(member: Member, enabled: bool) -> bool:
    """Facilitators' broadcasts by DM on or off for one member; True if that changed."""
    if member.broadcasts_enabled == enabled:
        return False
    member.broadcasts_enabled = enabled
    return True


# ---- what happened --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunReport:
    run: BroadcastRun
    delivered: int
    waiting: int
    failed: int
    cancelled: int
    reasons: list[tuple[str, int]]  # (plain reason, count), most common first
    replies: int | None  # None: it asked no question


@dataclass(frozen=True)
class Report:
    broadcast: Broadcast
    runs: list[RunReport] = field(default_factory=list)
    next_run: datetime | None = None

    @property
    def still_queued(self) -> int:
        return sum(r.waiting for r in self.runs)

    @property
    def can_cancel(self) -> bool:
        going = {BroadcastStatus.SCHEDULED.value, BroadcastStatus.DONE.value}
        return self.broadcast.status in going and (
            self.still_queued > 0 or self.next_run is not None
        )


def report(session: Session, broadcast: Broadcast) -> Report:
    """Queued, delivered and failed (with plain reasons) per run, and replies received."""
    runs = list(
        session.scalars(
            select(BroadcastRun)
            .where(BroadcastRun.broadcast_id == broadcast.id)
            .order_by(BroadcastRun.occurrence)
        )
    )
    found: list[RunReport] = []
    for run in runs:
        low, high = _key_range(f"broadcast:{broadcast.id}:{run.id}:")
        rows = session.execute(
            select(OutboxMessage.status, OutboxMessage.last_error, func.count())
            .where(OutboxMessage.key >= low, OutboxMessage.key < high)
            .group_by(OutboxMessage.status, OutboxMessage.last_error)
        ).all()
        by_status: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        for status, error, count in rows:
            by_status[status] += count
            if status == OutboxStatus.FAILED.value:
                reasons[notices.failure_reason(error)] += count
        replies = None
        if run.prompt_id is not None:
            replies = (
                session.scalar(
                    select(func.count())
                    .select_from(Reflection)
                    .where(Reflection.prompt_id == run.prompt_id)
                )
                or 0
            )
        found.append(
            RunReport(
                run=run,
                delivered=by_status[OutboxStatus.SENT.value],
                waiting=by_status[OutboxStatus.PENDING.value]
                + by_status[OutboxStatus.SENDING.value],
                failed=by_status[OutboxStatus.FAILED.value] + by_status[OutboxStatus.MISSED.value],
                cancelled=by_status[OutboxStatus.CANCELLED.value],
                reasons=reasons.most_common(),
                replies=replies,
            )
        )
    low, high = _key_range(_item_prefix(broadcast))
    next_item = session.scalars(
        select(ScheduledItem)
        .where(
            ScheduledItem.key >= low,
            ScheduledItem.key < high,
            ScheduledItem.status == ItemStatus.PENDING.value,
        )
        .order_by(ScheduledItem.due_at)
        .limit(1)
    ).first()
    return Report(broadcast, found, next_item.due_at if next_item is not None else None)


def listing(session: Session, community: Community) -> list[Broadcast]:
    """Broadcasts planned or on their way first, then the latest sent or cancelled."""
    active = list(
        session.scalars(
            select(Broadcast)
            .where(
                Broadcast.community_id == community.id,
                Broadcast.status == BroadcastStatus.SCHEDULED.value,
            )
            .order_by(Broadcast.starts_at, Broadcast.id)
            .limit(LISTED)
        )
    )
    past = list(
        session.scalars(
            select(Broadcast)
            .where(
                Broadcast.community_id == community.id,
                Broadcast.status.in_([BroadcastStatus.DONE.value, BroadcastStatus.CANCELLED.value]),
            )
            .order_by(Broadcast.updated_at.desc(), Broadcast.id.desc())
            .limit(max(LISTED - len(active), 3))
        )
    )
    return active + past
