"""The newsletter's life: drafted, edited, scheduled or sent once, or skipped.

Takes the caller's session and never opens one. What a newsletter says is read from live
rows each time it is rendered (`content`): its quotes are reflections that are still
shared, still quotable and still have an author, so a reflection made private, a consent
withdrawn or a member erased is simply not there any more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import facilitators as kernel_facilitators
from core import i18n, ui
from core.delivery.models import ItemStatus, OutboxMessage, ScheduledItem
from core.delivery.outbox import Outgoing, enqueue
from core.errors import InvalidInput, UserError
from core.i18n import N_, _, t
from core.models import Community, Member, MemberStatus, not_paused
from core.newsletter import builder
from core.newsletter.models import (
    Delivery,
    Newsletter,
    NewsletterItemKind,
    NewsletterQuote,
    NewsletterStatus,
)
from core.pairing.models import Outcome, PairingGroup
from core.resources.models import Resource, ResourceStatus
from core.resources.service import for_session
from core.sessions.models import (
    CommunitySession,
    Prompt,
    Reflection,
    RsvpAnswer,
    SessionRsvp,
    SessionStatus,
    Visibility,
)
from core.sets.models import LearningSet, MeetingStatus, SetMeeting, SetStatus
from core.text import clean_text
from core.ui_codec import message_to_json

DEFAULT_DAY = "1 09:00"
DRAFT_HOUR = time(9, 0)
SEND_GRACE = timedelta(hours=6)
DRAFT_GRACE = timedelta(days=2)
OPEN = (NewsletterStatus.DRAFT.value, NewsletterStatus.SCHEDULED.value)

# Show one with `core.labels.shown(DELIVERY_LABELS, code)`.
DELIVERY_LABELS: dict[str, str] = {
    Delivery.DM: N_("By direct message"),
    Delivery.CHANNEL: N_("Only in the community channel"),
    Delivery.OFF: N_("Not at all"),
}


def set_delivery(member: Member, choice: str | None, now: datetime) -> bool:
    """How the member gets the newsletter; False (nothing changed) for an unknown choice."""
    if choice not in DELIVERY_LABELS:
        return False
    member.newsletter = str(choice)
    member.updated_at = now
    return True


# ---- the community's day -------------------------------------------------------------------


@dataclass(frozen=True)
class MonthDay:
    day: int  # 1..28
    at: time


@dataclass(frozen=True)
class AfterSession:
    days: int  # 0..30


DaySetting = MonthDay | AfterSession

_MONTH_DAY = re.compile(r"([0-9]{1,2})(?:\s+([0-9]{1,2}):([0-9]{2}))?")
_AFTER = re.compile(r"after-session\s+([0-9]{1,2})")


def parse_day(text: str | None) -> DaySetting:
    """ "1 09:00" (the 1st at 09:00, community time) or "after-session 2"."""
    value = " ".join((text or DEFAULT_DAY).lower().split())
    found = _MONTH_DAY.fullmatch(value)
    if found:
        day, hours, minutes = int(found[1]), int(found[2] or 9), int(found[3] or 0)
        if 1 <= day <= 28 and hours < 24 and minutes < 60:
            return MonthDay(day, time(hours, minutes))
    found = _AFTER.fullmatch(value)
    if found and int(found[1]) <= 30:
        return AfterSession(int(found[1]))
    raise UserError(
        t(
            "“{value}” isn't a newsletter day. Write a day of the month (1 to 28) and a time, "
            "like `1 09:00`, or `after-session 2` for two days after each session.",
            value=text or "",
        )
    )


def day_in_words(setting: DaySetting) -> str:
    if isinstance(setting, MonthDay):
        return t(
            "on day {day} of each month at {time}",
            day=i18n.number(setting.day),
            time=setting.at.strftime("%H:%M"),
        )
    return i18n.tn(
        "{n} day after each session, at 09:00",
        "{n} days after each session, at 09:00",
        setting.days,
    )


def set_day(community: Community, text: str) -> DaySetting:
    setting = parse_day(text)
    community.newsletter_day = (
        f"{setting.day} {setting.at:%H:%M}"
        if isinstance(setting, MonthDay)
        else f"after-session {setting.days}"
    )
    return setting


def _local_slot(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def next_draft_at(session: Session, community: Community, now: datetime) -> datetime | None:
    """When the scheduler next drafts a newsletter for this community (None: no session
    to follow yet, with "after-session")."""
    setting = parse_day(community.newsletter_day)
    zone = community.timezone
    local_now = now.astimezone(ZoneInfo(zone))
    if isinstance(setting, MonthDay):
        year, month = local_now.year, local_now.month
        for _i in range(3):
            slot = _local_slot(date(year, month, setting.day), setting.at, zone)
            if slot > now:
                return slot
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None
    starts = session.scalars(
        select(CommunitySession.starts_at)
        .where(
            CommunitySession.community_id == community.id,
            CommunitySession.status == SessionStatus.SCHEDULED.value,
            CommunitySession.starts_at > now - timedelta(days=setting.days + 1),
        )
        .order_by(CommunitySession.starts_at)
    ).all()
    for starts_at in starts:
        day = starts_at.astimezone(ZoneInfo(zone)).date() + timedelta(days=setting.days)
        slot = _local_slot(day, DRAFT_HOUR, zone)
        if slot > now and slot > starts_at:
            return slot
    return None


def _has_facilitators(session: Session, community: Community) -> bool:
    return bool(facilitators(session, community))


def draft_key(community: Community, slot: datetime) -> str:
    local = slot.astimezone(ZoneInfo(community.timezone)).strftime("%Y-%m-%dT%H:%M")
    return f"{NewsletterItemKind.DRAFT.value}:{community.id}:{local}"


def plan_upcoming(session: Session, now: datetime) -> None:
    """Every community has its next draft planned; a changed day cancels the old one
    (unless it is already due)."""
    for community in session.scalars(select(Community).order_by(Community.id)):
        # The draft is for the facilitators: with nobody to read it, nothing is planned
        # (the role: `/cop role grant` or the console's toggle; or named in the setting).
        slot = (
            next_draft_at(session, community, now)
            if _has_facilitators(session, community)
            else None
        )
        wanted = draft_key(community, slot) if slot is not None else None
        session.execute(
            update(ScheduledItem)
            .where(
                ScheduledItem.community_id == community.id,
                ScheduledItem.kind == NewsletterItemKind.DRAFT.value,
                ScheduledItem.status == ItemStatus.PENDING.value,
                ScheduledItem.key != (wanted or ""),
                # One already due runs (or is recorded as missed): it is not "moved".
                ScheduledItem.due_at > now,
            )
            .values(status=ItemStatus.CANCELLED.value, finished_at=now, note="day changed")
        )
        if slot is None or wanted is None:
            continue
        exists = session.scalar(select(ScheduledItem.id).where(ScheduledItem.key == wanted))
        if exists is None:
            with session.begin_nested():
                session.add(
                    ScheduledItem(
                        community_id=community.id,
                        key=wanted,
                        kind=NewsletterItemKind.DRAFT.value,
                        due_at=slot,
                        grace_seconds=int(DRAFT_GRACE.total_seconds()),
                        status=ItemStatus.PENDING.value,
                    )
                )


# ---- finding newsletters -------------------------------------------------------------------


def current(session: Session, community: Community) -> Newsletter | None:
    """The draft (or scheduled one) not sent yet."""
    return session.scalars(
        select(Newsletter)
        .where(Newsletter.community_id == community.id, Newsletter.status.in_(OPEN))
        .order_by(Newsletter.number.desc())
    ).first()


def latest_sent(session: Session, community: Community) -> Newsletter | None:
    return session.scalars(
        select(Newsletter)
        .where(
            Newsletter.community_id == community.id,
            Newsletter.status == NewsletterStatus.SENT.value,
        )
        .order_by(Newsletter.number.desc())
    ).first()


def by_number(session: Session, community: Community, number: int) -> Newsletter | None:
    return session.scalars(
        select(Newsletter).where(
            Newsletter.community_id == community.id, Newsletter.number == number
        )
    ).first()


def by_id(session: Session, community: Community, newsletter_id: int) -> Newsletter | None:
    found = session.get(Newsletter, newsletter_id)
    return found if found is not None and found.community_id == community.id else None


def make_draft(session: Session, community: Community, now: datetime) -> tuple[Newsletter, bool]:
    """The open draft, or a new one covering everything since the last sent newsletter.
    True when it is new."""
    found = current(session, community)
    if found is not None:
        return found, False
    last = latest_sent(session, community)
    number = 1 + (
        session.scalar(
            select(func.max(Newsletter.number)).where(Newsletter.community_id == community.id)
        )
        or 0
    )
    newsletter = Newsletter(
        community_id=community.id,
        number=number,
        status=NewsletterStatus.DRAFT.value,
        covers_from=(last.sent_at if last is not None and last.sent_at else community.created_at),
        created_at=now,
        updated_at=now,
    )
    try:
        # Two facilitators asking at once (or the scheduler and a facilitator): the second
        # reads the draft the first made instead of failing.
        with session.begin_nested():
            session.add(newsletter)
    except IntegrityError:
        found = current(session, community)
        if found is None:
            raise
        return found, False
    return newsletter, True


# ---- what it says --------------------------------------------------------------------------


def last_session(session: Session, community: Community, now: datetime) -> CommunitySession | None:
    return session.scalars(
        select(CommunitySession)
        .where(
            CommunitySession.community_id == community.id,
            CommunitySession.status == SessionStatus.SCHEDULED.value,
            CommunitySession.starts_at <= now,
        )
        .order_by(CommunitySession.starts_at.desc())
    ).first()


def next_session(session: Session, community: Community, now: datetime) -> CommunitySession | None:
    return session.scalars(
        select(CommunitySession)
        .where(
            CommunitySession.community_id == community.id,
            CommunitySession.status == SessionStatus.SCHEDULED.value,
            CommunitySession.starts_at > now,
        )
        .order_by(CommunitySession.starts_at)
    ).first()


def _quotable_query(community: Community) -> Any:
    """Reflections that may be quoted: shared, their author said yes, the author still here."""
    return (
        select(Reflection, Member.display_name)
        .join(Member, Member.id == Reflection.member_id)
        .join(Prompt, Prompt.id == Reflection.prompt_id)
        .where(
            Reflection.community_id == community.id,
            Reflection.visibility == Visibility.SHARED.value,
            Reflection.quotable.is_(True),
            Member.status == MemberStatus.ACTIVE.value,
        )
    )


def quotable(
    session: Session, community: Community, newsletter: Newsletter, now: datetime
) -> list[tuple[Reflection, str]]:
    """What a facilitator may pick from: the last session's quotable reflections, and any
    other quotable one written since the last newsletter."""
    cs = last_session(session, community, newsletter.sent_at or now)
    window = Reflection.created_at >= newsletter.covers_from
    where = window if cs is None else (window | (Prompt.session_id == cs.id))
    rows = session.execute(
        _quotable_query(community).where(where).order_by(Reflection.created_at.desc()).limit(50)
    ).all()
    return [(reflection, str(name)) for reflection, name in rows]


def quotes(
    session: Session, community: Community, newsletter: Newsletter, without: int | None = None
) -> list[builder.Quote]:
    """The chosen quotes that may still be quoted, read now (`without`: a member who is
    leaving or being erased, whose row is still there)."""
    query = (
        _quotable_query(community)
        .join(NewsletterQuote, NewsletterQuote.reflection_id == Reflection.id)
        .where(NewsletterQuote.newsletter_id == newsletter.id)
        .order_by(Reflection.created_at)
    )
    if without is not None:
        query = query.where(Reflection.member_id != without)
    rows = session.execute(query).all()
    return [builder.Quote(r.id, r.body, str(name)) for r, name in rows]


def _facts(session: Session, cs: CommunitySession, with_going: bool) -> builder.SessionFacts:
    going = (
        session.scalar(
            select(func.count())
            .select_from(SessionRsvp)
            .where(SessionRsvp.session_id == cs.id, SessionRsvp.answer == RsvpAnswer.GOING.value)
        )
        or 0
    )
    question = session.scalar(
        select(Prompt.text).where(Prompt.session_id == cs.id).order_by(Prompt.id).limit(1)
    )
    return builder.SessionFacts(
        id=cs.id,
        title=cs.title,
        theme=cs.theme,
        starts_at=cs.starts_at,
        ends_at=cs.ends_at,
        location=cs.location,
        description=cs.description,
        going=int(going) if with_going else 0,
        question=question if with_going else None,
    )


def figures(
    session: Session, community: Community, since: datetime, until: datetime
) -> builder.Figures:
    pairs = session.execute(
        select(PairingGroup.outcome).where(
            PairingGroup.community_id == community.id,
            PairingGroup.created_at >= since,
            PairingGroup.created_at < until,
        )
    ).all()
    sets_running = session.scalar(
        select(func.count())
        .select_from(LearningSet)
        .where(
            LearningSet.community_id == community.id,
            LearningSet.status == SetStatus.ACTIVE.value,
        )
    )
    held = session.scalar(
        select(func.count())
        .select_from(SetMeeting)
        .join(LearningSet, LearningSet.id == SetMeeting.set_id)
        .where(
            LearningSet.community_id == community.id,
            SetMeeting.status == MeetingStatus.HELD.value,
            SetMeeting.starts_at >= since,
            SetMeeting.starts_at < until,
        )
    )
    return builder.Figures(
        pairs=len(pairs),
        pairs_met=sum(1 for (outcome,) in pairs if outcome == Outcome.MET.value),
        sets=int(sets_running or 0),
        set_meetings=int(held or 0),
    )


def new_in_library(
    session: Session, community: Community, since: datetime, until: datetime
) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(Resource)
        .where(
            Resource.community_id == community.id,
            Resource.status == ResourceStatus.LIVE.value,
            Resource.published_at >= since,
            Resource.published_at < until,
        )
        .order_by(Resource.published_at.desc())
        .limit(8)
    ).all()
    return [(r.title, r.url) for r in rows]


def content(
    session: Session,
    community: Community,
    newsletter: Newsletter,
    now: datetime,
    without: int | None = None,
) -> builder.Content:
    """What the newsletter says, read now: as it went out (for a sent one, the sessions
    around its sending), or as it would go out now (a draft)."""
    at = newsletter.sent_at or now
    last = last_session(session, community, at)
    upcoming = next_session(session, community, at)
    return builder.Content(
        number=newsletter.number,
        dated=at,
        title=newsletter.title,
        note=newsletter.note,
        last=_facts(session, last, True) if last is not None else None,
        quotes=quotes(session, community, newsletter, without),
        next=_facts(session, upcoming, False) if upcoming is not None else None,
        prep=[(r.title, r.url) for r in for_session(session, upcoming.id)] if upcoming else [],
        library=new_in_library(session, community, newsletter.covers_from, at),
        figures=figures(session, community, newsletter.covers_from, at),
    )


# ---- changing a draft ----------------------------------------------------------------------


def check_open(newsletter: Newsletter) -> None:
    if newsletter.status == NewsletterStatus.SENT.value:
        raise UserError(_("That newsletter has already been sent, so it can't change now."))
    if newsletter.status == NewsletterStatus.SKIPPED.value:
        raise UserError(_("That newsletter was skipped. The next one will be drafted as usual."))


def edit(
    session: Session,
    community: Community,
    newsletter: Newsletter,
    *,
    title: str | None,
    note: str | None,
    quote_ids: list[str],
    now: datetime,
) -> None:
    """Save the facilitators' choices; every problem is a field error, nothing half-saved."""
    check_open(newsletter)
    errors: dict[str, str] = {}
    title = clean_text(title, multiline=False) or None
    note = clean_text(note, multiline=True) or None
    if title is not None and len(title) > builder.TITLE_MAX:
        errors["title"] = t(
            "Please keep the title to {n} characters or fewer.",
            n=i18n.number(builder.TITLE_MAX),
        )
    if note is not None and len(note) > builder.NOTE_MAX:
        errors["note"] = t(
            "Please keep the note to {n} characters or fewer.", n=i18n.number(builder.NOTE_MAX)
        )
    allowed = {str(r.id): r.id for r, _name in quotable(session, community, newsletter, now)}
    if any(q not in allowed for q in quote_ids):
        errors["quotes"] = _(
            "One of those reflections can no longer be quoted. Please choose again."
        )
    elif len(quote_ids) > builder.MAX_QUOTES:
        errors["quotes"] = t(
            "Please choose at most {n} reflections.", n=i18n.number(builder.MAX_QUOTES)
        )
    if errors:
        raise InvalidInput(errors)
    newsletter.title = title
    newsletter.note = note
    newsletter.updated_at = now
    for old in session.scalars(
        select(NewsletterQuote).where(NewsletterQuote.newsletter_id == newsletter.id)
    ):
        session.delete(old)
    session.flush()
    for quote_id in dict.fromkeys(quote_ids):
        session.add(NewsletterQuote(newsletter_id=newsletter.id, reflection_id=allowed[quote_id]))
    session.flush()


