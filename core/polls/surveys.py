"""The end-of-programme survey: a short evaluation form sent by DM, answered once, anonymous
by default. Its answers feed the evaluation report (`summary.survey_results`).

An anonymous survey stores each answer without the member: a `SurveyRespondent` row only
stops a second answer, and the answer's id is random, so nothing matches the two.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import i18n, ui
from core.broadcasts import audiences, timing
from core.broadcasts import service as broadcasts
from core.config import Settings
from core.delivery.models import OutboxMessage
from core.delivery.outbox import Outgoing, enqueue
from core.errors import InvalidInput, UserError
from core.i18n import N_, _, tn
from core.models import Community, Member
from core.polls import buttons
from core.polls.models import PollItemKind, PollStatus, Survey, SurveyAnswer, SurveyRespondent
from core.polls.service import closing_time, plan_close
from core.text import clean_text
from core.timefmt import when

TEXT = "text"
SCALE = "scale"
ANSWER_MAX = 2000
SCALE_VALUES = ("1", "2", "3", "4", "5")

# What the community asked at the end of its first programme: what helped, what got in the
# way, would you continue, how valuable it was, what to change.
DEFAULT_QUESTIONS: tuple[dict[str, str], ...] = (
    {"key": "helped", "kind": TEXT, "label": N_("What helped you most?")},
    {"key": "hindered", "kind": TEXT, "label": N_("What got in the way?")},
    {
        "key": "continue",
        "kind": SCALE,
        "label": N_("Would you continue in a next programme? (1 = no, 5 = certainly)"),
    },
    {
        "key": "value",
        "kind": SCALE,
        "label": N_("How valuable was the programme for you overall? (1 = not at all, 5 = very)"),
    },
    {"key": "change", "kind": TEXT, "label": N_("What should we change?")},
)


@dataclass(frozen=True)
class SurveyDraft:
    audience: list[str]
    date: str | None
    time: str | None
    anonymous: bool


def check(
    draft: SurveyDraft, community: Community, settings: Settings, now: datetime
) -> tuple[list[str], datetime]:
    errors: dict[str, str] = {}
    codes = audiences.check(draft.audience)
    if not codes:
        errors["audience"] = _("Please choose who it is for.")
    closes_at, timing_errors = closing_time(draft.date, draft.time, community.timezone, now)
    errors.update(timing_errors)
    del settings
    if errors or closes_at is None:
        raise InvalidInput(errors)
    return codes, closes_at


def save(
    session: Session,
    community: Community,
    settings: Settings,
    codes: list[str],
    closes_at: datetime,
    anonymous: bool,
    author: Member | None,
    now: datetime,
) -> Survey:
    survey = Survey(
        community_id=community.id,
        created_by_member_id=author.id if author is not None else None,
        questions=[dict(q) for q in DEFAULT_QUESTIONS],
        anonymous=anonymous,
        audience=codes,
        delivery_hours=broadcasts.hours_for(community, settings),
        config_facilitators=sorted(settings.facilitators),
        closes_at=closes_at,
        status=PollStatus.DRAFT.value,
        created_at=now,
    )
    session.add(survey)
    session.flush()
    return survey


def find(session: Session, community: Community, survey_id: int) -> Survey | None:
    found = session.get(Survey, survey_id)
    return found if found is not None and found.community_id == community.id else None


def audience_of(
    session: Session, community: Community, survey: Survey, now: datetime
) -> list[Member]:
    return audiences.resolve(
        session,
        community,
        survey.audience,
        by_dm=True,
        now=now,
        also_facilitators=survey.config_facilitators,
    ).members


def invitation(survey: Survey, zone: str) -> ui.Message:
    """The DM that asks for an answer, with the button that opens the form."""
    count = len(survey.questions)
    lead = ui.translated(
        tn(
            "*End-of-programme survey.* {n} short question, a few minutes. It helps us "
            "improve the next programme and show funders what it achieved.",
            "*End-of-programme survey.* {n} short questions, a few minutes. It helps us "
            "improve the next programme and show funders what it achieved.",
            count,
        )
    )
    how = (
        ui.text(
            "Anonymous: your answers are kept without your name. Closes {when}.",
            when=when(survey.closes_at, zone),
        )
        if survey.anonymous
        else ui.text(
            "Facilitators will see your name beside your answers. Closes {when}.",
            when=when(survey.closes_at, zone),
        )
    )
    return ui.Message(
        summary=lead.plain(),
        blocks=[
            ui.Section(lead),
            ui.Context([how]),
            ui.Actions(
                [ui.Button(_("Answer the survey"), buttons.SURVEY_OPEN, str(survey.id), "primary")]
            ),
        ],
    )


def confirm(session: Session, community: Community, survey: Survey, now: datetime) -> int | None:
    """Send the survey by DM; None if it was sent already."""
    won = session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.status == PollStatus.DRAFT.value)
        .values(status=PollStatus.OPEN.value, confirmed_at=now)
    )
    session.refresh(survey)
    if int(won.rowcount) != 1:  # type: ignore[attr-defined]
        return None
    window = timing.parse_window(survey.delivery_hours) or timing.DEFAULT
    outgoing: list[Outgoing] = []
    for member in audience_of(session, community, survey, now):
        with i18n.speaking(member.speaks):
            message = invitation(survey, member.timezone)
        outgoing.append(
            Outgoing(
                key=f"survey:{survey.id}:m{member.id}",  # untranslated: an outbox key
                kind="survey_dm",
                recipient=member.platform_user_id,
                message=message,
                due_at=min(timing.deliver_at(now, member.timezone, window), survey.closes_at),
                member_id=member.id,
            )
        )
    enqueue(session, community.id, outgoing, now)
    plan_close(
        session,
        community.id,
        f"survey-close:{survey.id}",
        PollItemKind.SURVEY_CLOSE,
        survey.closes_at,
    )
    return len(outgoing)


def is_open(survey: Survey, now: datetime) -> bool:
    return survey.status == PollStatus.OPEN.value and now < survey.closes_at


def has_answered(session: Session, survey: Survey, member: Member) -> bool:
    return (
        session.scalars(
            select(SurveyRespondent.id).where(
                SurveyRespondent.survey_id == survey.id, SurveyRespondent.member_id == member.id
            )
        ).first()
        is not None
    )


def can_answer(session: Session, survey: Survey, member: Member, now: datetime) -> None:
    """Raise with a plain sentence if this member can't answer (closed, or answered)."""
    if not is_open(survey, now):
        raise UserError(_("This survey has closed: thank you all the same."))
    if has_answered(session, survey, member):
        raise UserError(_("You have answered this survey already: thank you!"))


