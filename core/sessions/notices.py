"""Messages the bot sends unasked: reminders, prompts, nudges and catch-ups.

Written for a busy person reading on a phone who may have missed the last meeting: the
point first, one or two short lines, and a button to act in one click.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from core import i18n, ui
from core.i18n import _, t
from core.models import Member
from core.offsets import in_words
from core.sessions import buttons as button_ids
from core.sessions.models import CommunitySession, Prompt, RsvpAnswer
from core.timefmt import span


def _rsvp_buttons(cs: CommunitySession, current: str | None) -> ui.Actions:
    return rsvp_buttons(cs.id, current)


def rsvp_buttons(session_id: int, current: str | None = None) -> ui.Actions:
    """Going / Maybe / Can't make it / Add to calendar for one session (the sessions
    handlers answer them wherever they appear: a reminder, the newsletter)."""

    def label(text: str, answer: RsvpAnswer) -> str:
        return f"✓ {text}" if current == answer.value else text

    value = str(session_id)
    return ui.Actions(
        [
            ui.Button(label(_("Going"), RsvpAnswer.GOING), button_ids.RSVP_GOING, value, "primary"),
            ui.Button(label(_("Maybe"), RsvpAnswer.MAYBE), button_ids.RSVP_MAYBE, value),
            ui.Button(
                label(_("Can't make it"), RsvpAnswer.DECLINED), button_ids.RSVP_DECLINE, value
            ),
            ui.Button(_("Add to calendar"), button_ids.SESSION_CALENDAR, value),
        ]
    )


def session_details(cs: CommunitySession, member: Member) -> list[ui.Block]:
    blocks: list[ui.Block] = [
        ui.Section(
            ui.text(
                "*{title}*\n{when}\n{where}",
                title=cs.title,
                when=span(cs.starts_at, cs.ends_at, member.timezone),
                where=cs.location,
            )
        )
    ]
    if cs.description:
        blocks.append(ui.Section(ui.text("*To prepare:* {notes}", notes=cs.description[:2500])))
    return blocks


def preparation(prep: Sequence[tuple[str, str]]) -> list[ui.Block]:
    """Library resources attached to a session: one line each, title and link."""
    if not prep:
        return []
    lines = "\n".join(f"• {{t{i}}} — {{u{i}}}" for i in range(len(prep[:8])))
    values = {f"t{i}": i18n.isolate(title) for i, (title, _url) in enumerate(prep[:8])}
    values |= {f"u{i}": i18n.isolate(url) for i, (_title, url) in enumerate(prep[:8])}
    # A heading and a list of items, one a line: the heading is its own sentence.
    heading = i18n.directed(_("*From the library:*"))
    return [ui.Section(ui.Text(heading + "\n" + lines, values))]


def reminder(
    cs: CommunitySession,
    member: Member,
    offset: timedelta,
    answer: str | None,
    prep: Sequence[tuple[str, str]] = (),
) -> ui.Message:
    lead = (
        ui.text("See you in {left}: *{title}*", left=in_words(offset), title=cs.title)
        if answer == RsvpAnswer.GOING.value
        else ui.text("Coming up in {left}: *{title}*", left=in_words(offset), title=cs.title)
    )
    intro = lead
    blocks: list[ui.Block] = [
        ui.Section(intro),
        ui.Section(
            ui.text(
                "{when}\n{where}",
                when=span(cs.starts_at, cs.ends_at, member.timezone),
                where=cs.location,
            )
        ),
    ]
    if cs.description:
        blocks.append(ui.Section(ui.text("*To prepare:* {notes}", notes=cs.description[:2500])))
    blocks += preparation(prep)
    if answer is None:
        blocks.append(
            ui.Context([ui.text("Can you make it? One click lets the facilitators know.")])
        )
    blocks.append(_rsvp_buttons(cs, answer))
    return ui.Message(summary=intro.plain().replace("*", ""), blocks=blocks)


def cancelled(cs: CommunitySession, member: Member) -> ui.Message:
    body = ui.text(
        "*{title}* on {when} has been cancelled. Sorry for the change; the facilitators will "
        "share a new date.",
        title=cs.title,
        when=span(cs.starts_at, cs.ends_at, member.timezone),
    )
    return ui.Message(summary=body.plain().replace("*", ""), blocks=[ui.Section(body)])


def prompt_post(prompt: Prompt, title: str | None) -> ui.Message:
    """The thread parent in the community channel."""
    heading = (
        ui.text("Reflection: *{title}*", title=title)
        if title
        else ui.text("*A question to reflect on*")
    )
    blocks: list[ui.Block] = [
        ui.Section(heading),
        ui.Section(ui.literal(prompt.text)),
        ui.Context(
            [
                ui.text(
                    "Reply in this thread to share, or use the Reflect button to keep it private."
                )
            ]
        ),
        ui.Actions([ui.Button(_("Reflect"), button_ids.REFLECT, str(prompt.id), "primary")]),
    ]
    return ui.Message(summary=t("Reflection: {text}", text=prompt.text[:150]), blocks=blocks)


def prompt_dm(prompt: Prompt, title: str | None) -> ui.Message:
    """The short version for attendees' DMs."""
    lead = (
        ui.text(
            "Thanks for coming to *{title}*. One question, when you have two minutes:", title=title
        )
        if title
        else ui.text("A question to reflect on, when you have two minutes:")
    )
    return ui.Message(
        summary=t("A question to reflect on: {text}", text=prompt.text[:150]),
        blocks=[
            ui.Section(lead),
            ui.Section(ui.literal(prompt.text)),
            ui.Actions([ui.Button(_("Reflect"), button_ids.REFLECT, str(prompt.id), "primary")]),
        ],
    )


