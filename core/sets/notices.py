"""Messages about forming sets: the welcome each set reads in its private space, what the
set hears when someone joins or leaves, a merge, a cycle closed early, and the facilitators'
note when a set falls below the minimum. Also the words for the matcher's codes (why
someone is waiting, what a set's warning means), shown in the facilitators' preview.

A message to a whole set is built in the set's language (`core.models.group_language`); a message to
one person in theirs. Action ids of buttons inside these messages live here (the scheduler
sends them and may not import handlers).
"""

from __future__ import annotations

from collections.abc import Sequence

from core import i18n, ui
from core.i18n import N_, _, t, tn
from core.models import Member
from core.sets.matching import SetWarning, Unplaced

# The meetings part registers this action; the welcome carries it (value: the set id).
PICK_TIME = "sets.pick_time"  # untranslated: action id

# How an action learning meeting runs: one whole sentence per line, translated on its own.
HOW_IT_RUNS: tuple[str, ...] = (
    N_("One of you presents a real problem from your work."),
    N_("The others ask open questions that help them think: questions, not advice."),
    N_("The presenter chooses one action to take."),
    N_("At the next meeting, the presenter tells the set how it went."),
    N_("What is said in the set stays in the set."),
)

# Why someone could not be placed, for the facilitators' preview (shown with `_()`).
UNPLACED_WORDS: dict[str, str] = {
    Unplaced.TOO_FEW_PEOPLE: N_("fewer people want a set than the smallest set size"),
    Unplaced.NO_SHARED_LANGUAGE: N_("too few others speak one of their languages"),
    Unplaced.ONLY_OWN_ORGANISATION: N_(
        "the others who speak their language are from their own organisation"
    ),
    Unplaced.AVOIDED: N_("a private preference rules out the others who speak their language"),
    Unplaced.NO_ROOM: N_("the numbers didn't divide into sets, or every set they fit is full"),
}

# A set's warnings in the preview (shown with `_()`).
WARNING_WORDS: dict[str, str] = {
    SetWarning.NO_SHARED_LANGUAGE: N_("no language everyone in the set speaks"),
    SetWarning.SAME_ORGANISATION: N_("two people from the same organisation"),
    SetWarning.AVOIDED_PAIR: N_("someone asked not to be grouped with someone here"),
    SetWarning.TOO_SMALL: N_("smaller than the minimum size"),
    SetWarning.TOO_LARGE: N_("larger than the maximum size"),
    SetWarning.POOR_TIMEZONE_OVERLAP: N_("less than two working hours in common"),
    SetWarning.REPEAT_FROM_LAST_CYCLE: N_("some were in a set together last cycle"),
}


def unplaced_reason(code: str) -> str:
    return _(UNPLACED_WORDS[code]) if code in UNPLACED_WORDS else code


def warning_words(code: str) -> str:
    return _(WARNING_WORDS[code]) if code in WARNING_WORDS else code


def person_line(member: Member) -> str:
    # Translators: one person in a set: their name and their organisation.
    return t("{name} ({organisation})", name=member.display_name, organisation=member.organisation)


def welcome(
    set_id: int,
    members: Sequence[Member],
    meetings: int,
    rhythm_weeks: int,
    adviser: Member | None,
) -> ui.Message:
    """The first message in a set's private space. `members` in presenter order."""
    lead = ui.Text(
        i18n.directed(
            tn(
                "*Welcome to your action learning set.* You'll meet {n} time in this cycle, "
                "and keep the same members throughout.",
                "*Welcome to your action learning set.* You'll meet {n} times in this cycle, "
                "and keep the same members throughout.",
                meetings,
            )
        )
    )
    rhythm = ui.Text(
        i18n.directed(
            tn(
                "Meetings are every week, at a time you choose together.",
                "Meetings are every {n} weeks, at a time you choose together.",
                rhythm_weeks,
            )
        )
    )
    people = "\n".join(person_line(m) for m in members)
    order = "\n".join(
        # Translators: one line of the presenter order: its place and the person's name.
        t("{place}. {name}", place=i18n.number(place), name=m.display_name)
        for place, m in enumerate(members, start=1)
    )
    how = "\n".join(_(line) for line in HOW_IT_RUNS)
    blocks: list[ui.Block] = [
        ui.Section(lead),
        ui.Section(ui.text("*Who is in the set*\n{people}", people=people)),
        ui.Section(ui.text("*How a meeting runs*\n{how}", how=how)),
        ui.Section(
            ui.text(
                "*Who presents, in turn* (everyone once before anyone twice)\n{order}",
                order=order,
            )
        ),
    ]
    if adviser is not None:
        blocks.append(
            ui.Section(
                ui.text(
                    "{name} is this set's adviser: a facilitator you can turn to.",
                    name=adviser.display_name,
                )
            )
        )
    blocks += [
        ui.Section(rhythm),
        ui.Section(
            ui.text(
                "*Next: choose your regular meeting time.* Catalyst offers times that fit "
                "everyone's working hours, and you vote."
            )
        ),
        ui.Actions([ui.Button(_("Pick our meeting time"), PICK_TIME, str(set_id), "primary")]),
    ]
    return ui.Message(summary=lead.plain().replace("*", ""), blocks=blocks)


