"""Who a broadcast is for: audience codes, their names in the form, and the people they mean.

A broadcast's audience is a list of codes. Codes of one kind widen it (two themes: people
who follow either); codes of different kinds narrow it (a theme and a size band: people who
match both). "everyone" alone means every member.

    everyone · facilitators · theme:<name> · size:<band> · level:<role level>
    set:<id> · sets (everyone in an active set) · going:<session id> · missed:<session id>
    quiet:<weeks> (no RSVP, reflection, pairing answer, click or command in that long)

The audience is worked out when the broadcast goes out (who has been quiet changes), and
everyone who has left or turned the way off is left out and counted, never named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import i18n
from core.i18n import t, tn
from core.labels import ORG_SIZE_LABELS, ROLE_LEVEL_LABELS, shown
from core.models import Community, Member, MemberStatus, Role
from core.sessions.models import CommunitySession, RsvpAnswer, SessionRsvp, SessionStatus
from core.sets.models import LearningSet, SetMembership, SetStatus
from core.timefmt import local

EVERYONE = "everyone"
FACILITATORS = "facilitators"
SETS = "sets"
QUIET_WEEKS = (2, 4, 8)
SESSIONS_OFFERED = 4  # the most recent past sessions offered for "going" and "missed"
MAX_OPTIONS = 100  # Slack's limit for one menu


class Reason:
    """Why someone matching the audience gets nothing (counts only, in the preview)."""

    LEFT = "left"  # untranslated: a stored reason code
    TURNED_OFF = "turned_off"  # untranslated: a stored reason code
    PAUSED = "paused"  # untranslated: a stored reason code


def left_out(reason: str, count: int) -> str:
    """How many matching people a broadcast leaves out, and why, as one sentence part."""
    if reason == Reason.LEFT:
        return tn("{n} has left the community", "{n} have left the community", count)
    if reason == Reason.PAUSED:
        return tn("{n} is taking a break", "{n} are taking a break", count)
    return tn(
        "{n} has turned off facilitators' messages by DM",
        "{n} have turned off facilitators' messages by DM",
        count,
    )


@dataclass(frozen=True)
class Audience:
    members: list[Member]
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


def _kind(code: str) -> tuple[str, str]:
    kind, _, value = code.partition(":")
    return kind, value


def check(codes: Sequence[str]) -> list[str]:
    """The codes in a stable order, with "everyone" dropped beside narrower ones; [] if any
    code is not one Catalyst knows."""
    cleaned: list[str] = []
    for code in codes:
        kind, value = _kind(code)
        known = (
            (kind in {EVERYONE, FACILITATORS, SETS} and not value)
            or (kind == "theme" and bool(value))
            or (kind == "size" and value in ORG_SIZE_LABELS)
            or (kind == "level" and value in ROLE_LEVEL_LABELS)
            or (kind in {"set", "going", "missed"} and value.isdigit())
            or (kind == "quiet" and value.isdigit() and 1 <= int(value) <= 52)
        )
        if not known:
            return []
        if code not in cleaned:
            cleaned.append(code)
    narrower = [c for c in cleaned if c != EVERYONE]
    return narrower or [EVERYONE] if cleaned else []


def is_everyone(codes: Sequence[str]) -> bool:
    return list(codes) == [EVERYONE]


# ---- the form's menu ------------------------------------------------------------------------


def _sessions(session: Session, community: Community, now: datetime) -> list[CommunitySession]:
    return list(
        session.scalars(
            select(CommunitySession)
            .where(
                CommunitySession.community_id == community.id,
                CommunitySession.status == SessionStatus.SCHEDULED.value,
                CommunitySession.starts_at <= now,
            )
            .order_by(CommunitySession.starts_at.desc())
            .limit(SESSIONS_OFFERED)
        )
    )


def _upcoming(session: Session, community: Community, now: datetime) -> CommunitySession | None:
    return session.scalars(
        select(CommunitySession)
        .where(
            CommunitySession.community_id == community.id,
            CommunitySession.status == SessionStatus.SCHEDULED.value,
            CommunitySession.starts_at > now,
        )
        .order_by(CommunitySession.starts_at)
        .limit(1)
    ).first()


def _active_sets(session: Session, community: Community) -> list[LearningSet]:
    return list(
        session.scalars(
            select(LearningSet)
            .where(
                LearningSet.community_id == community.id,
                LearningSet.status == SetStatus.ACTIVE.value,
            )
            .order_by(LearningSet.cycle_id, LearningSet.number)
        )
    )


def _session_name(cs: CommunitySession, zone: str) -> str:
    day = i18n.weekday_day_month(local(cs.starts_at, zone))
    return t("session {number}, {title} ({day})", number=cs.number, title=cs.title, day=day)


def options(session: Session, community: Community, now: datetime) -> list[tuple[str, str]]:
    """(code, label) for every audience on offer now, in the reader's language."""
    zone = community.timezone
    found: list[tuple[str, str]] = [
        (EVERYONE, t("Everyone")),
        (FACILITATORS, t("Facilitators")),
    ]
    upcoming = _upcoming(session, community, now)
    if upcoming is not None:
        found.append(
            (f"going:{upcoming.id}", t("Going to {session}", session=_session_name(upcoming, zone)))
        )
    for cs in _sessions(session, community, now):
        name = _session_name(cs, zone)
        found.append((f"missed:{cs.id}", t("Missed {session}", session=name)))
        found.append((f"going:{cs.id}", t("Said they were going to {session}", session=name)))
    for weeks in QUIET_WEEKS:
        found.append(
            (
                f"quiet:{weeks}",
                tn("Not heard from in {n} week", "Not heard from in {n} weeks", weeks),
            )
        )
    sets = _active_sets(session, community)
    if sets:
        found.append((SETS, t("Everyone in an action learning set")))
        found.extend(
            (f"set:{s.id}", t("Action learning set {number}", number=s.number)) for s in sets
        )
    found.extend(
        (f"theme:{theme}", t("Follows the theme “{theme}”", theme=theme))
        for theme in community.themes
    )
    found.extend(
        (f"size:{code}", t("Organisation size: {band}", band=shown(ORG_SIZE_LABELS, code)))
        for code in ORG_SIZE_LABELS
    )
    found.extend(
        (f"level:{code}", t("Role: {level}", level=shown(ROLE_LEVEL_LABELS, code)))
        for code in ROLE_LEVEL_LABELS
    )
    return found[:MAX_OPTIONS]


