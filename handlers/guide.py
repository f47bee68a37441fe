"""`help`: what this person can do, for their role."""

from __future__ import annotations

from itertools import groupby

from core import i18n
from core.context import RequestContext
from core.i18n import N_, NP_, _, t
from core.ui import Block, Context, Header, Message, Reply, Section, Text, text
from handlers.registry import Access, Action, Command, Registry


def help_reply(ctx: RequestContext, registry: Registry) -> Message:
    commands = sorted(
        registry.visible_commands(ctx.is_facilitator),
        key=lambda c: (c.group == "Facilitating", c.group),
    )
    blocks: list[Block] = [Header(_("What you can do with Catalyst"))]
    if ctx.active_member is None:
        blocks.append(
            Section(
                text(
                    "You haven't joined yet: start with `{cmd} join`. It takes two minutes.",
                    cmd=ctx.command,
                )
            )
        )
    for group, in_group in groupby(commands, key=lambda c: c.group):
        lines = [_help_line(ctx, c) for c in in_group if c.name != "help"]
        if lines:
            # Each line is already in the reader's language; braces are doubled so the
            # renderer leaves any in a summary as they are.
            body = "\n".join([f"*{_(group)}*", *lines]).replace("{", "{{").replace("}", "}}")
            blocks.append(Section(Text(i18n.directed(body))))
    blocks.append(
        Context(
            [
                text(
                    "Type `{cmd} help` any time. Your data is yours: `{cmd} my-data`.",
                    cmd=ctx.command,
                )
            ]
        )
    )
    return Message(summary=_("What you can do with Catalyst"), blocks=blocks)


def _help_line(ctx: RequestContext, command: Command) -> str:
    """One command's line of help, its summary and usage (marked by its package) translated."""
    values = {
        "command": ctx.command,
        "name": command.name,
        "summary": _(command.summary),
    }
    also = ctx.is_facilitator and command.facilitator_usage
    if command.usage and also:
        return t(
            "`{command} {name} {usage}` — {summary}. Facilitators also: {facilitator_usage}",
            usage=_(command.usage),
            facilitator_usage=_(command.facilitator_usage),
            **values,
        )
    if command.usage:
        return t("`{command} {name} {usage}` — {summary}", usage=_(command.usage), **values)
    if also:
        return t(
            "`{command} {name}` — {summary}. Facilitators also: {facilitator_usage}",
            facilitator_usage=_(command.facilitator_usage),
            **values,
        )
    return t("`{command} {name}` — {summary}", **values)


# "Keep it", "Stay", "Not now": a button that answers a question by changing nothing.
DISMISS = "ui.dismiss"  # untranslated: an action id


def dismiss(_ctx: RequestContext, _value: str) -> Reply:
    return Message(
        summary=_("Nothing changed."),
        blocks=(Section(text("Okay, nothing changed.")),),
        replace_original=True,
    )


def register(registry: Registry) -> None:
    registry.add_action(Action(DISMISS, dismiss, Access.ANYONE))

    def help_command(ctx: RequestContext, _args: str) -> Reply:
        return help_reply(ctx, registry)

    registry.add_command(
        Command(
            NP_("command word", "help"),
            N_("This list"),
            help_command,
            Access.ANYONE,
            aliases=("?", "commands"),
        )
    )
