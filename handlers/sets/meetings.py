"""Action learning sets for their members: `set` (your set, its next meeting, who presents,
your action, the ground rules), `set meeting move`, `set swap`, and every button a set's
messages carry (the time vote, apologies, met or not, the action form, swaps, next cycle).

Buttons carry a set, meeting, proposal, action or swap id; the service checks the clicker
belongs to it, so a button from another set changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from datetime import date, time
from typing import Protocol

from core import i18n, timefmt
from core.context import RequestContext
from core.errors import InvalidInput, UserError
from core.i18n import N_, NP_, _, t, tn
from core.membership import service as membership
from core.models import Member
from core.sets import meeting_notices as notices
from core.sets import meetings
from core.sets import service as forming_service
from core.sets import stats as set_stats
from core.ui import (
    Actions,
    Block,
    Button,
    Context,
    FieldKind,
    Form,
    FormField,
    FormValues,
    Header,
    Message,
    OpenForm,
    Option,
    RefreshHome,
    Replies,
    Reply,
    Section,
    notice,
    text,
)
from handlers.ids import record_id
from handlers.mentions import mentioned_user_ids
from handlers.registry import Action, Command, CommandRun, FormHandler, HomePlace, Registry

SET_COMMAND = NP_("command word", "set")
MOVE = re.compile(r"^meeting\s+move\s+(\d{1,2})\s+(\d{4}-\d{2}-\d{2})\s+([01]\d|2[0-3]):([0-5]\d)$")

# Other `set …` words (`join`, `leave`) belong to forming, which adds them here.
SUBCOMMANDS: dict[str, CommandRun] = {}


def add_subcommand(word: str, run: CommandRun) -> None:
    """Let another part of action learning sets answer `set <word> …`."""
    SUBCOMMANDS[word] = run


def _bad_button(ctx: RequestContext) -> list[Reply]:
    return [
        notice(
            "That button no longer works. Type `{command} set` to see your set.",
            command=ctx.command,
        )
    ]


# ---- `set` ------------------------------------------------------------------------------


def set_command(ctx: RequestContext, args: str) -> Reply | Replies:
    words = args.strip()
    word, _sep, rest = words.partition(" ")
    if word.lower() in SUBCOMMANDS:
        return SUBCOMMANDS[word.lower()](ctx, rest.strip())
    member = ctx.require_member()
    if word.lower() in {"", "show"}:
        return _show(ctx, member)
    if word.lower() == "meeting":
        return _move(ctx, member, words)
    if word.lower() == "swap":
        return _swap(ctx, member, rest)
    # Translators: `set`, `meeting move` and `swap` are typed in English.
    return notice(
        "Type `{command} set` to see your set, `{command} set meeting move 3 2027-02-09 10:00` "
        "to move a meeting, or `{command} set swap @someone` to swap presenting turns.",
        command=ctx.command,
    )


def _show(ctx: RequestContext, member: Member) -> Message:
    mine = meetings.current_set(ctx.session, member)
    if mine is None:
        # Not in a set: say whether they are on the list for one, and how to ask.
        if forming_service.wants_a_set(ctx.session, member):
            return notice(
                "You're not in an action learning set yet, and you're on the list for one."
            )
        return notice(
            "You're not in an action learning set. `{command} set join` asks for a place.",
            command=ctx.command,
        )
    learning_set = mine.learning_set
    zone = ctx.zone().key
    blocks: list[Block] = [Header(t("Your action learning set: {name}", name=learning_set.name))]
    lines = "\n".join(
        t("{name} ({organisation})", name=m.display_name, organisation=m.organisation)
        for m in mine.members
    )
    blocks.append(Section(text("*Members*\n{lines}", lines=lines)))
    upcoming = meetings.next_meeting(ctx.session, learning_set.id, ctx.now())
    if learning_set.slot_time is None:
        blocks.append(Section(text("Your set hasn't chosen its meeting time yet.")))
        blocks.append(
            Actions([Button(_("Choose a time"), notices.PICK_TIME, str(learning_set.id))])
        )
    elif upcoming is None:
        blocks.append(Section(text("Your set has no more meetings this cycle.")))
    else:
        presenter = next((m for m in mine.members if m.id == upcoming.presenter_member_id), None)
        blocks.append(
            Section(
                text(
                    "*Next meeting ({n}):* {at}",
                    n=upcoming.number,
                    at=timefmt.when(upcoming.starts_at, zone),
                )
            )
        )
        if presenter is not None:
            blocks.append(Section(text("*Presenting:* {name}", name=presenter.display_name)))
        if member.id in meetings.apologised(ctx.session, upcoming.id):
            blocks.append(Context([text("You've sent your apologies for this one.")]))
        else:
            blocks.append(Actions([Button(_("I can't come"), notices.APOLOGY, str(upcoming.id))]))
    action = meetings.open_action(ctx.session, member, learning_set.id)
    if action is not None:
        blocks.append(Section(text("*Your action:* {action}", action=action.text)))
    blocks += notices.ground_rules_blocks()
    blocks.append(
        Context(
            [
                text(
                    "`{command} set meeting move 3 2027-02-09 10:00` moves one meeting "
                    "(the set's timezone); `{command} set swap @someone` swaps turns.",
                    command=ctx.command,
                )
            ]
        )
    )
    return Message(
        summary=t("Your action learning set: {name}", name=learning_set.name), blocks=blocks
    )


def _move(ctx: RequestContext, member: Member, words: str) -> Reply | Replies:
    found = MOVE.match(" ".join(words.split()).lower())
    day: date | None = None
    if found:
        try:
            day = date.fromisoformat(found.group(2))
        except ValueError:
            day = None
    if found is None or day is None:
        # Translators: `set meeting move` is typed in English; 3 is the meeting's number.
        return notice(
            "Say which meeting and when, like `{command} set meeting move 3 2027-02-09 10:00` "
            "(in your set's timezone).",
            command=ctx.command,
        )
    at = time(int(found.group(3)), int(found.group(4)))
    meeting = meetings.move_meeting(ctx.session, member, int(found.group(1)), day, at, ctx.now())
    mine = meetings.current_set(ctx.session, member)
    zone = (mine.learning_set.slot_zone if mine else None) or member.timezone
    return [
        notice(
            "Done: meeting {n} is now {at}. Your set has been told.",
            n=meeting.number,
            at=timefmt.when(meeting.starts_at, zone),
        ),
        RefreshHome(),
    ]


def _swap(ctx: RequestContext, member: Member, rest: str) -> Reply:
    users = mentioned_user_ids(rest)
    if len(users) != 1:
        return notice(
            "Mention one person in your set, like `{command} set swap @someone`.",
            command=ctx.command,
        )
    other = membership.find(ctx.session, ctx.community, users[0])
    if other is None or not other.is_active:
        return notice("That person isn't in your set.")
    meetings.ask_swap(ctx.session, member, other, ctx.now())
    return notice(
        "Asked: {name} gets a message to confirm, and your turns swap when they do.",
        name=other.display_name,
    )


# ---- choosing a time --------------------------------------------------------------------


def _vote_reply(ctx: RequestContext, mine: meetings.MySet, replace: bool) -> Message:
    built = notices.vote_message(
        meetings.vote_lines(ctx.session, mine, ctx.now()),
        len(mine.members),
        mine.learning_set.id,
    )
    return Message(summary=built.summary, blocks=built.blocks, replace_original=replace)


def pick_time(ctx: RequestContext, value: str) -> Replies:
    member = ctx.require_member()
    set_id = record_id(value)
    if set_id is None:
        return _bad_button(ctx)
    mine = meetings.open_vote(ctx.session, member, set_id, ctx.now())
    return [_vote_reply(ctx, mine, replace=False)]


def vote(ctx: RequestContext, value: str) -> Replies:
    member = ctx.require_member()
    proposal_id = record_id(value)
    if proposal_id is None:
        return _bad_button(ctx)
    result = meetings.vote(ctx.session, member, proposal_id, ctx.now())
    learning_set = result.mine.learning_set
    if result.chosen is not None:
        first = meetings.next_meeting(ctx.session, learning_set.id, ctx.now())
        at = timefmt.when(first.starts_at, ctx.zone().key) if first else "—"
        body = text(
            "*Chosen:* your set meets {slot}. The first meeting is {at}.",
            slot=notices.slot_words(
                result.chosen.weekday, result.chosen.local_time, result.chosen.zone
            ),
            at=at,
        )
        return [
            Message(summary=body.plain(), blocks=[Section(body)], replace_original=True),
            RefreshHome(),
        ]
    reply = _vote_reply(ctx, result.mine, replace=True)
    if not result.counted:
        return [notice("You had already voted for that time."), reply]
    return [reply]


def propose_form(set_id: int) -> Form:
    return Form(
        notices.PROPOSE_FORM,
        _("Propose another time"),
        [
            FormField(
                "weekday",
                _("Day"),
                FieldKind.SELECT,
                options=[Option(str(i), _(day)) for i, day in enumerate(notices.WEEKDAYS)],
            ),
            FormField(
                "local_time",
                _("Time"),
                FieldKind.TIME,
                hint=_("In your set's timezone: the one most of you are in."),
            ),
        ],
        submit_label=_("Propose"),
        state=str(set_id),
    )


def propose(ctx: RequestContext, value: str) -> Replies:
    member = ctx.require_member()
    set_id = record_id(value)
    mine = meetings.current_set(ctx.session, member)
    if set_id is None or mine is None or mine.learning_set.id != set_id:
        return [notice("That button belongs to another action learning set, not yours.")]
    return [OpenForm(propose_form(set_id))]


TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def submit_proposal(ctx: RequestContext, values: FormValues, state: str) -> Replies:
    member = ctx.require_member()
    set_id = record_id(state)
    errors: dict[str, str] = {}
    weekday = values.get("weekday")
    if not (isinstance(weekday, str) and weekday.isdigit() and 0 <= int(weekday) <= 6):
        errors["weekday"] = _("Choose a day.")
    local_time = values.get("local_time")
    if not (isinstance(local_time, str) and TIME.fullmatch(local_time)):
        errors["local_time"] = _("Enter a time like 10:00.")
    if set_id is None:
        errors["weekday"] = _("That form belongs to another action learning set, not yours.")
    if errors:
        raise InvalidInput(errors)
    assert set_id is not None  # noqa: S101 - checked just above
    meetings.add_proposal(
        ctx.session, member, set_id, int(str(weekday)), str(local_time), ctx.now()
    )
    mine = meetings.current_set(ctx.session, member)
    if mine is None:
        return [notice("You're not in an action learning set at the moment.")]
    return [_vote_reply(ctx, mine, replace=False)]


# ---- meetings ---------------------------------------------------------------------------


def apology(ctx: RequestContext, value: str) -> Replies:
    member = ctx.require_member()
    meeting_id = record_id(value)
    if meeting_id is None:
        return _bad_button(ctx)
    meeting = meetings.apologise(ctx.session, member, meeting_id, ctx.now())
    return [
        notice(
            "Thanks for letting us know: you won't get reminders for meeting {n}. Your set "
            "will carry on without you this once.",
            n=meeting.number,
        ),
        RefreshHome(),
    ]


def _outcome(ctx: RequestContext, value: str, met: bool) -> Replies:
    member = ctx.require_member()
    meeting_id = record_id(value)
    if meeting_id is None:
        return _bad_button(ctx)
    meeting = meetings.record_outcome(ctx.session, member, meeting_id, met, ctx.now())
    if meeting.status == "held":
        return [notice("Noted: meeting {n} happened. Thank you.", n=meeting.number)]
    return [
        notice(
            "Noted: meeting {n} didn't happen. Whoever was presenting keeps their turn for "
            "the next one.",
            n=meeting.number,
        )
    ]


def met(ctx: RequestContext, value: str) -> Replies:
    return _outcome(ctx, value, True)


def not_met(ctx: RequestContext, value: str) -> Replies:
    return _outcome(ctx, value, False)


def action_form(meeting_id: int, initial: str | None = None) -> Form:
    return Form(
        notices.ACTION_FORM,
        _("Your action"),
        [
            FormField(
                "action",
                _("What will you do before the next meeting?"),
                FieldKind.LONG_TEXT,
                max_length=notices.ACTION_LIMIT,
                hint=_("One thing, in a sentence. Your set sees it at the next meeting."),
                initial=initial,
            )
        ],
        state=str(meeting_id),
    )


def open_action_form(ctx: RequestContext, value: str) -> Replies:
    member = ctx.require_member()
    meeting_id = record_id(value)
    if meeting_id is None:
        return _bad_button(ctx)
    if not meetings.presented_at(ctx.session, member, meeting_id):
        return [notice("Only the person who presented at that meeting has an action to save.")]
    return [OpenForm(action_form(meeting_id))]


def submit_action(ctx: RequestContext, values: FormValues, state: str) -> Replies:
    member = ctx.require_member()
    meeting_id = record_id(state)
    words = values.get("action")
    if meeting_id is None or not isinstance(words, str):
        raise InvalidInput({"action": _("Write your action in a sentence.")})
    try:
        action = meetings.save_action(ctx.session, member, meeting_id, words, ctx.now())
    except UserError as problem:  # the form stays open with what they typed
        raise InvalidInput({"action": str(problem)}) from None
    return [
        notice("Saved: {action}. Your set sees it at the next meeting.", action=action.text),
        RefreshHome(),
    ]


def _mark(ctx: RequestContext, value: str, done: bool) -> Replies:
    member = ctx.require_member()
    action_id = record_id(value)
    if action_id is None:
        return _bad_button(ctx)
    action = meetings.mark_action(ctx.session, member, action_id, done, ctx.now())
    if done:
        return [notice("Well done: “{action}” is marked done.", action=action.text), RefreshHome()]
    return [
        notice("Carried over: “{action}” comes back at the next meeting.", action=action.text),
        RefreshHome(),
    ]


def action_done(ctx: RequestContext, value: str) -> Replies:
    return _mark(ctx, value, True)


def action_carried(ctx: RequestContext, value: str) -> Replies:
    return _mark(ctx, value, False)


def swap_accept(ctx: RequestContext, value: str) -> Replies:
    member = ctx.require_member()
    swap_id = record_id(value)
    if swap_id is None:
        return _bad_button(ctx)
    asker, _me = meetings.accept_swap(ctx.session, member, swap_id, ctx.now())
    body = text("Done: you and {name} have swapped presenting turns.", name=asker.display_name)
    return [
        Message(summary=body.plain(), blocks=[Section(body)], replace_original=True),
        RefreshHome(),
    ]


def next_cycle(ctx: RequestContext, value: str) -> Replies:
    member = ctx.require_member()
    # The button names the set that asked; only someone who was in it can answer.
    set_id = record_id(value)
    if set_id is None or not meetings.was_in(ctx.session, member, set_id):
        return _bad_button(ctx)
    added = meetings.want_next_cycle(ctx.session, member, ctx.now())
    if added:
        body = text("Noted: you'd like a set next cycle. The facilitators will include you.")
    else:
        body = text("You're already down for a set next cycle. Nothing more to do.")
    return [Message(summary=body.plain(), blocks=[Section(body)], replace_original=True)]


# ---- Home -------------------------------------------------------------------------------


def home_blocks(ctx: RequestContext) -> list[Block]:
    """'Your action learning set' on a member's Home: the set and its next meeting."""
    member = ctx.active_member
    if member is None:
        return []
    mine = meetings.current_set(ctx.session, member)
    if mine is None:
        return []
    upcoming = meetings.next_meeting(ctx.session, mine.learning_set.id, ctx.now())
    if upcoming is None:
        line = text(
            "*Your action learning set: {name}*\nNo meeting planned yet. `{command} set` "
            "shows your set.",
            name=mine.learning_set.name,
            command=ctx.command,
        )
    else:
        line = text(
            "*Your action learning set: {name}*\nNext meeting: {at}. `{command} set` shows "
            "who presents.",
            name=mine.learning_set.name,
            at=timefmt.when(upcoming.starts_at, ctx.zone().key),
            command=ctx.command,
        )
    return [Section(line)]