def _attended_question(cs: CommunitySession) -> list[ui.Block]:
    """ "Did you make it to <session>?" with Yes / No: the member's own attendance answer."""
    return [
        ui.Section(ui.text("Did you make it to *{title}*?", title=cs.title)),
        ui.Actions(
            [
                ui.Button(_("Yes, I came"), button_ids.ATTENDED_YES, str(cs.id)),
                ui.Button(_("No, I couldn't"), button_ids.ATTENDED_NO, str(cs.id)),
            ]
        ),
    ]


def nudge(prompt: Prompt, title: str | None, cs: CommunitySession | None = None) -> ui.Message:
    body = (
        ui.text(
            "A gentle nudge, once only: there's still time to reflect on *{title}*. Even one "
            "line helps you (and, if you share it, others).",
            title=title,
        )
        if title
        else ui.text(
            "A gentle nudge, once only: there's still time to reflect on *the last session*. "
            "Even one line helps you (and, if you share it, others)."
        )
    )
    return ui.Message(
        summary=_("A gentle nudge to reflect"),
        blocks=[
            ui.Section(body),
            ui.Section(ui.literal(prompt.text)),
            ui.Actions(
                [
                    ui.Button(_("Reflect"), button_ids.REFLECT, str(prompt.id), "primary"),
                    ui.Button(_("No more nudges"), button_ids.NUDGES_OFF),
                ]
            ),
            *(_attended_question(cs) if cs is not None else []),
        ],
    )


def catch_up(cs: CommunitySession, prompt: Prompt, member: Member) -> ui.Message:
    """For people who sent apologies or didn't answer: missing one is fine, here's the gist."""
    blocks: list[ui.Block] = [
        ui.Section(
            ui.text(
                "We missed you at *{title}*, and that's fine: here's what it was about, so you "
                "can pick up the thread whenever suits.",
                title=cs.title,
            )
        )
    ]
    if cs.theme:
        blocks.append(ui.Section(ui.text("*Theme:* {theme}", theme=_(cs.theme))))
    if cs.description:
        blocks.append(ui.Section(ui.text("*What we prepared:* {d}", d=cs.description[:2000])))
    blocks.append(ui.Section(ui.text("*The question we reflected on:* {q}", q=prompt.text)))
    buttons: list[ui.Button | ui.Select] = [
        ui.Button(_("Reflect"), button_ids.REFLECT, str(prompt.id), "primary")
    ]
    if prompt.permalink:
        # untranslated: an action id
        link_id = "link.thread"
        buttons.append(ui.Button(_("Read the thread"), link_id, url=prompt.permalink))
    buttons.append(ui.Button(_("No more nudges"), button_ids.NUDGES_OFF))
    blocks.append(ui.Actions(buttons))
    blocks.extend(_attended_question(cs))
    return ui.Message(summary=t("Catch-up: {title}", title=cs.title), blocks=blocks)