def member_left(name: str | None) -> ui.Message:
    """To the set: someone has left, and there is a space (no reason, ever)."""
    if name is None:
        body = ui.text(
            "A member has left the set, so there's a space. The set carries on as planned."
        )
    else:
        body = ui.text(
            "{name} has left the set, so there's a space. The set carries on as planned.",
            name=name,
        )
    return ui.Message(summary=body.plain(), blocks=[ui.Section(body)])


def member_joined(member: Member) -> ui.Message:
    body = ui.text(
        "*{person} has joined the set.* Please make them welcome; they present after "
        "everyone who is already in the rotation.",
        person=person_line(member),
    )
    return ui.Message(summary=body.plain().replace("*", ""), blocks=[ui.Section(body)])


def merged(members: Sequence[Member]) -> ui.Message:
    body = ui.text(
        "*Two sets are now one.* The facilitators have merged them so that each meeting has "
        "enough people. Who is in now:\n{people}",
        people="\n".join(person_line(m) for m in members),
    )
    return ui.Message(summary=body.plain().replace("*", ""), blocks=[ui.Section(body)])


def joined_another(kept_number: int) -> ui.Message:
    """The last message in a dissolved set's space, which is then archived."""
    body = ui.text(
        "*This set has joined set {set}.* The conversation carries on in that set's space, "
        "where you have been added; this one is archived, and you can still read it.",
        set=i18n.number(kept_number),
    )
    return ui.Message(summary=body.plain().replace("*", ""), blocks=[ui.Section(body)])


def closed_early() -> ui.Message:
    body = ui.text(
        "*This cycle of action learning sets has been closed early by the facilitators.* "
        "Thank you for everything you brought to the set. No more meetings are planned."
    )
    return ui.Message(summary=body.plain().replace("*", ""), blocks=[ui.Section(body)])


def below_minimum(
    set_number: int, size: int, minimum: int, suggestion: int | None, command: str
) -> ui.Message:
    """To each facilitator: a set has fallen below the minimum size, with what to do."""
    if suggestion is not None:
        body = ui.text(
            "*Set {set} is down to {size} (the minimum is {minimum}).* It could merge with "
            "set {other}: `{command} sets merge {other} {set}`.",
            set=i18n.number(set_number),
            size=i18n.number(size),
            minimum=i18n.number(minimum),
            other=i18n.number(suggestion),
            command=command,
        )
    else:
        body = ui.text(
            "*Set {set} is down to {size} (the minimum is {minimum}).* No other set has room "
            "to merge with it; `{command} sets add @someone {set}` adds a member.",
            set=i18n.number(set_number),
            size=i18n.number(size),
            minimum=i18n.number(minimum),
            command=command,
        )
    return ui.Message(summary=body.plain().replace("*", ""), blocks=[ui.Section(body)])


def placed_late(set_number: int, command: str) -> ui.Message:
    """To someone a facilitator added to a set after it started."""
    body = ui.text(
        "*You've joined action learning set {set}.* Your set's space will show you who is in "
        "and when you meet; `{command} set` shows it too.",
        set=i18n.number(set_number),
        command=command,
    )
    return ui.Message(summary=body.plain().replace("*", ""), blocks=[ui.Section(body)])


def on_waiting_list() -> ui.Message:
    """To someone who wanted a set and could not be placed when the cycle was confirmed."""
    body = ui.text(
        "*You're on the waiting list for an action learning set.* This time the sets "
        "couldn't take everyone; the facilitators know, and you'll hear as soon as there's "
        "a place."
    )
    return ui.Message(summary=body.plain().replace("*", ""), blocks=[ui.Section(body)])