def _cancel_sends(session: Session, newsletter: Newsletter, now: datetime) -> None:
    session.execute(
        update(ScheduledItem)
        .where(
            ScheduledItem.key.like(f"{NewsletterItemKind.SEND.value}:{newsletter.id}:%"),
            ScheduledItem.status == ItemStatus.PENDING.value,
        )
        .values(status=ItemStatus.CANCELLED.value, finished_at=now, note="replaced")
    )


def schedule(
    session: Session,
    community: Community,
    newsletter: Newsletter,
    day: str | None,
    at: str | None,
    channel: str | None,
    now: datetime,
) -> datetime:
    """Send it later, at a day and time in the community's timezone."""
    check_open(newsletter)
    errors: dict[str, str] = {}
    when: datetime | None = None
    try:
        local_day = date.fromisoformat(day or "")
    except ValueError:
        errors["date"] = _("Please choose a date.")
        local_day = None
    try:
        hours, _sep, minutes = (at or "").partition(":")
        local_time = time(int(hours), int(minutes))
    except ValueError:
        errors["time"] = _("Please choose a time.")
        local_time = None
    if local_day is not None and local_time is not None:
        when = _local_slot(local_day, local_time, community.timezone)
        if when <= now:
            errors["date"] = _("That time has already passed. Please choose a later one.")
        elif when > now + timedelta(days=92):
            errors["date"] = _("Please choose a time within the next three months.")
    if errors or when is None:
        raise InvalidInput(errors)
    _cancel_sends(session, newsletter, now)
    newsletter.status = NewsletterStatus.SCHEDULED.value
    newsletter.scheduled_for = when
    newsletter.channel_id = channel
    newsletter.updated_at = now
    session.add(
        ScheduledItem(
            community_id=community.id,
            key=f"{NewsletterItemKind.SEND.value}:{newsletter.id}:{when.isoformat()}",
            kind=NewsletterItemKind.SEND.value,
            due_at=when,
            grace_seconds=int(SEND_GRACE.total_seconds()),
            status=ItemStatus.PENDING.value,
        )
    )
    session.flush()
    return when


