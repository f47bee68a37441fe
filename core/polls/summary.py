"""Plain summaries of polls and surveys for the programme evaluation report.

    poll_results(session, community, start, end) -> list[PollResult]
    survey_results(session, community, start, end) -> SurveyResult

Both count what was decided and said in [start, end) (a poll or survey by when it was
sent, i.e. confirmed). Counts only: no member is named, even for a named poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.delivery.models import OutboxMessage
from core.models import Community
from core.polls import surveys
from core.polls.models import Poll, PollOption, PollStatus, PollVoter, Survey, SurveyAnswer


@dataclass(frozen=True)
class OptionResult:
    text: str
    votes: int


@dataclass(frozen=True)
class PollResult:
    poll_id: int
    question: str
    anonymous: bool
    multiple: bool
    closed: bool
    sent_at: datetime
    closes_at: datetime
    voters: int
    options: tuple[OptionResult, ...]  # in the order they were offered

    @property
    def winners(self) -> tuple[str, ...]:
        """The option(s) with the most votes (none if nobody voted)."""
        top = max((o.votes for o in self.options), default=0)
        return tuple(o.text for o in self.options if top > 0 and o.votes == top)


@dataclass(frozen=True)
class ScaleResult:
    key: str
    label: str  # the question as asked (English msgid; translate with i18n._ to show)
    answers: int
    mean: float | None  # None when nobody answered it
    counts: tuple[int, int, int, int, int]  # how many chose 1, 2, 3, 4, 5


@dataclass(frozen=True)
class TextResult:
    key: str
    label: str
    answers: tuple[str, ...]  # the free-text answers, never with a name


@dataclass(frozen=True)
class SurveyResult:
    surveys: int  # surveys sent in the period
    sent_to: int  # people it was sent to (DMs queued)
    responses: int
    scales: tuple[ScaleResult, ...]
    texts: tuple[TextResult, ...]


def poll_results(
    session: Session, community: Community, start: datetime, end: datetime
) -> list[PollResult]:
    polls = session.scalars(
        select(Poll)
        .where(
            Poll.community_id == community.id,
            Poll.status != PollStatus.DRAFT.value,
            Poll.confirmed_at >= start,
            Poll.confirmed_at < end,
        )
        .order_by(Poll.confirmed_at, Poll.id)
    ).all()
    found: list[PollResult] = []
    for poll in polls:
        options = session.scalars(
            select(PollOption).where(PollOption.poll_id == poll.id).order_by(PollOption.position)
        ).all()
        voters = session.scalar(
            select(func.count()).select_from(PollVoter).where(PollVoter.poll_id == poll.id)
        )
        found.append(
            PollResult(
                poll_id=poll.id,
                question=poll.question,
                anonymous=poll.anonymous,
                multiple=poll.multiple,
                closed=poll.status == PollStatus.CLOSED.value,
                sent_at=poll.confirmed_at or poll.created_at,
                closes_at=poll.closes_at,
                voters=int(voters or 0),
                options=tuple(OptionResult(o.text, o.votes) for o in options),
            )
        )
    return found


def survey_results(
    session: Session, community: Community, start: datetime, end: datetime
) -> SurveyResult:
    """Every survey sent in the period, its answers pooled by question."""
    sent = session.scalars(
        select(Survey)
        .where(
            Survey.community_id == community.id,
            Survey.status != PollStatus.DRAFT.value,
            Survey.confirmed_at >= start,
            Survey.confirmed_at < end,
        )
        .order_by(Survey.confirmed_at, Survey.id)
    ).all()
    ids = [s.id for s in sent]
    answers = (
        session.scalars(select(SurveyAnswer).where(SurveyAnswer.survey_id.in_(ids))).all()
        if ids
        else []
    )
    sent_to = 0
    for survey in sent:
        low = f"survey:{survey.id}:m"  # untranslated: an outbox key
        sent_to += int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.key >= low, OutboxMessage.key < low[:-1] + "n")
            )
            or 0
        )
    questions = sent[0].questions if sent else [dict(q) for q in surveys.DEFAULT_QUESTIONS]
    scales: list[ScaleResult] = []
    texts: list[TextResult] = []
    for question in questions:
        key, label = str(question["key"]), str(question["label"])
        given = [a.answers[key] for a in answers if key in a.answers]
        if question["kind"] == surveys.SCALE:
            numbers = [int(v) for v in given if isinstance(v, int) and 1 <= v <= 5]
            counts = tuple(numbers.count(n) for n in range(1, 6))
            scales.append(
                ScaleResult(
                    key=key,
                    label=label,
                    answers=len(numbers),
                    mean=round(sum(numbers) / len(numbers), 2) if numbers else None,
                    counts=(counts[0], counts[1], counts[2], counts[3], counts[4]),
                )
            )
        else:
            texts.append(TextResult(key, label, tuple(str(v) for v in given if v)))
    return SurveyResult(
        surveys=len(sent),
        sent_to=sent_to,
        responses=len(answers),
        scales=tuple(scales),
        texts=tuple(texts),
    )