def describe(session: Session, community: Community, codes: Sequence[str]) -> str:
    """The audience in words, for the preview and the report."""
    if is_everyone(codes):
        return t("everyone")
    names: list[str] = []
    for code in codes:
        kind, value = _kind(code)
        if kind == FACILITATORS:
            names.append(t("facilitators"))
        elif kind == SETS:
            names.append(t("everyone in an action learning set"))
        elif kind == "theme":
            names.append(t("follows “{theme}”", theme=value))
        elif kind == "size":
            names.append(t("organisation size {band}", band=shown(ORG_SIZE_LABELS, value)))
        elif kind == "level":
            names.append(t("role {level}", level=shown(ROLE_LEVEL_LABELS, value)))
        elif kind == "quiet":
            names.append(
                tn("not heard from in {n} week", "not heard from in {n} weeks", int(value))
            )
        elif kind == "set":
            found = session.get(LearningSet, int(value))
            names.append(t("action learning set {number}", number=found.number if found else "?"))
        elif kind in {"going", "missed"}:
            cs = session.get(CommunitySession, int(value))
            label = _session_name(cs, community.timezone) if cs else t("a deleted session")
            names.append(
                t("going to {session}", session=label)
                if kind == "going"
                else t("missed {session}", session=label)
            )
    return i18n.and_list(names)