def skip(session: Session, newsletter: Newsletter, now: datetime) -> None:
    check_open(newsletter)
    _cancel_sends(session, newsletter, now)
    newsletter.status = NewsletterStatus.SKIPPED.value
    newsletter.updated_at = now


def newsletter_id_of(item: ScheduledItem) -> int | None:
    parts = item.key.split(":")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


@dataclass(frozen=True)
class Sent:
    people: int
    channel: bool


def send(
    session: Session,
    community: Community,
    newsletter: Newsletter,
    channel: str | None,
    now: datetime,
) -> Sent | None:
    """Send it now, once: None if it had already gone (two clicks at once send it once:
    the status changes in one conditional UPDATE, and the outbox keys are unique)."""
    won = session.execute(
        update(Newsletter)
        .where(Newsletter.id == newsletter.id, Newsletter.status.in_(OPEN))
        .values(status=NewsletterStatus.SENT.value, sent_at=now, updated_at=now)
    )
    if int(won.rowcount) != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(newsletter)
    if channel is not None:
        newsletter.channel_id = channel
    _cancel_sends(session, newsletter, now)
    said = content(session, community, newsletter, now)
    outgoing: list[Outgoing] = []
    readers = session.scalars(
        select(Member)
        .where(
            Member.community_id == community.id,
            Member.status == MemberStatus.ACTIVE.value,
            Member.newsletter == Delivery.DM.value,
            not_paused(now),
        )
        .order_by(Member.id)
    ).all()
    for member in readers:
        with i18n.speaking(member.speaks):
            message = builder.message(said, member.timezone)
        outgoing.append(
            Outgoing(
                key=f"newsletter:{newsletter.id}:m{member.id}",
                kind="newsletter",
                recipient=member.platform_user_id,
                message=message,
                due_at=now,
                expires_at=now + timedelta(days=7),
                member_id=member.id,
            )
        )
    if newsletter.channel_id:
        with i18n.speaking(community.language):
            post = builder.message(said, community.timezone)
        outgoing.append(
            Outgoing(
                key=f"newsletter:{newsletter.id}:channel",
                kind="newsletter_post",
                recipient=newsletter.channel_id,
                message=post,
                due_at=now,
                expires_at=now + timedelta(days=7),
            )
        )
    enqueue(session, community.id, outgoing, now)
    return Sent(people=len(readers), channel=bool(newsletter.channel_id))


