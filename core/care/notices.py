"""What care messages say: the check-in DM with its answer buttons, and the welcome back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core import ui
from core.care import buttons
from core.care.rules import CareRules, Reason, ReasonKind
from core.i18n import _, t, tn

if TYPE_CHECKING:
    from core.care.models import CareCheckin
    from core.care.service import Missed


def reason_words(reason: Reason) -> str:
    """One reason, as a facilitator reads it on the list."""
    n = reason.count
    if reason.kind is ReasonKind.SESSIONS:
        return tn(
            "missed the last session without a reply",
            "missed the last {n} sessions without a reply",
            n,
        )
    if reason.kind is ReasonKind.NO_SHOWS:
        return tn(
            "said they'd come to the last session but didn't make it",
            "said they'd come to the last {n} sessions but didn't make it",
            n,
        )
    if reason.kind is ReasonKind.REMINDERS:
        return tn(
            "hasn't answered the last reminder",
            "hasn't answered the last {n} reminders",
            n,
        )
    if reason.kind is ReasonKind.PAIRINGS:
        return tn(
            "paired once, didn't meet",
            "paired {n} times, didn't meet any of them",
            n,
        )
    return tn(
        "sent apologies for the last set meeting",
        "sent apologies for the last {n} set meetings",
        n,
    )


def rule_lines(rules: CareRules) -> list[str]:
    """Each threshold as `word=value` and what it means at that value, for `/cop care rules`."""
    off = _("off")
    return [
        tn(
            "`sessions={n}`: the last session went without any reply",
            "`sessions={n}`: the last {n} sessions all went without any reply",
            rules.sessions,
        )
        if rules.sessions
        else t("`{word}={n}`: {off}", word="sessions", n=0, off=off),
        tn(
            "`no-shows={n}`: said Going to the last session with attendance recorded, and "
            "didn't come",
            "`no-shows={n}`: said Going to the last {n} sessions with attendance recorded, "
            "and didn't come",
            rules.no_shows,
        )
        if rules.no_shows
        else t("`{word}={n}`: {off}", word="no-shows", n=0, off=off),
        tn(
            "`reminders={n}`: didn't answer the last reminder",
            "`reminders={n}`: didn't answer the last {n} reminders",
            rules.reminders,
        )
        if rules.reminders
        else t("`{word}={n}`: {off}", word="reminders", n=0, off=off),
        tn(
            "`pairings={n}`: the last pairing ended without meeting",
            "`pairings={n}`: the last {n} pairings all ended without meeting",
            rules.pairings,
        )
        if rules.pairings
        else t("`{word}={n}`: {off}", word="pairings", n=0, off=off),
        tn(
            "`set-meetings={n}`: sent apologies for their set's last meeting",
            "`set-meetings={n}`: sent apologies for their set's last {n} meetings",
            rules.set_meetings,
        )
        if rules.set_meetings
        else t("`{word}={n}`: {off}", word="set-meetings", n=0, off=off),
        tn(
            "`pairing-settle-days={n}`: a pairing nobody answered counts as not met after {n} day",
            "`pairing-settle-days={n}`: a pairing nobody answered counts as not met after {n} days",
            rules.pairing_settle_days,
        ),
        tn(
            "`snooze-days={n}`: Snooze hides someone for {n} day",
            "`snooze-days={n}`: Snooze hides someone for {n} days",
            rules.snooze_days,
        ),
    ]


def rules_message(rules: CareRules, command: str, lead: str | None = None) -> ui.Message:
    head = lead or _("*Who is drifting*: someone is listed when")
    body = "\n".join(f"• {line}" for line in rule_lines(rules))
    how = t(
        "Change one with `{command} care rules no-shows=3` (0 turns a rule off), or go back "
        "to the defaults with `{command} care rules defaults`.",
        command=command,
    )
    return ui.Message(
        summary=head,
        blocks=[
            ui.Section(ui.translated(head)),
            ui.Section(ui.translated(body)),
            ui.Context([ui.translated(how)]),
        ],
    )


def default_checkin(facilitator: str, member: str) -> str:
    return t(
        "Hi {member}, it's {facilitator} from the community. No need to reply if life is "
        "busy: I just wanted to say we've missed you, and you're welcome whenever it suits. "
        "If it would help, you can pause Catalyst for a month or two, or hear from it less "
        "often. Or just tell me you're fine, thanks. Whatever you choose is fine by us.",
        member=member,
        facilitator=facilitator,
    )


def checkin_message(checkin: CareCheckin, facilitator: str, months: Sequence[int]) -> ui.Message:
    value = str(checkin.id)
    pause_buttons: list[ui.Button | ui.Select] = [
        ui.Button(
            tn("Pause for {n} month", "Pause for {n} months", n),
            buttons.pause_for(n),
            f"{value}:{n}",
        )
        for n in months
    ]
    return ui.Message(
        summary=t("A message from {facilitator}", facilitator=facilitator),
        blocks=[
            ui.Context([ui.text("A message from {facilitator}:", facilitator=facilitator)]),
            ui.Section(ui.literal(checkin.body)),
            ui.Actions(pause_buttons),
            ui.Actions(
                [
                    ui.Button(_("Only session reminders"), buttons.ESSENTIALS, value),
                    ui.Button(_("I'm fine, thanks"), buttons.FINE, value, "primary"),
                ]
            ),
        ],
    )


def welcome_back(away: Missed) -> ui.Message:
    lead = ui.text(
        "Welcome back! Your pause has ended, so reminders, pairing and messages from the "
        "community reach you again. You can pause again whenever you need a break."
    )
    blocks: list[ui.Block] = [ui.Section(lead)]
    if away.sessions or away.newsletters:
        blocks.append(ui.Section(ui.text("*What you missed:*")))
    for cs, link in away.sessions:
        blocks.append(ui.Section(ui.text("• The session *{title}*", title=cs.title)))
        if link:
            # untranslated: an action id
            blocks.append(ui.Actions([ui.Button(_("Read the thread"), "link.thread", url=link)]))
    for newsletter in away.newsletters:
        if newsletter.title:
            line = ui.text(
                "• Newsletter {number}: {title}", number=newsletter.number, title=newsletter.title
            )
        else:
            line = ui.text("• Newsletter {number}", number=newsletter.number)
        blocks.append(ui.Section(line))
    if not away.sessions and not away.newsletters:
        blocks.append(ui.Section(ui.text("No sessions were held while you were away.")))
    return ui.Message(summary=lead.plain(), blocks=blocks)
