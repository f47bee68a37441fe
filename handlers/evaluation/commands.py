"""`/cop report [from] [to]`: the programme evaluation report as an HTML file in the
facilitator's DM (self-contained: charts inside, each with its data table)."""

from __future__ import annotations

from datetime import date

from core.context import RequestContext
from core.errors import UserError
from core.evaluation import service as evaluation
from core.i18n import N_, NP_, t
from core.timefmt import local
from core.ui import Replies, Reply, SendFile, notice
from handlers.registry import Access, Command, Registry

USAGE = N_(
    "Type `{command} report 2026-01-01 2026-06-30` with the first and last day the report "
    "covers (year-month-day). Without dates it covers everything from the community's start "
    "to today."
)


def parse_day(word: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise UserError(
            t(
                "{word} isn't a date I can read. Write it as year-month-day, like 2026-01-31.",
                word=word[:40],
            )
        ) from None


def report_command(ctx: RequestContext, args: str) -> Reply | Replies:
    words = args.split()
    if len(words) > 2:
        return notice(USAGE, command=ctx.command)
    today = local(ctx.now(), ctx.community.timezone).date()
    first_day = (
        parse_day(words[0])
        if words
        else local(ctx.community.created_at, ctx.community.timezone).date()
    )
    last_day = parse_day(words[1]) if len(words) == 2 else today
    document = evaluation.document(
        ctx.session, ctx.community, first_day, last_day, "html", made_at=ctx.now()
    )
    return [
        SendFile(
            filename=evaluation.filename(first_day, last_day, "html"),
            content=document.decode("utf-8"),
            title=t(
                "Programme report, {first} to {last}",
                first=first_day.isoformat(),
                last=last_day.isoformat(),
            ),
            comment=t(
                "Here is the programme report. Open it in a browser; print it or save it as "
                "PDF from there. For a PDF straight away, run `catalyst report --format pdf`."
            ),
        ),
        notice("I've sent you the programme report as a file in our DM."),
    ]


def register(registry: Registry) -> None:
    registry.add_command(
        Command(
            NP_("command word", "report"),
            N_("The programme evaluation report, as a file for funders"),
            report_command,
            Access.FACILITATOR,
            # Translators: FROM and TO are dates typed as year-month-day.
            usage=N_("[FROM TO]"),
            group=N_("Facilitating"),
        )
    )
