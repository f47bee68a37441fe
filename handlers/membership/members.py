"""Facilitators: who is in the community, and who else facilitates."""

from __future__ import annotations

from core.context import RequestContext
from core.labels import ORG_SIZE_LABELS
from core.membership import service as membership
from core.models import Role
from core.ui import (
    Actions,
    Block,
    Button,
    Context,
    Fields,
    Header,
    Message,
    Reply,
    Section,
    notice,
    text,
)
from handlers.ids import page_offset
from handlers.mentions import mentioned_user_ids, shorten, words_without_mentions
from handlers.registry import Access, Action, Command, HomePlace, Registry

MORE_MEMBERS = "members.more"
PAGE_SIZE = 20  # one line each; keeps the message readable on a phone and under 50 blocks


def members_page(ctx: RequestContext, offset: int) -> Message:
    page = membership.list_active(ctx.session, ctx.community, offset=offset, limit=PAGE_SIZE)
    if page.total == 0:
        return Message(
            summary="Nobody has joined yet.",
            blocks=(
                Section(
                    text(
                        "Nobody has joined yet. Share `{cmd} join` in a channel to invite people.",
                        cmd=ctx.command,
                    )
                ),
            ),
        )
    blocks: list[Block] = [Header(f"Members ({page.total})")]
    for member in page.members:
        size = ORG_SIZE_LABELS.get(member.org_size, member.org_size)
        line = "*{name}*{pronouns} · {org} · {size}"
        if member.is_facilitator or member.platform_user_id in ctx.settings.facilitators:
            line += " · facilitator"
        blocks.append(
            Section(
                text(
                    line,
                    name=member.display_name,
                    pronouns=f" ({member.pronouns})" if member.pronouns else "",
                    org=member.organisation,
                    size=size,
                )
            )
        )
    shown_to = offset + len(page.members)
    blocks.append(
        Context([text("Showing {a}–{b} of {n}.", a=offset + 1, b=shown_to, n=page.total)])
    )
    if shown_to < page.total:
        blocks.append(Actions([Button(f"Next {PAGE_SIZE}", MORE_MEMBERS, value=str(shown_to))]))
    return Message(summary=f"Members ({page.total})", blocks=blocks, replace_original=offset > 0)


def members_command(ctx: RequestContext, _args: str) -> Reply:
    return members_page(ctx, 0)


def more_members(ctx: RequestContext, value: str) -> Reply:
    return members_page(ctx, page_offset(value))


ROLE_USAGE = (
    "Use `{v0} role grant @someone facilitator` or `{v0} role revoke @someone facilitator`."
)


def role_command(ctx: RequestContext, args: str) -> Reply:
    words = words_without_mentions(args)
    users = mentioned_user_ids(args)
    if not words or words[0] not in {"grant", "revoke"}:
        return notice(ROLE_USAGE, ctx.command)
    if len(users) != 1:
        return notice(
            "Please mention exactly one person, like `{v0} role {v1} @someone facilitator`.",
            ctx.command,
            words[0],
        )
    extra = [w for w in words[1:] if w != "facilitator"]
    if extra:
        return notice(
            "I only know the facilitator role, not `{v0}`. Use `{v1} role grant @someone "
            "facilitator` or `{v1} role revoke @someone facilitator`.",
            shorten(extra[0], 20),
            ctx.command,
        )
    granting = words[0] == "grant"
    target = users[0]
    if not granting and target == ctx.caller.user_id:
        return notice(
            "You can't remove your own facilitator role; ask another facilitator to do it."
        )
    member = membership.set_role(
        ctx.session,
        ctx.community,
        target,
        Role.FACILITATOR if granting else Role.MEMBER,
        ctx.now(),
        configured_facilitators=ctx.settings.facilitators,
    )
    if granting:
        return notice("*{v0}* is now a facilitator.", member.display_name)
    return notice("*{v0}* is no longer a facilitator.", member.display_name)


def register(registry: Registry) -> None:
    registry.add_home_section(HomePlace.FACILITATOR, 30, facilitator_home_blocks)
    registry.add_command(
        Command(
            "members",
            "Who is in, with organisation and size",
            members_command,
            Access.FACILITATOR,
            group="Facilitating",
        )
    )
    registry.add_command(
        Command(
            "role",
            "Make someone a facilitator, or not",
            role_command,
            Access.FACILITATOR,
            usage="grant|revoke @someone facilitator",
            group="Facilitating",
        )
    )
    registry.add_action(Action(MORE_MEMBERS, more_members, Access.FACILITATOR))


def facilitator_home_blocks(ctx: RequestContext) -> list[Block]:
    """Who is in, in numbers, with a way to the list."""
    numbers = membership.numbers(ctx.session, ctx.community, ctx.now(), ctx.settings.facilitators)
    return [
        Fields(
            [
                ("Members", str(numbers.active_members)),
                ("Facilitators", str(numbers.facilitators)),
                ("Joined this month", str(numbers.joins_this_month)),
                ("Left this month", str(numbers.leaves_this_month)),
            ]
        ),
        Actions([Button("See members", MORE_MEMBERS, value="0")]),
    ]