def answer(
    session: Session,
    survey: Survey,
    member: Member,
    values: Mapping[str, object],
    now: datetime,
) -> None:
    """Store one member's answers, once; without their id when the survey is anonymous."""
    can_answer(session, survey, member, now)
    errors: dict[str, str] = {}
    kept: dict[str, Any] = {}
    for question in survey.questions:
        key, kind = str(question["key"]), str(question["kind"])
        raw = values.get(key)
        if kind == SCALE:
            if raw in (None, ""):
                continue
            if raw not in SCALE_VALUES:
                errors[key] = _("Please choose a number from 1 to 5.")
                continue
            kept[key] = int(str(raw))
        else:
            words = clean_text(raw if isinstance(raw, str) else None, multiline=True)
            if len(words) > ANSWER_MAX:
                errors[key] = i18n.t(
                    "Please keep this answer to {limit} characters.",
                    limit=i18n.number(ANSWER_MAX),
                )
            elif words:
                kept[key] = words
    if errors:
        raise InvalidInput(errors)
    if not kept:
        raise InvalidInput(
            {str(survey.questions[0]["key"]): _("Please answer at least one question.")}
        )
    try:
        # The same form submitted twice at once: both passed `can_answer`; the second row
        # breaks the unique rule and is told so (a savepoint keeps the request usable).
        with session.begin_nested():
            session.add(SurveyRespondent(survey_id=survey.id, member_id=member.id))
    except IntegrityError:
        raise UserError(_("You have answered this survey already: thank you!")) from None
    session.add(
        SurveyAnswer(
            id=secrets.token_hex(16),
            survey_id=survey.id,
            member_id=None if survey.anonymous else member.id,
            answers=kept,
        )
    )
    session.flush()


def close(session: Session, survey: Survey, now: datetime) -> bool:
    """Close the survey and tell whoever sent it how it went (counts and averages; the
    answers themselves are in the evaluation report). False if it was closed already."""
    won = session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.status == PollStatus.OPEN.value)
        .values(status=PollStatus.CLOSED.value)
    )
    session.refresh(survey)
    if int(won.rowcount) != 1:  # type: ignore[attr-defined]
        return False
    author = (
        session.get(Member, survey.created_by_member_id)
        if survey.created_by_member_id is not None
        else None
    )
    if author is None or not author.is_active:
        return True
    low = f"survey:{survey.id}:m"  # untranslated: an outbox key
    asked = int(
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.key >= low, OutboxMessage.key < low[:-1] + "n")
        )
        or 0
    )
    answers = [
        dict(a.answers)
        for a in session.scalars(select(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id))
    ]
    with i18n.speaking(author.speaks):
        lines = [
            ui.translated(
                tn(
                    "*The end-of-programme survey has closed.* {answered} of the {n} person "
                    "it was sent to answered.",
                    "*The end-of-programme survey has closed.* {answered} of the {n} people "
                    "it was sent to answered.",
                    asked,
                    answered="{answered}",
                ),
                answered=i18n.number(len(answers)),
            )
        ]
        for question in survey.questions:
            if question["kind"] != SCALE:
                continue
            given = [a[question["key"]] for a in answers if isinstance(a.get(question["key"]), int)]
            if given:
                lines.append(
                    ui.translated(
                        tn(
                            "{question} Average {mean}, from {n} answer.",
                            "{question} Average {mean}, from {n} answers.",
                            len(given),
                            question="{question}",
                            mean="{mean}",
                        ),
                        question=_(str(question["label"])),
                        mean=i18n.number(round(sum(given) / len(given), 1)),
                    )
                )
        lines.append(ui.text("Every answer is in the programme evaluation report."))
        message = ui.Message(summary=lines[0].plain(), blocks=[ui.Section(line) for line in lines])
    enqueue(
        session,
        survey.community_id,
        [
            Outgoing(
                key=f"survey-closed:{survey.id}",  # untranslated: an outbox key
                kind="survey_closed",
                recipient=author.platform_user_id,
                message=message,
                due_at=now,
                member_id=author.id,
            )
        ],
        now,
    )
    return True


def personal_data(session: Session, member: Member) -> list[dict[str, object]]:
    """Answers given with a name; anonymous answers are linked to nobody."""
    rows = session.scalars(
        select(SurveyAnswer)
        .where(SurveyAnswer.member_id == member.id)
        .order_by(SurveyAnswer.survey_id)
    ).all()
    return [{"survey": row.survey_id, "answers": dict(row.answers)} for row in rows]
