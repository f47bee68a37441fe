"""The Home page: each person's dashboard, assembled from the sections capabilities register.

Members see their sections one after another (the next session, their pairing, the
library, their profile); people who haven't joined see the welcome; facilitators also get
their part below. Which sections exist is the capabilities' business
(`Registry.add_home_section`); this module names none of them.
"""

from __future__ import annotations

from core.context import RequestContext
from core.i18n import _, t
from core.ui import Block, Context, Divider, Header, HomePage, text
from handlers.registry import HomePlace, Registry


def home_page(ctx: RequestContext, registry: Registry) -> HomePage:
    member = ctx.active_member
    blocks: list[Block] = []
    if member is None:
        for section in registry.sections_for(HomePlace.VISITOR):
            blocks += section.build(ctx)
    else:
        blocks.append(Header(t("Hello, {name}", name=member.display_name)))
        shown = 0
        for section in registry.sections_for(HomePlace.MEMBER):
            built = list(section.build(ctx))
            if not built:
                continue  # a section with nothing to say today (a pause that isn't on)
            if shown:
                blocks.append(Divider())
            blocks += built
            shown += 1
        blocks.append(
            Context([text("Type `{cmd} help` to see everything you can do.", cmd=ctx.command)])
        )
    if ctx.is_facilitator:
        blocks += [Divider(), Header(_("For facilitators"))]
        for section in registry.sections_for(HomePlace.FACILITATOR):
            blocks += section.build(ctx)
    return HomePage(blocks)


def register(registry: Registry) -> None:
    registry.home = lambda ctx: home_page(ctx, registry)
