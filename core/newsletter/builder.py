"""What a newsletter says, and how it looks: as a chat message, in Markdown, and as a
self-contained HTML email body.

Pure: `Content` is plain values read from the database by the service at the moment of
rendering (so an erased member's reflection is simply not there). Every sentence is built
in the language being spoken (`core.i18n.speaking`); member-written words are never
translated and are escaped wherever they are shown (Slack by the renderer, HTML by
`html.escape`, Markdown by `_md`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core import i18n, ui
from core.i18n import _, t, tn
from core.newsletter import buttons as button_ids
from core.sessions import notices as session_notices
from core.timefmt import local, span

NOTE_MAX = 1500
TITLE_MAX = 150
QUOTE_SHOWN = 600  # a long reflection is cut in the newsletter
MAX_QUOTES = 3


@dataclass(frozen=True)
class SessionFacts:
    id: int
    title: str
    theme: str | None
    starts_at: datetime
    ends_at: datetime
    location: str
    description: str | None = None
    going: int = 0
    question: str | None = None


@dataclass(frozen=True)
class Quote:
    reflection_id: int
    body: str
    author: str


@dataclass(frozen=True)
class Figures:
    pairs: int = 0  # peer-coaching pairs and trios introduced in the period
    pairs_met: int = 0  # of those, how many said they met
    sets: int = 0  # action learning sets running now
    set_meetings: int = 0  # set meetings held in the period


@dataclass(frozen=True)
class Content:
    number: int
    dated: datetime  # when it went (or would go) out
    title: str | None
    note: str | None
    last: SessionFacts | None
    quotes: Sequence[Quote]
    next: SessionFacts | None
    prep: Sequence[tuple[str, str]] = ()
    library: Sequence[tuple[str, str]] = ()
    figures: Figures = field(default_factory=Figures)


def cut(value: str, limit: int) -> str:
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def heading(content: Content, zone: str) -> str:
    if content.title:
        return content.title
    return t(
        "Community newsletter, {date}",
        date=i18n.day_month_year(local(content.dated, zone)),
    )


def _went(n: int) -> str:
    return tn("{n} person came.", "{n} people came.", n)


def figure_lines(figures: Figures) -> list[str]:
    """This month's peer coaching and action learning sets, as counts only."""
    return [
        tn(
            "{n} peer-coaching pair was introduced.",
            "{n} peer-coaching pairs were introduced.",
            figures.pairs,
        ),
        tn("{n} pair said they met.", "{n} pairs said they met.", figures.pairs_met),
        tn(
            "{n} action learning set is running.",
            "{n} action learning sets are running.",
            figures.sets,
        ),
        tn("{n} set meeting was held.", "{n} set meetings were held.", figures.set_meetings),
    ]


# ---- as a chat message ------------------------------------------------------------------


