"""Who is drifting, worked out from plain facts about one member. Pure: no database, no
clock; the service gathers the facts, this decides.

A flag is a reason in words a facilitator can act on, never a score: the list of people to
reach out to is ordered by name, and nothing here ranks anyone.

What Catalyst really records, and so what the rules read:
- sessions: the RSVP (going, maybe, can't come with an apology) or its absence, so
  "missed without a reply" means a past session they were a member for and never
  answered at all.
- attendance: where a facilitator ticked who came (or the member answered "Did you make
  it?"), whether they came. "Said yes but didn't make it" reads only sessions whose
  attendance was recorded for them: the invitation accepted, then firefighting.
- reminders: the session reminders the outbox delivered to them; one counts as answered
  when they replied to its session (any RSVP), or did anything with Catalyst after it.
- peer coaching: each pairing's outcome (met, booked, not yet, couldn't); a pairing still
  open after `pairing_settle_days` counts as not met.
- action learning sets: meetings record apologies, not attendance, so a set meeting
  "missed" is one they sent an apology for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from core import i18n
from core.i18n import t

T = TypeVar("T")


@dataclass(frozen=True)
class CareRules:
    """The thresholds, all in one place. A community overrides any of them
    (`catalyst community set --care-rules "sessions=3,reminders=4"`); 0 turns a rule off."""

    # The last N sessions held since they joined all went without a reply.
    sessions: int = 2
    # Of the sessions whose attendance was recorded for them, the last N were all ones they
    # said they'd come to and didn't.
    no_shows: int = 2
    # The last N reminders delivered to them went unanswered.
    reminders: int = 3
    # Their last N pairings all ended without meeting.
    pairings: int = 2
    # They sent apologies for their set's last N meetings.
    set_meetings: int = 2
    # A pairing still without an answer this long after its round counts as not met.
    pairing_settle_days: int = 14
    # "Snooze" hides someone from the list this long.
    snooze_days: int = 28

    @classmethod
    def from_json(cls, stored: Mapping[str, int] | None) -> CareRules:
        """The defaults with a community's stored overrides (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        chosen = {k: int(v) for k, v in (stored or {}).items() if k in known}
        return replace(cls(), **chosen)

    def overrides(self) -> dict[str, int]:
        """Only what differs from the defaults: what a community stores."""
        default = asdict(CareRules())
        return {k: v for k, v in asdict(self).items() if v != default[k]}


# Words people type for each threshold (CLI and README), and the attribute they set.
RULE_WORDS: dict[str, str] = {
    "sessions": "sessions",
    "no-shows": "no_shows",
    "reminders": "reminders",
    "pairings": "pairings",
    "set-meetings": "set_meetings",
    "pairing-settle-days": "pairing_settle_days",
    "snooze-days": "snooze_days",
}
LIMIT = 50  # no threshold needs more; a typo like 200 is caught


def parse_rules(text: str, current: CareRules) -> CareRules:
    """`sessions=3, reminders=0` (commas or spaces between) over `current`. Raises
    ValueError with a sentence, in the reader's language, that says what to type."""
    changes: dict[str, int] = {}
    for part in re.split(r"[,;\s]+", re.sub(r"\s*=\s*", "=", text.strip())):
        if not part:
            continue
        word, _sep, value = part.partition("=")
        word = word.lower()
        attribute = RULE_WORDS.get(word)
        if attribute is None:
            raise ValueError(
                t(
                    "There is no rule called “{word}”. The rules are {known}.",
                    word=word[:40],
                    known=i18n.and_list([f"`{w}`" for w in RULE_WORDS]),
                )
            )
        try:
            number = int(value)
        except ValueError:
            raise ValueError(
                t("`{word}` needs a whole number, like `{word}=2`.", word=word)
            ) from None
        if not 0 <= number <= LIMIT:
            raise ValueError(
                t(
                    "`{word}` must be between 0 and {limit}.",
                    word=word,
                    limit=i18n.number(LIMIT),
                )
            )
        changes[attribute] = number
    return replace(current, **changes)