BUTTONS: tuple[tuple[str, Callable[[RequestContext, str], Replies]], ...] = (
    (notices.PICK_TIME, pick_time),
    (notices.VOTE, vote),
    (notices.PROPOSE, propose),
    (notices.APOLOGY, apology),
    (notices.MET, met),
    (notices.NOT_MET, not_met),
    (notices.ACTION, open_action_form),
    (notices.ACTION_DONE, action_done),
    (notices.ACTION_CARRIED, action_carried),
    (notices.SWAP_ACCEPT, swap_accept),
    (notices.NEXT_CYCLE, next_cycle),
)


class SetWords(Protocol):
    """Where the forming part's `set` command looks for words it doesn't answer itself
    (`handlers.sets.forming.Words`): the word after `set` and a runner given the rest."""

    @property
    def member(self) -> MutableMapping[str, CommandRun]: ...

    @property
    def facilitator(self) -> MutableMapping[str, CommandRun]: ...

    show_set: CommandRun | None


def show_word(ctx: RequestContext, rest: str) -> Reply | Replies:
    """`set` alone (or `set show`): the member's set."""
    del rest
    return _show(ctx, ctx.require_member())


def meeting_word(ctx: RequestContext, rest: str) -> Reply | Replies:
    """`set meeting …`: the words after `meeting`."""
    return _move(ctx, ctx.require_member(), f"meeting {rest}")