def message(content: Content, zone: str, *, rsvp: bool = True) -> ui.Message:
    """The newsletter for one reader (dates in `zone`, their timezone)."""
    title = heading(content, zone)
    blocks: list[ui.Block] = [ui.Header(cut(title, TITLE_MAX))]
    if content.note:
        blocks.append(ui.Section(ui.literal(cut(content.note, NOTE_MAX))))
    if content.last is not None:
        last = content.last
        blocks.append(ui.Divider())
        blocks.append(ui.Section(ui.text("*Last session:* {title}", title=last.title)))
        facts: list[ui.Text] = []
        if last.theme:
            facts.append(ui.text("Theme: {theme}", theme=_(last.theme)))
        facts.append(ui.translated(_went(last.going)))
        blocks.append(ui.Context(facts))
        if last.question:
            blocks.append(
                ui.Section(ui.text("*The question we asked:* {question}", question=last.question))
            )
        for quote in content.quotes:
            blocks.append(
                ui.Section(
                    ui.text(
                        "“{body}” — {author}",
                        body=cut(quote.body, QUOTE_SHOWN),
                        author=quote.author,
                    )
                )
            )
    elif content.quotes:
        blocks.append(ui.Divider())
        for quote in content.quotes:
            blocks.append(
                ui.Section(
                    ui.text(
                        "“{body}” — {author}",
                        body=cut(quote.body, QUOTE_SHOWN),
                        author=quote.author,
                    )
                )
            )
    blocks.append(ui.Divider())
    if content.next is not None:
        upcoming = content.next
        blocks.append(
            ui.Section(
                ui.text(
                    "*Next session:* {title}\n{when}\n{where}",
                    title=upcoming.title,
                    when=span(upcoming.starts_at, upcoming.ends_at, zone),
                    where=upcoming.location,
                )
            )
        )
        if upcoming.description:
            blocks.append(
                ui.Section(ui.text("*To prepare:* {notes}", notes=cut(upcoming.description, 1500)))
            )
        blocks += session_notices.preparation(content.prep)
        if rsvp:
            blocks.append(session_notices.rsvp_buttons(upcoming.id))
    else:
        blocks.append(
            ui.Section(ui.text("No date is set for the next session yet: watch this space."))
        )
    if content.library:
        lines = "\n".join(f"• {{t{i}}} — {{u{i}}}" for i in range(len(content.library[:8])))
        values = {f"t{i}": i18n.isolate(title) for i, (title, _u) in enumerate(content.library[:8])}
        values |= {f"u{i}": i18n.isolate(url) for i, (_t, url) in enumerate(content.library[:8])}
        head = i18n.directed(_("*New in the library:*"))
        blocks.append(ui.Section(ui.Text(head + "\n" + lines, values)))
    blocks.append(
        ui.Section(
            ui.translated(
                i18n.directed(_("*This month:*")) + "\n" + "\n".join(figure_lines(content.figures))
            )
        )
    )
    return ui.Message(summary=title, blocks=blocks)


def draft_message(content: Content, zone: str, newsletter_id: int, status_line: str) -> ui.Message:
    """The draft as the facilitators see it: the newsletter, then what they can do."""
    preview = message(content, zone, rsvp=False)
    value = str(newsletter_id)
    blocks: list[ui.Block] = [
        ui.Section(ui.translated(status_line)),
        *preview.blocks,
        ui.Divider(),
        ui.Actions(
            [
                ui.Button(_("Edit"), button_ids.EDIT, value),
                ui.Button(
                    _("Send now"),
                    button_ids.SEND,
                    value,
                    "primary",
                    ui.Confirm(
                        _("Send the newsletter?"),
                        _("Everyone who gets it will get it now. It can't be sent twice."),
                        _("Send"),
                    ),
                ),
                ui.Button(_("Schedule"), button_ids.SCHEDULE, value),
                ui.Button(_("Skip this month"), button_ids.SKIP, value, "danger"),
            ]
        ),
    ]
    return ui.Message(summary=preview.summary, blocks=blocks)


# ---- as a document ------------------------------------------------------------------------


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _md(value: str) -> str:
    """Someone's words in Markdown: its markup characters escaped, lines kept."""
    return _MD_SPECIAL.sub(r"\\\1", value.strip())


def markdown(content: Content, zone: str) -> str:
    lines = [f"# {_md(heading(content, zone))}", ""]
    if content.note:
        lines += [_md(content.note), ""]
    if content.last is not None:
        last = content.last
        lines += [f"## {_md(t('Last session: {title}', title=last.title))}", ""]
        if last.theme:
            lines.append(_md(t("Theme: {theme}", theme=_(last.theme))) + "  ")
        lines += [_md(_went(last.going)), ""]
        if last.question:
            lines += [_md(t("The question we asked: {question}", question=last.question)), ""]
    for quote in content.quotes:
        body = _md(cut(quote.body, QUOTE_SHOWN)).replace("\n", "\n> ")
        lines += [f"> {body}", f"> — {_md(quote.author)}", ""]
    if content.next is not None:
        upcoming = content.next
        lines += [f"## {_md(t('Next session: {title}', title=upcoming.title))}", ""]
        lines.append(_md(span(upcoming.starts_at, upcoming.ends_at, zone)) + "  ")
        lines += [_md(upcoming.location), ""]
        if upcoming.description:
            lines += [_md(t("To prepare: {notes}", notes=upcoming.description)), ""]
        for title, url in content.prep:
            lines.append(f"- [{_md(title)}](<{url}>)")
        if content.prep:
            lines.append("")
    if content.library:
        lines += [f"## {_md(_('New in the library'))}", ""]
        lines += [f"- [{_md(title)}](<{url}>)" for title, url in content.library]
        lines.append("")
    lines += [f"## {_md(_('This month'))}", ""]
    lines += [f"- {_md(line)}" for line in figure_lines(content.figures)]
    return "\n".join(lines) + "\n"


