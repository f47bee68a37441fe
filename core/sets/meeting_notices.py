"""Messages for a set's life once it exists: the time vote, the meetings announced, the
reminders, the follow-up after each meeting, the presenter's action, swaps, the close.

Messages to the set's private space are built in the set's group language
(`core.models.group_language`); DMs in each member's own. Button and form ids live here, because the
scheduler sends these messages and may not import handlers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core import i18n, timefmt, ui
from core.i18n import N_, _
from core.models import Member

PICK_TIME = "sets.pick_time"  # untranslated: action id (value: set id)
VOTE = "sets.vote"  # untranslated: action id (value: proposal id)
PROPOSE = "sets.propose"  # untranslated: action id (value: set id), opens PROPOSE_FORM
PROPOSE_FORM = "sets.propose_form"  # untranslated: form id (state: set id)
APOLOGY = "sets.apology"  # untranslated: action id (value: meeting id)
MET = "sets.met"  # untranslated: action id (value: meeting id)
NOT_MET = "sets.not_met"  # untranslated: action id (value: meeting id)
ACTION = "sets.action"  # untranslated: action id (value: meeting id), opens ACTION_FORM
ACTION_FORM = "sets.action_form"  # untranslated: form id (state: meeting id)
ACTION_DONE = "sets.action_done"  # untranslated: action id (value: action id)
ACTION_CARRIED = "sets.action_carried"  # untranslated: action id (value: action id)
SWAP_ACCEPT = "sets.swap_accept"  # untranslated: action id (value: swap id)
NEXT_CYCLE = "sets.next_cycle"  # untranslated: action id (value: set id)

ACTION_LIMIT = 280  # characters: an action is one thing to do, not an essay

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)

# How an action learning meeting runs, one line each (each a whole msgid).
GROUND_RULES: tuple[str, ...] = (
    N_("One member presents a real work problem, in their own words."),
    N_("The others ask open questions rather than give advice."),
    N_("The presenter chooses one action and reports back at the next meeting."),
    N_("What is said in the set stays in the set."),
    N_("Everyone presents once before anyone presents twice."),
)


def _say(body: ui.Text, *more: ui.Block) -> ui.Message:
    return ui.Message(summary=body.plain().replace("*", ""), blocks=[ui.Section(body), *more])


def _names(members: Sequence[Member]) -> str:
    return i18n.and_list([m.display_name for m in members])


def slot_words(weekday: int, local_time: str, zone: str) -> str:
    """ "every Tuesday at 10:00 (Europe/London)", in the reader's language."""
    # Translators: a weekly meeting time; {day} is a weekday ("Tuesday"), {time} "10:00".
    return i18n.t(
        "every {day} at {time} ({zone})",
        day=_(WEEKDAYS[weekday]),
        time=local_time,
        zone=timefmt.zone_name(zone),
    )


def ground_rules_blocks() -> list[ui.Block]:
    lines = "\n".join(f"• {_(line)}" for line in GROUND_RULES)
    return [
        ui.Section(ui.text("*How the set works*")),
        ui.Section(ui.Text(i18n.directed(lines))),
    ]


@dataclass(frozen=True)
class ProposalLine:
    proposal_id: int
    weekday: int
    local_time: str
    zone: str
    votes: int
    fits_everyone: bool


def vote_message(lines: Sequence[ProposalLine], members: int, set_id: int) -> ui.Message:
    """The times on offer with a vote button each; a majority of the set chooses."""
    lead = ui.text(
        "*When shall your set meet?* Vote for every time you can make: the first time "
        "with votes from more than half of the set ({members} members) is chosen.",
        members=i18n.number(members),
    )
    blocks: list[ui.Block] = [ui.Section(lead)]
    # Each time with its own vote button in its own block: Slack wants a block's action
    # ids unique, and every vote button is the same action. 20 times at most (41 blocks).
    for line in lines[:20]:
        slot = slot_words(line.weekday, line.local_time, line.zone)
        if line.fits_everyone:
            body = ui.text("{slot} (votes: {votes})", slot=slot, votes=i18n.number(line.votes))
        else:
            # Translators: a proposed time outside someone's working hours (9 to 5).
            body = ui.text(
                "{slot} (votes: {votes}; outside someone's working hours)",
                slot=slot,
                votes=i18n.number(line.votes),
            )
        blocks.append(ui.Section(body))
        vote = ui.Button(i18n.t("Vote: {slot}", slot=slot), VOTE, str(line.proposal_id))
        blocks.append(ui.Actions([vote]))
    blocks.append(ui.Actions([ui.Button(_("Propose another time"), PROPOSE, str(set_id))]))
    return ui.Message(summary=lead.plain().replace("*", ""), blocks=blocks)


def time_chosen(
    weekday: int,
    local_time: str,
    zone: str,
    first_at: datetime,
    presenters: Sequence[Member],
) -> ui.Message:
    """To the set's space when a time wins: the rhythm, the first meeting, the order."""
    body = ui.text(
        "*Your set meets {slot}.* The first meeting is {first}. Presenter order: {order}.",
        slot=slot_words(weekday, local_time, zone),
        first=timefmt.when(first_at, zone),
        order=_names(presenters),
    )
    return _say(body)


def proposal_added(name: str, slot: str) -> ui.Message:
    return _say(ui.text("*{name}* proposed another time: {slot}.", name=name, slot=slot))


