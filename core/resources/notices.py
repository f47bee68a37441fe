"""Messages about the library that the outbox sends: the review request to facilitators,
the outcome to the member who suggested, and the card every message shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import ui
from core.config import Settings
from core.delivery import outbox as outbox
from core.labels import LANGUAGE_LABELS
from core.models import Community, Member, MemberStatus, Role
from core.resources.models import FORMAT_LABELS, Resource

A_MEMBER = "a member"  # who shared it, once they have used forget-me


# Buttons on messages the outbox sends (DMs to facilitators) and the handlers answer.
APPROVE = "resource.approve"
EDIT = "resource.edit"
DECLINE = "resource.decline"


def sharer(resource: Resource, names: dict[int, str]) -> str | None:
    """Who shared it, as shown: their name, "a member" once erased, None for an import."""
    if resource.shared_by_member_id is not None:
        return names.get(resource.shared_by_member_id, A_MEMBER)
    return A_MEMBER if resource.shared_through_form else None


def card_blocks(resource: Resource, shared_by: str | None) -> list[ui.Block]:
    """One resource: title, format, themes, language, one-line description, who shared it."""
    small = [
        FORMAT_LABELS.get(resource.format, resource.format),
        ", ".join(resource.themes) if resource.themes else None,
        LANGUAGE_LABELS.get(resource.language, resource.language),
        f"shared by {shared_by}" if shared_by else None,
    ]
    body = ui.text("*{title}*\n{url}", title=resource.title, url=resource.url)
    if resource.description:
        line = resource.description.split("\n", 1)[0]
        line = line if len(line) <= 200 else line[:199].rstrip() + "…"
        body = ui.text(
            "*{title}*\n{description}\n{url}",
            title=resource.title,
            description=line,
            url=resource.url,
        )
    return [ui.Section(body), ui.Context([ui.literal(" · ".join(p for p in small if p))])]


def review_message(resource: Resource, suggested_by: str | None) -> ui.Message:
    lead = ui.text(
        "*{who}* suggested a resource for the library (number {n}):",
        who=suggested_by or A_MEMBER,
        n=resource.number,
    )
    value = str(resource.id)
    return ui.Message(
        summary=f"A resource suggestion is waiting for review: {resource.title}",
        blocks=[
            ui.Section(lead),
            *card_blocks(resource, suggested_by),
            ui.Actions(
                [
                    ui.Button("Approve", APPROVE, value, "primary"),
                    ui.Button("Edit", EDIT, value),
                    ui.Button(
                        "Decline",
                        DECLINE,
                        value,
                        "danger",
                        ui.Confirm(
                            "Decline this suggestion?",
                            "The member is thanked and told it won't be added this time.",
                            "Decline",
                            "Keep it",
                        ),
                    ),
                ]
            ),
        ],
    )


def facilitator_recipients(
    session: Session, community: Community, settings: Settings
) -> list[tuple[str, int | None]]:
    rows = session.execute(
        select(Member.platform_user_id, Member.id).where(
            Member.community_id == community.id,
            Member.role == Role.FACILITATOR.value,
            Member.status == MemberStatus.ACTIVE.value,
        )
    ).all()
    recipients: dict[str, int | None] = {str(user): int(mid) for user, mid in rows}
    for user in sorted(settings.facilitators):
        recipients.setdefault(user, None)
    return sorted(recipients.items())


def ask_facilitators(
    session: Session,
    community: Community,
    settings: Settings,
    resource: Resource,
    by: Member | None,
    now: datetime,
) -> None:
    message = review_message(resource, by.display_name if by else None)
    outbox.enqueue(
        session,
        community.id,
        [
            outbox.Outgoing(
                key=f"resource-review:{resource.id}:{user}",
                kind="resource_review",
                recipient=user,
                message=message,
                due_at=now,
                member_id=member_id,
            )
            for user, member_id in facilitator_recipients(session, community, settings)
        ],
        now,
    )


def tell_suggester(
    session: Session, resource: Resource, now: datetime, outcome: str, body: ui.Text
) -> None:
    member = (
        session.get(Member, resource.shared_by_member_id) if resource.shared_by_member_id else None
    )
    if member is None or not member.is_active:
        return
    outbox.enqueue(
        session,
        resource.community_id,
        [
            outbox.Outgoing(
                key=f"resource-{outcome}:{resource.id}",
                kind=f"resource_{outcome}",
                recipient=member.platform_user_id,
                message=ui.Message(
                    summary=body.plain().replace("*", ""), blocks=[ui.Section(body)]
                ),
                due_at=now,
                member_id=member.id,
            )
        ],
        now,
    )
