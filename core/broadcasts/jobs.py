"""A broadcast's scheduled work: going out (one run), checking it has all gone, and the
delivery report for whoever sent it.

A run works out its audience at its own time and hands the outbox one row per person, each
due when that person's delivery hours allow; a channel post is one row. The report goes to
the facilitator once the last row is delivered or has failed for good: from the outbox's
sent hook when the last one lands, else from a check a few minutes after the last was due
(a failure calls no hook).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import i18n
from core.broadcasts import audiences, reports, service, timing
from core.broadcasts.models import (
    Broadcast,
    BroadcastItemKind,
    BroadcastRun,
    BroadcastStatus,
    RunStatus,
    Way,
)
from core.delivery.models import ItemStatus, OutboxMessage, OutboxStatus, ScheduledItem
from core.delivery.occurrences import finish
from core.delivery.outbox import Outgoing, enqueue
from core.models import Community, Member
from core.sessions.models import Prompt, PromptAudience, PromptStatus

CHECK_PREFIX = "broadcast-check:"  # untranslated: a scheduled-item key
KINDS = ("broadcast_dm", "broadcast_post")  # untranslated: outbox kinds


def _id_in(key: str, position: int) -> int | None:
    parts = key.split(":")
    return int(parts[position]) if len(parts) > position and parts[position].isdigit() else None


def run(session: Session, item: ScheduledItem, now: datetime) -> str:
    """One time a broadcast goes out."""
    broadcast_id = _id_in(item.key, 1)
    broadcast = session.get(Broadcast, broadcast_id) if broadcast_id else None
    if broadcast is None or broadcast.status != BroadcastStatus.SCHEDULED.value:
        return finish(item, ItemStatus.CANCELLED, now, "broadcast cancelled")
    community = session.get(Community, broadcast.community_id)
    if community is None:
        return finish(item, ItemStatus.CANCELLED, now, "community gone")
    occurrence = item.due_at
    if session.scalars(
        select(BroadcastRun.id).where(
            BroadcastRun.broadcast_id == broadcast.id, BroadcastRun.occurrence == occurrence
        )
    ).first():
        return "already went out"  # untranslated: the item's record
    by_dm = broadcast.way == Way.DM.value
    found = audiences.resolve(
        session,
        community,
        broadcast.audience,
        by_dm=by_dm,
        now=now,
        also_facilitators=broadcast.config_facilitators,
    )
    channel = broadcast.channel_id if not by_dm else None
    prompt: Prompt | None = None
    if broadcast.asks_question and ((by_dm and found.members) or channel):
        prompt = Prompt(
            community_id=community.id,
            session_id=None,
            text=broadcast.body,
            post_at=occurrence,
            audience=(PromptAudience.DMS if by_dm else PromptAudience.CHANNEL).value,
            channel_id=channel,
            language=broadcast.language,
            status=PromptStatus.POSTED.value,
            created_by_member_id=broadcast.created_by_member_id,
            created_at=now,
        )
        session.add(prompt)
        session.flush()
    record = BroadcastRun(
        broadcast_id=broadcast.id,
        occurrence=occurrence,
        prompt_id=prompt.id if prompt is not None else None,
        people=len(found.members),
        excluded=found.excluded,
        status=RunStatus.SENDING.value,
        started_at=now,
    )
    session.add(record)
    session.flush()
    prefix = f"broadcast:{broadcast.id}:{record.id}:"  # untranslated: an outbox key
    outgoing: list[Outgoing] = []
    prompt_id = prompt.id if prompt is not None else None
    if not by_dm and channel:
        with i18n.speaking(broadcast.language or community.language):
            message = service.message_for(broadcast, prompt_id)
        outgoing.append(
            Outgoing(
                key=prefix + "post",
                # A question's post is a prompt's post: its thread's replies become
                # reflections (the sessions' sent hook records where it landed).
                kind="prompt_post" if prompt is not None else "broadcast_post",
                recipient=channel,
                message=message,
                due_at=now,
                prompt_id=prompt_id,
            )
        )
    elif by_dm:
        window = service.window_of(broadcast)
        for member in found.members:
            with i18n.speaking(member.speaks):
                message = service.message_for(broadcast, prompt_id)
            outgoing.append(
                Outgoing(
                    key=f"{prefix}m{member.id}",
                    kind="broadcast_dm",
                    recipient=member.platform_user_id,
                    message=message,
                    due_at=timing.deliver_at(now, member.timezone, window),
                    member_id=member.id,
                    prompt_id=prompt_id,
                )
            )
    enqueue(session, community.id, outgoing, now)
    item.recipients = len(outgoing)
    _after_last_run(session, broadcast, item)
    if outgoing:
        last_due = max(o.due_at for o in outgoing)
        _plan_check(session, community.id, record, last_due + service.CHECK_AFTER)
    else:
        finish_run(session, record, now)
    return f"broadcast {broadcast.id} went to {len(outgoing)}"  # untranslated: a record


def _after_last_run(session: Session, broadcast: Broadcast, item: ScheduledItem) -> None:
    """A broadcast whose last run has started is done (its runs finish on their own)."""
    low, high = service._key_range(f"broadcast:{broadcast.id}:")
    later = session.scalar(
        select(func.count())
        .select_from(ScheduledItem)
        .where(
            ScheduledItem.key >= low,
            ScheduledItem.key < high,
            ScheduledItem.status == ItemStatus.PENDING.value,
            ScheduledItem.id != item.id,
        )
    )
    if not later:
        broadcast.status = BroadcastStatus.DONE.value


def _plan_check(session: Session, community_id: int, record: BroadcastRun, at: datetime) -> None:
    key = f"{CHECK_PREFIX}{record.id}:{at.isoformat(timespec='seconds')}"
    if session.scalars(select(ScheduledItem.id).where(ScheduledItem.key == key)).first():
        return
    session.add(
        ScheduledItem(
            community_id=community_id,
            key=key,
            kind=BroadcastItemKind.CHECK.value,
            due_at=at,
            grace_seconds=int(service.RUN_GRACE.total_seconds()) * 60,
            status=ItemStatus.PENDING.value,
        )
    )
    session.flush()


def _unfinished(session: Session, record: BroadcastRun) -> tuple[int, datetime | None]:
    low, high = service._key_range(f"broadcast:{record.broadcast_id}:{record.id}:")
    count, latest = session.execute(
        select(func.count(), func.max(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.key >= low,
            OutboxMessage.key < high,
            OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
        )
    ).one()
    return int(count or 0), latest


def check(session: Session, item: ScheduledItem, now: datetime) -> str:
    """Has everything of a run gone? Then the report; else look again later."""
    run_id = _id_in(item.key, 1)
    record = session.get(BroadcastRun, run_id) if run_id else None
    if record is None or record.status != RunStatus.SENDING.value:
        return finish(item, ItemStatus.CANCELLED, now, "nothing to check")
    left, latest = _unfinished(session, record)
    if left:
        broadcast = session.get(Broadcast, record.broadcast_id)
        if broadcast is not None:
            again = max(latest or now, now) + service.CHECK_AFTER
            _plan_check(session, broadcast.community_id, record, again)
        return f"{left} still queued"  # untranslated: the item's record
    finish_run(session, record, now)
    return "all gone; report sent"  # untranslated: the item's record


def finish_run(session: Session, record: BroadcastRun, now: datetime) -> None:
    """Mark a run finished and send its report to the facilitator who wrote it, once."""
    if record.status != RunStatus.SENDING.value:
        return
    record.status = RunStatus.SENT.value
    record.finished_at = now
    broadcast = session.get(Broadcast, record.broadcast_id)
    if broadcast is None or broadcast.created_by_member_id is None or record.people == 0:
        return
    author = session.get(Member, broadcast.created_by_member_id)
    community = session.get(Community, broadcast.community_id)
    if author is None or not author.is_active or community is None:
        return
    with i18n.speaking(author.speaks):
        message = reports.report_message(
            session, community, service.report(session, broadcast), record
        )
    enqueue(
        session,
        community.id,
        [
            Outgoing(
                key=f"broadcast-report:{record.id}",  # untranslated: an outbox key
                kind="broadcast_report",
                recipient=author.platform_user_id,
                message=message,
                due_at=now,
                member_id=author.id,
            )
        ],
        now,
    )


def message_sent(session: Session, row: OutboxMessage, permalink: str | None) -> None:
    """The last message of a run landed: its report goes now, not at the next check."""
    del permalink
    if not row.key.startswith("broadcast:") or (
        row.kind not in KINDS and row.kind != "prompt_post"
    ):
        return
    # Locked: the last few messages of a run land in parallel, each in its own
    # transaction; taken in turn, the last one to get here sees all the others recorded.
    record = session.get(BroadcastRun, _id_in(row.key, 2) or 0, with_for_update=True)
    if record is None or record.status != RunStatus.SENDING.value:
        return
    left, _ = _unfinished(session, record)
    if not left:
        finish_run(session, record, row.sent_at or record.started_at)


def describe_item(session: Session, item: ScheduledItem) -> tuple[str, int]:
    if item.kind == BroadcastItemKind.CHECK.value:
        return i18n._("a check that a broadcast has all gone, and its report"), 1
    broadcast = session.get(Broadcast, _id_in(item.key, 1) or 0)
    community = session.get(Community, item.community_id)
    if broadcast is None or community is None:
        return i18n._("a broadcast"), 0
    found = audiences.resolve(
        session,
        community,
        broadcast.audience,
        by_dm=broadcast.way == Way.DM.value,
        now=item.due_at,
        also_facilitators=broadcast.config_facilitators,
    )
    what = (
        i18n.t("a question to reflect on (broadcast {number})", number=broadcast.id)
        if broadcast.asks_question
        else i18n.t("broadcast {number}", number=broadcast.id)
    )
    return what, len(found.members)
