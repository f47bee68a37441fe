"""`help`: what this person can do, for their role."""

from __future__ import annotations

from itertools import groupby

from core.context import RequestContext
from core.ui import Block, Context, Header, Message, Reply, Section, text
from handlers.registry import Access, Action, Command, Registry


def help_reply(ctx: RequestContext, registry: Registry) -> Message:
    commands = sorted(
        registry.visible_commands(ctx.is_facilitator),
        key=lambda c: (c.group == "Facilitating", c.group),
    )
    blocks: list[Block] = [Header("What you can do with Catalyst")]
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
        lines = [
            f"`{ctx.command} {c.name}{' ' + c.usage if c.usage else ''}` — {c.summary}"
            + _for_facilitators(ctx, c)
            for c in in_group
            if c.name != "help"
        ]
        if lines:
            blocks.append(
                Section(
                    text(
                        "*{g}*\n" + "\n".join(lines).replace("{", "{{").replace("}", "}}"), g=group
                    )
                )
            )
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
    return Message(summary="What you can do with Catalyst", blocks=blocks)


def _for_facilitators(ctx: RequestContext, command: Command) -> str:
    if not (ctx.is_facilitator and command.facilitator_usage):
        return ""
    return f". Facilitators also: {command.facilitator_usage}"


# "Keep it", "Stay", "Not now": a button that answers a question by changing nothing.
DISMISS = "ui.dismiss"


def dismiss(_ctx: RequestContext, _value: str) -> Reply:
    return Message(
        summary="Nothing changed.",
        blocks=(Section(text("Okay, nothing changed.")),),
        replace_original=True,
    )


def register(registry: Registry) -> None:
    registry.add_action(Action(DISMISS, dismiss, Access.ANYONE))

    def help_command(ctx: RequestContext, _args: str) -> Reply:
        return help_reply(ctx, registry)

    registry.add_command(
        Command("help", "This list", help_command, Access.ANYONE, aliases=("?", "commands"))
    )
