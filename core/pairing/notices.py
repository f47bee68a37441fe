"""Peer-coaching messages: the introduction with its GROW guide, the day-before line, the
mid-round check-in, and the few sentences for people without a partner this time.

Written for someone reading on a phone between two crises: who, what for, how long, and one
click to say what happened. Button ids live here (the scheduler sends these messages and
may not import handlers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core import i18n, ui
from core.i18n import N_, _
from core.models import Member
from core.timefmt import when

BOOKED = "pairing.booked"  # untranslated: action id
MET = "pairing.met"  # untranslated: action id
CANT = "pairing.cant"  # untranslated: action id
CHECKIN_YES = "pairing.checkin.yes"  # untranslated: action id
CHECKIN_NOT_YET = "pairing.checkin.not_yet"  # untranslated: action id
CHECKIN_COULDNT = "pairing.checkin.couldnt"  # untranslated: action id
SKIP_NEXT = "pairing.skip_next"  # untranslated: action id

# The GROW guide, one line per step: each line a whole msgid, so a translator sees the step,
# its minutes and its two questions together (and can use their own quotation marks).
GROW_LINES: tuple[str, ...] = (
    # Translators: GROW step 1 of 4, "Goal"; 10 minutes. Keep *…* (bold) around the step.
    N_(
        "*Goal* (10 min): “What would you like to get out of this conversation?” "
        "“What would good look like?”"
    ),
    # Translators: GROW step 2 of 4, "Reality"; 15 minutes.
    N_(
        "*Reality* (15 min): “What's happening now, and who is involved?” "
        "“What have you tried so far, and what got in the way?”"
    ),
    # Translators: GROW step 3 of 4, "Options"; 15 minutes.
    N_(
        "*Options* (15 min): “What could you do? What else?” "
        "“What would you do if you had more power, time or support?”"
    ),
    # Translators: GROW step 4 of 4, "Way forward"; 5 minutes.
    N_(
        "*Way forward* (5 min): “What will you do, and by when?” "
        "“What support do you need, and from whom?”"
    ),
)


def _names(members: Sequence[Member]) -> str:
    return i18n.and_list([m.display_name for m in members])


def guide_blocks(opener: Member | None) -> list[ui.Block]:
    """The 45-minute GROW conversation, step by step, with who opens this time."""
    blocks: list[ui.Block] = [
        ui.Section(
            ui.text(
                "*A 45-minute peer-coaching conversation (GROW).* One of you brings a "
                "challenge and the other coaches with questions, then swap, or take one each "
                "time. Listen more than you advise; what's said stays between you."
            )
        )
    ]
    if opener is not None:
        blocks.append(
            ui.Section(
                ui.text(
                    "*{name} opens this time*: suggest two times that suit you, and bring "
                    "the first challenge.",
                    name=opener.display_name,
                )
            )
        )
    # One line per step, each translated on its own.
    lines = "\n".join(_(line) for line in GROW_LINES)
    blocks.append(ui.Section(ui.Text(i18n.directed(lines))))
    return blocks


def outcome_buttons(group_id: int) -> ui.Actions:
    value = str(group_id)
    return ui.Actions(
        [
            ui.Button(_("We've booked a time"), BOOKED, value, "primary"),
            ui.Button(_("We met"), MET, value),
            ui.Button(_("We can't this time"), CANT, value),
        ]
    )


def intro(group_id: int, members: Sequence[Member], opener: Member | None) -> ui.Message:
    """The group DM that introduces a pair (or three) for this round. It is one message
    that everyone in the group reads, so it names them all and calls none of them "your
    partner"."""
    lead = ui.text(
        "*Paired for peer coaching this round:* {names}. Find 45 minutes together in the "
        "next week or so for a GROW conversation.",
        names=_names(members),
    )
    blocks: list[ui.Block] = [
        ui.Section(lead),
        *guide_blocks(opener),
        ui.Context(
            [
                ui.text(
                    "One click below keeps the facilitators in the picture. Not a good time? "
                    "“We can't this time” is fine: you'll be paired again next round."
                )
            ]
        ),
        outcome_buttons(group_id),
    ]
    return ui.Message(summary=lead.plain().replace("*", ""), blocks=blocks)


def day_before(member: Member, round_at: datetime) -> ui.Message:
    body = ui.text(
        "You're in tomorrow's peer-coaching round ({at}) — skip this one?",
        at=when(round_at, member.timezone),
    )
    return ui.Message(
        summary=body.plain(),
        blocks=[
            ui.Section(body),
            ui.Actions([ui.Button(_("Skip this one"), SKIP_NEXT, round_at.isoformat())]),
        ],
    )


def checkin(group_id: int, members: Sequence[Member]) -> ui.Message:
    body = ui.text("Halfway through the round: did you meet, {names}?", names=_names(members))
    value = str(group_id)
    return ui.Message(
        summary=body.plain(),
        blocks=[
            ui.Section(body),
            ui.Actions(
                [
                    ui.Button(_("Yes"), CHECKIN_YES, value, "primary"),
                    ui.Button(_("Not yet"), CHECKIN_NOT_YET, value),
                    ui.Button(_("We couldn't"), CHECKIN_COULDNT, value),
                ]
            ),
        ],
    )


def unplaced(round_at: datetime, member: Member) -> ui.Message:
    body = ui.text(
        "I couldn't find you a peer-coaching partner in this round ({at}): nobody else "
        "taking part shares a language with you right now. You'll be first in line next "
        "round, and the facilitators know.",
        at=when(round_at, member.timezone),
    )
    return ui.Message(summary=body.plain(), blocks=[ui.Section(body)])


def partner_waiting(member: Member) -> ui.Message:
    body = ui.text(
        "Your peer-coaching partner has left the community, so your pairing this round is "
        "off, sorry. If someone else comes free before the mid-round check-in I'll pair you "
        "with them; otherwise you're in the next round as usual. Nothing to do."
    )
    del member
    return ui.Message(summary=body.plain(), blocks=[ui.Section(body)])


def partner_left(member: Member) -> ui.Message:
    body = ui.text(
        "Your peer-coaching partner can't continue this round, sorry. There's no one free to "
        "pair you with just now, so you'll be first in line for the next round."
    )
    del member
    return ui.Message(summary=body.plain(), blocks=[ui.Section(body)])
