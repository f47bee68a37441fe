"""Reflections as a capability: replies in a prompt's thread become reflections, and a
member's reflections are in `my-data`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.capability import Capability, MessageEvent
from core.models import Community
from core.reflections import service


def _take_message(
    session: Session, community: Community, user_id: str, event: MessageEvent, now: datetime
) -> None:
    service.take_message(session, community, user_id, event, now)


CAPABILITY = Capability(
    name="reflections",
    data_section="reflections",
    personal_data=service.personal_data,
    message_event=_take_message,
)