# ---- the facilitators' draft ---------------------------------------------------------------


def status_line(newsletter: Newsletter, zone: str) -> str:
    if newsletter.status == NewsletterStatus.SCHEDULED.value and newsletter.scheduled_for:
        from core.timefmt import when

        return t(
            "*Newsletter {number}* is scheduled for {when}. You can still edit it, send it "
            "now, or skip it.",
            number=i18n.number(newsletter.number),
            when=when(newsletter.scheduled_for, zone),
        )
    if newsletter.status == NewsletterStatus.SENT.value:
        return t("*Newsletter {number}* has been sent.", number=i18n.number(newsletter.number))
    if newsletter.status == NewsletterStatus.SKIPPED.value:
        return t("*Newsletter {number}* was skipped.", number=i18n.number(newsletter.number))
    return t(
        "*Newsletter {number}* is a draft: here is how it will look. Edit it, send it now, "
        "schedule it, or skip this month.",
        number=i18n.number(newsletter.number),
    )


def facilitators(session: Session, community: Community) -> list[Member]:
    """Who gets the draft: the role, or named in CATALYST_FACILITATORS (for the scheduler's
    draft, `named_in_settings` says who)."""
    return kernel_facilitators.facilitators(session, community.id)


def draft_for(
    session: Session, community: Community, newsletter: Newsletter, reader_zone: str, now: datetime
) -> ui.Message:
    said = content(session, community, newsletter, now)
    return builder.draft_message(
        said, reader_zone, newsletter.id, status_line(newsletter, reader_zone)
    )