def swap_word(ctx: RequestContext, rest: str) -> Reply | Replies:
    """`set swap @someone`."""
    return _swap(ctx, ctx.require_member(), rest)


def stats_word(ctx: RequestContext, _rest: str) -> Reply:
    """`sets stats` (facilitators): how each set of the current cycle is doing."""
    found = set_stats.current(ctx.session, ctx.community, ctx.now())
    if found is None:
        return notice(
            "No cycle of action learning sets is running. Type `{command} sets form` to form one.",
            command=ctx.command,
        )
    blocks: list[Block] = [Header(_("Action learning sets: how they are going"))]
    zone = ctx.zone().key
    for row in found:
        attendance = (
            _("no meeting held yet")
            if row.attendance is None
            else t("{percent}% attendance", percent=i18n.number(round(row.attendance * 100)))
        )
        line = text(
            "*Set {number}* ({members}): {held} of {planned} meetings held, {attendance}; "
            "{agreed} agreed, {reported} reported back as done.",
            number=i18n.number(row.number),
            members=tn("{n} member", "{n} members", row.members),
            held=i18n.number(row.meetings_held),
            planned=i18n.number(row.meetings_planned),
            attendance=attendance,
            agreed=tn("{n} action", "{n} actions", row.actions_agreed),
            reported=i18n.number(row.actions_reported),
        )
        blocks.append(Section(line))
        if row.quiet:
            since = (
                timefmt.when(row.last_met, zone)
                if row.last_met is not None
                else _("the start of the cycle")
            )
            blocks.append(
                Context(
                    [
                        text(
                            "Set {number} has gone quiet: no meeting since {since}. A word "
                            "from a facilitator often helps.",
                            number=i18n.number(row.number),
                            since=since,
                        )
                    ]
                )
            )
    quiet = sum(1 for row in found if row.quiet)
    summary = tn(
        "{n} set; {quiet} gone quiet",
        "{n} sets; {quiet} gone quiet",
        len(found),
        quiet=i18n.number(quiet),
    )
    return Message(summary=summary, blocks=blocks)


def register_meetings(registry: Registry, words: SetWords | None = None) -> None:
    """Everything a set's members use once it exists: `set` (or, given the forming part's
    `words`, its `set` alone, `set meeting …` and `set swap …`), the buttons, the forms,
    and the Home section."""
    registry.add_home_section(HomePlace.MEMBER, 25, home_blocks)
    for action_id, run in BUTTONS:
        registry.add_action(Action(action_id, run))
    registry.add_form(FormHandler(notices.PROPOSE_FORM, submit_proposal))
    registry.add_form(FormHandler(notices.ACTION_FORM, submit_action))
    if words is not None:  # forming owns the `set` command; these are its words
        words.member["meeting"] = meeting_word
        words.member["swap"] = swap_word
        words.show_set = show_word
        words.facilitator["stats"] = stats_word
        return
    registry.add_command(
        Command(
            SET_COMMAND,
            N_("Your action learning set: members, next meeting, who presents, your action"),
            set_command,
            # Translators: meeting move and swap are typed in English; translate "someone".
            usage=N_("[meeting move 3 2027-02-09 10:00 | swap @someone]"),
            group=N_("Action learning sets"),
        )
    )
