"""The home page: a personal dashboard, plus a small summary for facilitators."""

from __future__ import annotations

from core.context import RequestContext
from core.membership import service as membership
from core.sessions import service as sessions
from core.timefmt import span
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
from handlers.pairing import facilitator_home_blocks
from handlers.pairing import home_blocks as pairing_home_blocks
from handlers.registry import Registry
from handlers.resources import home_blocks as library_blocks
from handlers.resources import review_queue_blocks
from handlers.sessions import next_session_blocks, who_is_coming_button, zone_of


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
                    "conversations, and a shared library."
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
            *next_session_blocks(ctx),
            Divider(),
            *pairing_home_blocks(ctx),
            Divider(),
            *library_blocks(ctx),
            Divider(),
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
            *_next_session_counts(ctx, numbers.active_members),
            *facilitator_home_blocks(ctx),
            Fields(
                [
                    ("Members", str(numbers.active_members)),
                    ("Facilitators", str(numbers.facilitators)),
                    ("Joined this month", str(numbers.joins_this_month)),
                    ("Left this month", str(numbers.leaves_this_month)),
                ]
            ),
            Actions([Button("See members", MORE_MEMBERS, value="0")]),
            *review_queue_blocks(ctx),
        ]
    return HomePage(blocks)


def _next_session_counts(ctx: RequestContext, active_members: int) -> list[Block]:
    """Who is coming to the next session, so facilitators can follow up before it."""
    cs = sessions.next_session(ctx.session, ctx.community, ctx.now())
    if cs is None:
        return [
            Context(
                [text("No session is planned. Add one with `{cmd} session add`.", cmd=ctx.command)]
            )
        ]
    counted = sessions.counts(ctx.session, cs)
    answered = counted.going + counted.maybe + counted.declined
    blocks: list[Block] = [
        Section(
            text(
                "*Next session ({n}):* {title}, {when}",
                n=cs.number,
                title=cs.title,
                when=span(cs.starts_at, cs.ends_at, zone_of(ctx)),
            )
        ),
        Fields(
            [
                ("Going", str(counted.going)),
                ("Maybe", str(counted.maybe)),
                ("Can't make it", str(counted.declined)),
                ("No answer yet", str(max(0, active_members - answered))),
            ]
        ),
    ]
    if ctx.active_member is None:
        # A facilitator who is also a member has the button on the session card above.
        blocks.append(Actions([who_is_coming_button(cs)]))
    return blocks


def register(registry: Registry) -> None:
    registry.home = home_page
