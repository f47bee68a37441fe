"""Polls and the survey as a capability: closing on the clock, and named votes and
non-anonymous survey answers in `my-data` (erased with the member by cascade; anonymous
votes and answers are counts and unsigned rows, linked to nobody)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.capability import Capability
from core.models import Member
from core.polls import jobs, service, surveys
from core.polls.models import PollItemKind


def _personal_data(session: Session, member: Member) -> dict[str, Any]:
    return {
        "named_votes": service.personal_data(session, member),
        "survey_answers": surveys.personal_data(session, member),
    }


CAPABILITY = Capability(
    name="polls",
    item_runners={
        PollItemKind.CLOSE.value: jobs.close_poll,
        PollItemKind.SURVEY_CLOSE.value: jobs.close_survey,
    },
    describe_item=jobs.describe_item,
    data_section="polls",
    personal_data=_personal_data,
)
