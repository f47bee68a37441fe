"""A poll's and a survey's scheduled work: closing on the clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core import i18n
from core.delivery.models import ItemStatus, ScheduledItem
from core.delivery.occurrences import finish
from core.polls import service, surveys
from core.polls.models import Poll, PollItemKind, Survey


def _id_in(key: str) -> int | None:
    tail = key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def close_poll(session: Session, item: ScheduledItem, now: datetime) -> str:
    poll = session.get(Poll, _id_in(item.key) or 0)
    if poll is None:
        return finish(item, ItemStatus.CANCELLED, now, "poll gone")
    sent = service.close(session, poll, now)
    item.recipients = sent
    return f"poll {poll.id} closed; {sent} result messages"  # untranslated: a record


def close_survey(session: Session, item: ScheduledItem, now: datetime) -> str:
    survey = session.get(Survey, _id_in(item.key) or 0)
    if survey is None:
        return finish(item, ItemStatus.CANCELLED, now, "survey gone")
    surveys.close(session, survey, now)
    return f"survey {survey.id} closed"  # untranslated: a record


def describe_item(session: Session, item: ScheduledItem) -> tuple[str, int]:
    del session
    if item.kind == PollItemKind.SURVEY_CLOSE.value:
        return i18n._("the end-of-programme survey closes"), 0
    return i18n._("a poll closes and its result is sent"), 0
