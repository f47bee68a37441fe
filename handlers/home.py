"""The home page: a personal dashboard, plus a small summary for facilitators."""

from __future__ import annotations

from core import membership
from core.context import RequestContext
from core.ui import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Fields,
    Header,
    HomePage,
    Section,
    text,
)
from handlers.members import MORE_MEMBERS
from handlers.membership import EDIT_PROFILE, EXPORT_JSON, OPEN_JOIN, profile_fields
from handlers.registry import Registry


def home_page(ctx: RequestContext) -> HomePage:
    member = ctx.active_member
    blocks: list[Block] = []
    if member is None:
        blocks += [
            Header("Welcome to Catalyst"),
            Section(
                text(
                    "Catalyst keeps our Community of Practice connected between sessions: "
                    "reminders of what's coming up, peer-coaching partners for GROW "
                    "conversations, learning sets with people from similar organisations, and "
                    "a shared library."
                )
            ),
            Section(
                text(
                    "It takes two minutes to join, and missing a session never means missing "
                    "out: we'll catch you up."
                    if ctx.member is None
                    else "You've left for now. Everything is paused; come back whenever suits."
                )
            ),
            Actions(
                [Button("Join" if ctx.member is None else "Come back", OPEN_JOIN, style="primary")]
            ),
        ]
    else:
        blocks += [
            Header(f"Hello, {member.display_name}"),
            Section(text("*Your profile*")),
            profile_fields(member),
            Actions(
                [
                    Button("Edit profile", EDIT_PROFILE),
                    Button("Download my data", EXPORT_JSON),
                ]
            ),
            Context([text("Type `{cmd} help` to see everything you can do.", cmd=ctx.command)]),
        ]
    if ctx.is_facilitator:
        numbers = membership.numbers(
            ctx.session, ctx.community, ctx.now(), ctx.settings.facilitators
        )
        blocks += [
            Divider(),
            Header("For facilitators"),
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
    return HomePage(blocks)


def register(registry: Registry) -> None:
    registry.home = home_page