def reminder(
    member: Member,
    number: int,
    starts_at: datetime,
    meeting_id: int,
    presenter: Member | None,
    actions_due: Sequence[tuple[Member, str]],
    soon: bool,
) -> ui.Message:
    """A DM before a meeting, in the member's language and timezone."""
    at = timefmt.when(starts_at, member.timezone)
    if soon:
        lead = ui.text("*Your action learning set meets in an hour* ({at}).", at=at)
    else:
        lead = ui.text("*Your action learning set meets in two days*: {at}.", at=at)
    blocks: list[ui.Block] = [ui.Section(lead)]
    if presenter is None:
        blocks.append(ui.Section(ui.text("Meeting {n}: nobody is down to present yet.", n=number)))
    elif presenter.id == member.id:
        blocks.append(
            ui.Section(
                ui.text(
                    "Meeting {n}: *you present*. Bring one real work problem you'd like "
                    "the set's questions on.",
                    n=number,
                )
            )
        )
    else:
        blocks.append(
            ui.Section(
                ui.text("Meeting {n}: *{name}* presents.", n=number, name=presenter.display_name)
            )
        )
    for owner, action in actions_due:
        blocks.append(
            ui.Section(
                ui.text(
                    "Action due back from *{name}*: {action}",
                    name=owner.display_name,
                    action=action,
                )
            )
        )
    blocks.append(ui.Actions([ui.Button(_("I can't come"), APOLOGY, str(meeting_id))]))
    return ui.Message(summary=lead.plain().replace("*", ""), blocks=blocks)


def follow_up(
    number: int,
    meeting_id: int,
    presenter: Member | None,
    open_actions: Sequence[tuple[int, Member, str]],
) -> ui.Message:
    """To the set's space after a meeting: did you meet? the presenter's action, and the
    actions from earlier meetings to mark done or carry over."""
    lead = ui.text("*Did you meet?* Meeting {n} was due today.", n=number)
    blocks: list[ui.Block] = [
        ui.Section(lead),
        ui.Actions(
            [
                ui.Button(_("We met"), MET, str(meeting_id), "primary"),
                ui.Button(_("We didn't"), NOT_MET, str(meeting_id)),
            ]
        ),
    ]
    if presenter is not None:
        blocks += [
            ui.Section(
                ui.text(
                    "*{name}*, what's your action? One thing you'll do before the next "
                    "meeting; the set hears how it went.",
                    name=presenter.display_name,
                )
            ),
            ui.Actions([ui.Button(_("My action"), ACTION, str(meeting_id))]),
        ]
    for action_id, owner, action in open_actions:
        blocks += [
            ui.Section(
                ui.text(
                    "*{name}*, your action: {action}. Done, or carry it over?",
                    name=owner.display_name,
                    action=action,
                )
            ),
            ui.Actions(
                [
                    ui.Button(_("Done"), ACTION_DONE, str(action_id)),
                    ui.Button(_("Carry it over"), ACTION_CARRIED, str(action_id)),
                ]
            ),
        ]
    return ui.Message(summary=lead.plain().replace("*", ""), blocks=blocks)


def nudge(number: int, meeting_id: int) -> ui.Message:
    body = ui.text(
        "A gentle nudge: did meeting {n} happen? One click keeps the set's record right.",
        n=number,
    )
    return _say(
        body,
        ui.Actions(
            [
                ui.Button(_("We met"), MET, str(meeting_id), "primary"),
                ui.Button(_("We didn't"), NOT_MET, str(meeting_id)),
            ]
        ),
    )


def meeting_moved(number: int, starts_at: datetime, zone: str, name: str) -> ui.Message:
    return _say(
        ui.text(
            "*Meeting {n} has moved* to {at} (moved by {name}). The others stay as they were.",
            n=number,
            at=timefmt.when(starts_at, zone),
            name=name,
        )
    )


def action_kept(name: str, action: str) -> ui.Message:
    return _say(ui.text("*{name}*'s action: {action}", name=name, action=action))


def swap_asked(
    asker: Member, asker_at: datetime | None, your_at: datetime | None, swap_id: int, reader: Member
) -> ui.Message:
    """A DM to the member asked to swap presenting turns."""
    body = ui.text(
        "*{name}* would like to swap presenting turns with you: you would present on {theirs} "
        "and they on {yours}.",
        name=asker.display_name,
        theirs=timefmt.when(asker_at, reader.timezone) if asker_at else "—",
        yours=timefmt.when(your_at, reader.timezone) if your_at else "—",
    )
    return _say(
        body, ui.Actions([ui.Button(_("Swap turns"), SWAP_ACCEPT, str(swap_id), "primary")])
    )


def swapped(first: Member, second: Member) -> ui.Message:
    return _say(
        ui.text(
            "*{first}* and *{second}* have swapped presenting turns.",
            first=first.display_name,
            second=second.display_name,
        )
    )


def closing(set_name: str) -> ui.Message:
    body = ui.text(
        "*That was your set's last meeting.* Before the space closes in a week: what will you "
        "take with you from this cycle, and what would you do differently? A line or two "
        "here is plenty. Thank you for the questions you asked each other."
    )
    del set_name
    return _say(body)


def archived() -> ui.Message:
    return _say(
        ui.text(
            "This set's cycle has ended, so its space is now archived: kept for reading, "
            "closed for new messages. Thank you all."
        )
    )


def next_cycle(set_id: int) -> ui.Message:
    body = ui.text(
        "Your action learning set has finished its cycle. Would you like a set next cycle? "
        "One click and the facilitators will include you."
    )
    return _say(
        body,
        ui.Actions([ui.Button(_("I'd like a set next cycle"), NEXT_CYCLE, str(set_id), "primary")]),
    )
