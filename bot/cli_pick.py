"""Which community a `catalyst …` command means, for every command that takes one.

One database can hold several communities (a Slack workspace, a Discord server, the
console). Without `--community`, the only one is meant; with several, the operator is
asked to name one rather than have the oldest picked silently.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.shell import PLATFORM as CONSOLE
from core.models import Community


class NoCommunity(Exception):
    """A plain sentence for the operator: no such community, or which one."""


def pick_community(session: Session, wanted: str | None) -> Community:
    """The community whose id (Slack team id, Discord server id) is `wanted`, else the only one."""
    if wanted:
        found = session.scalars(
            select(Community).where(Community.external_id == wanted).order_by(Community.id)
        ).first()
        if found is None:
            raise NoCommunity(
                f"There's no community {wanted} in this database. "
                "`catalyst community show` lists the ones there are."
            )
        return found
    every = session.scalars(select(Community).order_by(Community.id)).all()
    # A console community is a try-out on the operator's own machine: beside a real
    # workspace or server it is never what a command means by default.
    real = [community for community in every if community.platform != CONSOLE]
    if real:
        every = real
    if not every:
        raise NoCommunity(
            "There's no community in this database yet: it is created the first time someone "
            "uses Catalyst in the workspace, the server or the console."
        )
    if len(every) > 1:
        listed = ", ".join(
            f"{c.external_id} ({c.platform}{', ' + c.name if c.name else ''})" for c in every
        )
        raise NoCommunity(
            f"This database holds {len(every)} communities: {listed}. "
            "Say which with --community ID."
        )
    return every[0]