# ---- who they are -----------------------------------------------------------------------------


def _answers(session: Session, session_id: int) -> dict[int, str]:
    rows = session.execute(
        select(SessionRsvp.member_id, SessionRsvp.answer).where(
            SessionRsvp.session_id == session_id
        )
    ).all()
    return {int(member_id): str(answer) for member_id, answer in rows}


def _set_members(session: Session, set_ids: list[int] | None, community: Community) -> set[int]:
    query = (
        select(SetMembership.member_id)
        .join(LearningSet, LearningSet.id == SetMembership.set_id)
        .where(
            LearningSet.community_id == community.id,
            LearningSet.status == SetStatus.ACTIVE.value,
        )
    )
    if set_ids is not None:
        query = query.where(LearningSet.id.in_(set_ids))
    return set(session.scalars(query))


def _matches_kind(
    session: Session,
    community: Community,
    kind: str,
    values: list[str],
    members: list[Member],
    now: datetime,
    also_facilitators: frozenset[str] = frozenset(),
) -> set[int]:
    """Ids of the members who match any of `values` of one kind."""
    if kind == FACILITATORS:
        return {
            m.id
            for m in members
            if m.role == Role.FACILITATOR.value or m.platform_user_id in also_facilitators
        }
    if kind == "theme":
        wanted = set(values)
        return {m.id for m in members if wanted & set(m.themes or [])}
    if kind == "size":
        return {m.id for m in members if m.org_size in values}
    if kind == "level":
        return {m.id for m in members if m.role_level in values}
    if kind == SETS:
        return _set_members(session, None, community)
    if kind == "set":
        return _set_members(session, [int(v) for v in values], community)
    if kind == "quiet":
        weeks = min(int(v) for v in values)  # the widest of those picked
        since = now - timedelta(weeks=weeks)
        return {m.id for m in members if (m.last_seen_at or m.joined_at) < since}
    matched: set[int] = set()
    for value in values:
        cs = session.get(CommunitySession, int(value))
        if cs is None or cs.community_id != community.id:
            continue
        answers = _answers(session, cs.id)
        for m in members:
            going = answers.get(m.id) == RsvpAnswer.GOING.value
            # Missed: a member at the time who didn't say they were going (apologies,
            # maybe, or no answer), once the session has started.
            missed = not going and cs.starts_at <= now and m.joined_at < cs.ends_at
            if (kind == "going" and going) or (kind == "missed" and missed):
                matched.add(m.id)
    return matched


def resolve(
    session: Session,
    community: Community,
    codes: Sequence[str],
    *,
    by_dm: bool,
    now: datetime,
    also_facilitators: Sequence[str] = (),
) -> Audience:
    """The members a broadcast reaches now, and how many matching people it leaves out.
    `also_facilitators`: platform ids named as facilitators in the settings."""
    everyone = list(
        session.scalars(
            select(Member)
            .where(Member.community_id == community.id)
            .order_by(Member.joined_at, Member.id)
        )
    )
    matching = {m.id for m in everyone}
    by_kind: dict[str, list[str]] = {}
    for code in codes:
        kind, value = _kind(code)
        if kind != EVERYONE:
            by_kind.setdefault(kind, []).append(value)
    for kind, values in by_kind.items():
        matching &= _matches_kind(
            session, community, kind, values, everyone, now, frozenset(also_facilitators)
        )
    excluded: Counter[str] = Counter()
    reached: list[Member] = []
    for member in everyone:
        if member.id not in matching:
            continue
        if member.status != MemberStatus.ACTIVE.value:
            excluded[Reason.LEFT] += 1
        elif by_dm and not member.broadcasts_enabled:
            excluded[Reason.TURNED_OFF] += 1
        elif by_dm and member.is_paused(now):
            excluded[Reason.PAUSED] += 1
        else:
            reached.append(member)
    return Audience(reached, dict(excluded))
