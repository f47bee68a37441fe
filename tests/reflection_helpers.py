"""Builders for reflection tests: prompts as the scheduler leaves them, sessions, members."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from core.membership import service as membership
from core.models import Community, Member
from core.sessions.models import CommunitySession, Prompt, PromptAudience, PromptStatus
from tests.core.drafts import draft

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CHANNEL = "C0REFLECT"
THREAD_TS = "1795000000.000100"


def add_member(session: Session, community: Community, user_id: str, **changes: object) -> Member:
    profile = membership.check_profile(draft(**changes), community, joining=True)
    member, _ = membership.join(session, community, user_id, profile, NOW)
    return member


def add_session(
    session: Session, community: Community, number: int = 1, title: str = "Power and voice"
) -> CommunitySession:
    cs = CommunitySession(
        community_id=community.id,
        number=number,
        title=title,
        starts_at=NOW - timedelta(days=1),
        duration_minutes=90,
        location="https://meet.example.org/cop",
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(cs)
    session.flush()
    return cs


def add_prompt(
    session: Session,
    community: Community,
    *,
    text: str = "What will you carry into your work this month?",
    posted: bool = True,
    ts: str | None = THREAD_TS,
    channel: str = CHANNEL,
    cs: CommunitySession | None = None,
    post_at: datetime = NOW - timedelta(hours=2),
    status: PromptStatus | None = None,
    audience: PromptAudience = PromptAudience.CHANNEL,
) -> Prompt:
    """A prompt; `posted` ones carry the channel and ts of their thread parent.

    One sent by DM (`audience=PromptAudience.DMS`) has no channel and so never a thread.
    """
    by_dm = audience is PromptAudience.DMS
    prompt = Prompt(
        community_id=community.id,
        session_id=cs.id if cs is not None else None,
        text=text,
        post_at=post_at,
        audience=audience.value,
        channel_id=None if by_dm else channel,
        status=(status or (PromptStatus.POSTED if posted else PromptStatus.SCHEDULED)).value,
        posted_channel=channel if posted and ts and not by_dm else None,
        posted_ts=ts if posted and not by_dm else None,
        created_at=NOW,
    )
    session.add(prompt)
    session.flush()
    return prompt
