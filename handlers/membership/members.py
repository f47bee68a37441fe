"""Facilitators: who is in the community, and who else facilitates."""

from __future__ import annotations

from core import i18n
from core.context import RequestContext
from core.i18n import N_, NP_, _, t, tn
from core.labels import ORG_SIZE_LABELS, shown
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

MORE_MEMBERS = "members.more"  # untranslated: an action id
PAGE_SIZE = 20  # one line each; keeps the message readable on a phone and under 50 blocks


def members_page(ctx: RequestContext, offset: int) -> Message:
    page = membership.list_active(ctx.session, ctx.community, offset=offset, limit=PAGE_SIZE)
    if page.total == 0:
        return Message(
            summary=_("Nobody has joined yet."),
            blocks=(
                Section(
                    text(
                        "Nobody has joined yet. Share `{command} join` in a channel to invite "
                        "people.",
                        command=ctx.command,
                    )
                ),
            ),
        )
    heading = t("Members ({n})", n=i18n.number(page.total))
    blocks: list[Block] = [Header(heading)]
    for member in page.members:
        values = {
            "name": member.display_name,
            # Pronouns are the member's own words, in brackets after their name.
            "pronouns": f" ({member.pronouns})" if member.pronouns else "",
            "organisation": member.organisation,
            "size": shown(ORG_SIZE_LABELS, member.org_size),
        }
        if member.is_facilitator or member.platform_user_id in ctx.settings.facilitators:
            line = text("*{name}*{pronouns} · {organisation} · {size} · facilitator", **values)
        else:
            line = text("*{name}*{pronouns} · {organisation} · {size}", **values)
        blocks.append(Section(line))
    shown_to = offset + len(page.members)
    blocks.append(
        Context(
            [
                text(
                    "Showing {first}–{last} of {total}.",
                    first=i18n.number(offset + 1),
                    last=i18n.number(shown_to),
                    total=i18n.number(page.total),
                )
            ]
        )
    )
    if shown_to < page.total:
        blocks.append(
            Actions(
                [
                    Button(
                        # Translators: a button showing the next page of members.
                        tn("Next {n}", "Next {n}", PAGE_SIZE),
                        MORE_MEMBERS,
                        value=str(shown_to),
                    )
                ]
            )
        )
    return Message(summary=heading, blocks=blocks, replace_original=offset > 0)


def members_command(ctx: RequestContext, _args: str) -> Reply:
    return members_page(ctx, 0)


def more_members(ctx: RequestContext, value: str) -> Reply:
    return members_page(ctx, page_offset(value))


ROLE_USAGE = N_(
    "Use `{command} role grant @someone facilitator` or "
    "`{command} role revoke @someone facilitator`."
)


def role_command(ctx: RequestContext, args: str) -> Reply:
    words = words_without_mentions(args)
    users = mentioned_user_ids(args)
    if not words or words[0] not in {"grant", "revoke"}:
        return notice(ROLE_USAGE, command=ctx.command)
    if len(users) != 1:
        return notice(
            "Please mention exactly one person, like `{command} role {word} @someone facilitator`.",
            command=ctx.command,
            word=words[0],
        )
    extra = [w for w in words[1:] if w != "facilitator"]
    if extra:
        return notice(
            "I only know the facilitator role, not `{word}`. Use `{command} role grant "
            "@someone facilitator` or `{command} role revoke @someone facilitator`.",
            word=shorten(extra[0], 20),
            command=ctx.command,
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
        return notice("*{name}* is now a facilitator.", name=member.display_name)
    return notice("*{name}* is no longer a facilitator.", name=member.display_name)


def register(registry: Registry) -> None:
    registry.add_home_section(HomePlace.FACILITATOR, 30, facilitator_home_blocks)
    registry.add_command(
        Command(
            name=NP_("command word", "members"),
            summary=N_("Who is in, with organisation and size"),
            run=members_command,
            access=Access.FACILITATOR,
            group=N_("Facilitating"),
        )
    )
    registry.add_command(
        Command(
            name=NP_("command word", "role"),
            summary=N_("Make someone a facilitator, or not"),
            run=role_command,
            access=Access.FACILITATOR,
            # Translators: keep `grant`, `revoke` and `facilitator`: they are typed in English.
            usage=N_("grant|revoke @someone facilitator"),
            group=N_("Facilitating"),
        )
    )
    registry.add_action(Action(MORE_MEMBERS, more_members, Access.FACILITATOR))


def facilitator_home_blocks(ctx: RequestContext) -> list[Block]:
    """Who is in, in numbers, with a way to the list."""
    numbers = membership.numbers(ctx.session, ctx.community, ctx.now(), ctx.settings.facilitators)
    return [
        Fields(
            [
                (_("Members"), i18n.number(numbers.active_members)),
                (_("Facilitators"), i18n.number(numbers.facilitators)),
                (_("Joined this month"), i18n.number(numbers.joins_this_month)),
                (_("Left this month"), i18n.number(numbers.leaves_this_month)),
            ]
        ),
        Actions([Button(_("See members"), MORE_MEMBERS, value="0")]),
    ]