def describe_rules(rules: CareRules) -> str:
    """One line for `catalyst community show`."""
    values = asdict(rules)
    return ", ".join(f"{word}={values[attribute]}" for word, attribute in RULE_WORDS.items())


# ---- facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFact:
    """A past session held while they were a member: whether they answered at all, whether
    the answer was "going", and whether they came (None: not recorded for them)."""

    starts_at: datetime
    replied: bool
    said_going: bool = False
    came: bool | None = None


@dataclass(frozen=True)
class ReminderFact:
    """A session reminder delivered to them, and whether they answered it."""

    sent_at: datetime
    answered: bool


@dataclass(frozen=True)
class PairingFact:
    started_at: datetime
    met: bool  # met, or booked a time
    answered: bool  # any outcome other than "open"


@dataclass(frozen=True)
class SetMeetingFact:
    """A past meeting of their set, and whether they sent an apology for it."""

    starts_at: datetime
    apologised: bool


@dataclass(frozen=True)
class MemberFacts:
    member_id: int
    sessions: Sequence[SessionFact] = ()
    reminders: Sequence[ReminderFact] = ()
    pairings: Sequence[PairingFact] = ()
    set_meetings: Sequence[SetMeetingFact] = ()
    last_seen_at: datetime | None = None


class ReasonKind(StrEnum):
    SESSIONS = "sessions"
    NO_SHOWS = "no_shows"
    REMINDERS = "reminders"
    PAIRINGS = "pairings"
    SET_MEETINGS = "set_meetings"


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    count: int  # how many in a row: the threshold that was reached


def _last(items: Sequence[T], n: int, when: Callable[[T], datetime]) -> list[T]:
    """The last `n` by time, or nothing when there are fewer than `n` (or the rule is off)."""
    ordered = sorted(items, key=when)
    return ordered[-n:] if n > 0 and len(ordered) >= n else []


def reasons(facts: MemberFacts, rules: CareRules, now: datetime) -> list[Reason]:
    """Why this member might want a kind word from a facilitator (empty: no reason)."""
    found: list[Reason] = []
    last_sessions = _last(facts.sessions, rules.sessions, lambda s: s.starts_at)
    if last_sessions and not any(s.replied for s in last_sessions):
        found.append(Reason(ReasonKind.SESSIONS, rules.sessions))
    recorded = [s for s in facts.sessions if s.came is not None]
    last_recorded = _last(recorded, rules.no_shows, lambda s: s.starts_at)
    # An apology or a session they came to breaks the run: only "yes, then absent" counts.
    if last_recorded and all(s.said_going and not s.came for s in last_recorded):
        found.append(Reason(ReasonKind.NO_SHOWS, rules.no_shows))
    last_reminders = _last(facts.reminders, rules.reminders, lambda r: r.sent_at)
    if last_reminders and not any(r.answered for r in last_reminders):
        found.append(Reason(ReasonKind.REMINDERS, rules.reminders))
    settle = timedelta(days=rules.pairing_settle_days)
    # A pairing still open and young may yet happen: it isn't evidence either way.
    settled = [p for p in facts.pairings if p.answered or p.started_at + settle <= now]
    last_pairings = _last(settled, rules.pairings, lambda p: p.started_at)
    if last_pairings and not any(p.met for p in last_pairings):
        found.append(Reason(ReasonKind.PAIRINGS, rules.pairings))
    last_meetings = _last(facts.set_meetings, rules.set_meetings, lambda m: m.starts_at)
    if last_meetings and all(m.apologised for m in last_meetings):
        found.append(Reason(ReasonKind.SET_MEETINGS, rules.set_meetings))
    return found


def since(facts: MemberFacts, cleared_at: datetime | None) -> MemberFacts:
    """Only what happened after `cleared_at` (they answered "I'm fine"): old evidence must
    not put them straight back on the list."""
    if cleared_at is None:
        return facts
    return replace(
        facts,
        sessions=[s for s in facts.sessions if s.starts_at > cleared_at],
        reminders=[r for r in facts.reminders if r.sent_at > cleared_at],
        pairings=[p for p in facts.pairings if p.started_at > cleared_at],
        set_meetings=[m for m in facts.set_meetings if m.starts_at > cleared_at],
    )