_STYLE_BODY = (  # untranslated: inline CSS
    "font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#222;"
    "max-width:640px;margin:0 auto;padding:16px"
)
_STYLE_H1 = "font-size:24px;margin:0 0 12px 0;color:#1a3a5c"  # untranslated: inline CSS
_STYLE_H2 = (  # untranslated: inline CSS
    "font-size:19px;margin:24px 0 8px 0;color:#1a3a5c;border-top:1px solid #ddd;padding-top:16px"
)
_STYLE_P = "margin:0 0 10px 0"
_STYLE_QUOTE = "margin:0 0 12px 0;padding:8px 12px;border-left:4px solid #9bb7d4;background:#f4f7fa"
_STYLE_LINK = "color:#1a5c9c"


def _safe_url(url: str) -> str:
    return url if url.startswith(("https://", "http://", "mailto:")) else "#"


def html_email(content: Content, zone: str) -> str:
    """A self-contained HTML email body: inline styles, no images, no scripts; everything a
    member wrote escaped."""
    e = html.escape
    direction = "rtl" if i18n.is_rtl(i18n.current()) else "ltr"
    parts = [
        # untranslated: HTML markup
        f'<div dir="{direction}" style="{_STYLE_BODY}">',
        f'<h1 style="{_STYLE_H1}">{e(heading(content, zone))}</h1>',
    ]
    if content.note:
        note = e(content.note.strip()).replace("\n", "<br>")
        parts.append(f'<p style="{_STYLE_P}">{note}</p>')
    if content.last is not None:
        last = content.last
        last_title = t("Last session: {title}", title=last.title)
        parts.append(f'<h2 style="{_STYLE_H2}">{e(last_title)}</h2>')
        if last.theme:
            parts.append(f'<p style="{_STYLE_P}">{e(t("Theme: {theme}", theme=_(last.theme)))}</p>')
        parts.append(f'<p style="{_STYLE_P}">{e(_went(last.going))}</p>')
        if last.question:
            asked = t("The question we asked: {question}", question=last.question)
            parts.append(f'<p style="{_STYLE_P}">{e(asked)}</p>')
    for quote in content.quotes:
        body = e(cut(quote.body, QUOTE_SHOWN)).replace("\n", "<br>")
        parts.append(  # untranslated: HTML markup
            f'<blockquote style="{_STYLE_QUOTE}">{body}<br>— {e(quote.author)}</blockquote>'
        )
    if content.next is not None:
        upcoming = content.next
        parts.append(
            f'<h2 style="{_STYLE_H2}">{e(t("Next session: {title}", title=upcoming.title))}</h2>'
        )
        when = e(span(upcoming.starts_at, upcoming.ends_at, zone))
        parts.append(f'<p style="{_STYLE_P}">{when}<br>{e(upcoming.location)}</p>')
        if upcoming.description:
            prepare = t("To prepare: {notes}", notes=upcoming.description)
            parts.append(f'<p style="{_STYLE_P}">{e(prepare)}</p>')
        parts += _html_links(content.prep)
    if content.library:
        parts.append(f'<h2 style="{_STYLE_H2}">{e(_("New in the library"))}</h2>')
        parts += _html_links(content.library)
    parts.append(f'<h2 style="{_STYLE_H2}">{e(_("This month"))}</h2>')
    parts += [f'<p style="{_STYLE_P}">{e(line)}</p>' for line in figure_lines(content.figures)]
    parts.append("</div>")
    return "\n".join(parts) + "\n"


def _html_links(links: Sequence[tuple[str, str]]) -> list[str]:
    if not links:
        return []
    items = "".join(
        f'<li><a style="{_STYLE_LINK}" href="{html.escape(_safe_url(url))}">'
        f"{html.escape(title)}</a></li>"
        for title, url in links
    )
    # untranslated: HTML markup
    return [f'<ul style="{_STYLE_P}">{items}</ul>']
