"""Messages about the library that the outbox sends: the review request to facilitators,
the outcome to the member who suggested, and the card every message shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import i18n, ui
from core.config import Settings
from core.delivery import outbox as outbox
from core.i18n import N_, _, t
from core.labels import LANGUAGE_LABELS, shown
from core.models import Community, Member, MemberStatus, Role
from core.resources.models import FORMAT_LABELS, Resource

A_MEMBER = N_("a member")  # who shared it, once they have used forget-me; show with _()


# Buttons on messages the outbox sends (DMs to facilitators) and the handlers answer.
APPROVE = "resource.approve"  # untranslated: an action id
EDIT = "resource.edit"  # untranslated: an action id
DECLINE = "resource.decline"  # untranslated: an action id


def sharer(resource: Resource, names: dict[int, str]) -> str | None:
    """Who shared it, as shown: their name, "a member" once erased, None for an import."""
    if resource.shared_by_member_id is not None:
        return names.get(resource.shared_by_member_id, _(A_MEMBER))
    return _(A_MEMBER) if resource.shared_through_form else None


def card_blocks(resource: Resource, shared_by: str | None) -> list[ui.Block]:
    """One resource: title, format, themes, language, one-line description, who shared it."""
    small = [
        shown(FORMAT_LABELS, resource.format),
        # Themes are the community's words (a default theme has a translation).
        ", ".join(_(theme) for theme in resource.themes) if resource.themes else None,
        shown(LANGUAGE_LABELS, resource.language),
        t("shared by {name}", name=shared_by) if shared_by else None,
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
        who=suggested_by or _(A_MEMBER),
        n=resource.number,
    )
    value = str(resource.id)
    return ui.Message(
        summary=t("A resource suggestion is waiting for review: {title}", title=resource.title),
        blocks=[
            ui.Section(lead),
            *card_blocks(resource, suggested_by),
            ui.Actions(
                [
                    ui.Button(_("Approve"), APPROVE, value, "primary"),
                    ui.Button(_("Edit"), EDIT, value),
                    ui.Button(
                        _("Decline"),
                        DECLINE,
                        value,
                        "danger",
                        ui.Confirm(
                            _("Decline this suggestion?"),
                            _("The member is thanked and told it won't be added this time."),
                            _("Decline"),
                            _("Keep it"),
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
    outgoing: list[outbox.Outgoing] = []
    for user, member_id in facilitator_recipients(session, community, settings):
        # Each facilitator reads it in their language (one who isn't a member yet, in the
        # community's).
        reader = session.get(Member, member_id) if member_id is not None else None
        with i18n.speaking(reader.speaks if reader is not None else community.language):
            message = review_message(resource, by.display_name if by else None)
        outgoing.append(
            outbox.Outgoing(
                key=f"resource-review:{resource.id}:{user}",
                kind="resource_review",
                recipient=user,
                message=message,
                due_at=now,
                member_id=member_id,
            )
        )
    outbox.enqueue(session, community.id, outgoing, now)


def tell_suggester(
    session: Session,
    resource: Resource,
    now: datetime,
    outcome: str,
    body_of: Callable[[], ui.Text],
) -> None:
    """DM the member who suggested it; `body_of` builds the text, in their language."""
    member = (
        session.get(Member, resource.shared_by_member_id) if resource.shared_by_member_id else None
    )
    if member is None or not member.is_active:
        return
    with i18n.speaking(member.speaks):
        body = body_of()
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