def send_draft_to_facilitators(
    session: Session, community: Community, newsletter: Newsletter, key: str, now: datetime
) -> int:
    outgoing: list[Outgoing] = []
    for member in facilitators(session, community):
        with i18n.speaking(member.speaks):
            message = draft_for(session, community, newsletter, member.timezone, now)
        outgoing.append(
            Outgoing(
                key=f"newsletter:{newsletter.id}:draft:{key}:m{member.id}",
                kind="newsletter_draft",
                recipient=member.platform_user_id,
                message=message,
                due_at=now,
                expires_at=now + timedelta(days=7),
                member_id=member.id,
            )
        )
    return enqueue(session, community.id, outgoing, now)


# ---- members ---------------------------------------------------------------------------------


def member_leaving(session: Session, member: Member, now: datetime) -> None:
    """Before a member leaves or erases their data: no newsletter keeps their words or name.

    Quotes refer to reflections by id (erasure cascades) and every newsletter is rendered
    from live rows, but the outbox keeps what it sent (and what it is still sending, paced):
    each such message of a newsletter quoting them is rendered again without them, for the
    same reader, in that reader's language."""
    quoting = session.scalars(
        select(Newsletter)
        .join(NewsletterQuote, NewsletterQuote.newsletter_id == Newsletter.id)
        .join(Reflection, Reflection.id == NewsletterQuote.reflection_id)
        .where(Reflection.member_id == member.id)
        .distinct()
    ).all()
    for newsletter in quoting:
        community = session.get(Community, newsletter.community_id)
        if community is None:
            continue
        said = content(session, community, newsletter, now, without=member.id)
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.community_id == community.id,
                OutboxMessage.key.like(f"newsletter:{newsletter.id}:%"),
            )
        ).all()
        for row in rows:
            reader = session.get(Member, row.member_id) if row.member_id is not None else None
            language = reader.speaks if reader is not None else community.language
            zone = reader.timezone if reader is not None else community.timezone
            with i18n.speaking(language):
                if ":draft:" in row.key:
                    message = builder.draft_message(
                        said, zone, newsletter.id, status_line(newsletter, zone)
                    )
                else:
                    message = builder.message(said, zone)
            row.payload = message_to_json(message)
    session.flush()


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    quoted = session.scalars(
        select(NewsletterQuote.reflection_id)
        .join(Reflection, Reflection.id == NewsletterQuote.reflection_id)
        .where(Reflection.member_id == member.id)
    ).all()
    return {"newsletter": member.newsletter, "reflections_quoted": sorted(set(quoted))}
