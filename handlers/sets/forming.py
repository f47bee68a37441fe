"""Action learning sets, forming and who is in them: members' `set join | leave`, the
facilitators' `sets` (overview, `form`, `move`, `swap`, `add`, `merge`, `close`), and the
buttons of the preview, of leaving a set and of closing a cycle.

Handlers parse and reply; `core.sets.service` decides. Buttons carry a cycle or set id;
the service checks it is still the one to act on, so a second click does nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import i18n
from core.context import RequestContext
from core.errors import InvalidInput
from core.i18n import N_, NP_, _, t, tn
from core.labels import ORG_SIZE_LABELS, shown
from core.membership import service as membership
from core.models import Member
from core.sets import notices as set_notices
from core.sets import service as sets
from core.sets.models import CycleStatus, SetCycle
from core.timefmt import when
from core.ui import (
    Actions,
    Block,
    Button,
    Confirm,
    Context,
    DirectMessage,
    Fields,
    FormValues,
    Header,
    Message,
    OpenForm,
    RefreshHome,
    Replies,
    Reply,
    Section,
    Text,
    notice,
    text,
    translated,
)
from handlers.guide import DISMISS
from handlers.ids import number_in, record_id
from handlers.mentions import mentioned_user_ids
from handlers.registry import Access, Action, Command, CommandRun, FormHandler, Registry
from handlers.sets.form import FORMING_FORM, choices_from, forming_form

START_FORMING = "sets.start_forming"  # untranslated: action id
CONFIRM = "sets.confirm"  # untranslated: action id
START_AGAIN = "sets.start_again"  # untranslated: action id
CLOSE = "sets.close"  # untranslated: action id
LEAVE_NAMED = "sets.leave.named"  # untranslated: action id
LEAVE_QUIET = "sets.leave.quiet"  # untranslated: action id

SHOWN_SETS = 40  # a Slack message holds 50 blocks
SHOWN_WAITING = 25  # names in the preview's waiting list (a section holds 3,000 characters)


@dataclass
class Words:
    """Words after `set` and `sets` that other parts of this capability answer (the
    meetings part adds its own: `set meeting move`, `sets stats`, ...), and who shows a
    member their set (`set` alone)."""

    member: dict[str, CommandRun] = field(default_factory=dict)
    facilitator: dict[str, CommandRun] = field(default_factory=dict)
    show_set: CommandRun | None = None


def _say(body: Text) -> Message:
    return Message(summary=body.plain().replace("*", ""), blocks=(Section(body),))


def _member_line(member: Member) -> str:
    # Translators: a person in the facilitators' view of a set: name, organisation and
    # the organisation's size band.
    return t(
        "{name}, {organisation} ({band})",
        name=member.display_name,
        organisation=member.organisation,
        band=shown(ORG_SIZE_LABELS, member.org_size) if member.org_size else "—",
    )


def _mentioned(ctx: RequestContext, rest: str) -> list[Member | None]:
    return [membership.find(ctx.session, ctx.community, u) for u in mentioned_user_ids(rest)]


# ---- members: set join | leave -------------------------------------------------------------


def set_command(ctx: RequestContext, args: str, words: Words) -> Reply | Replies:
    member = ctx.require_member()
    word, _sep, rest = args.strip().partition(" ")
    word = word.lower()
    if word == "join":
        return _join(ctx, member)
    if word == "leave":
        return _leave(ctx, member)
    if word in words.member:
        return words.member[word](ctx, rest)
    if word in {"", "show"}:
        if words.show_set is not None:
            return words.show_set(ctx, rest)
        return _show(ctx, member)
    return notice(
        "Type `{command} set` to see your action learning set, `{command} set join` to ask "
        "for one, or `{command} set leave`.",
        command=ctx.command,
    )


def _join(ctx: RequestContext, member: Member) -> Replies:
    asked = sets.ask_for_a_set(ctx.session, member, ctx.now())
    if asked.in_set is not None:
        body = text(
            "You're already in action learning set {set}. `{command} set` shows it.",
            set=i18n.number(asked.in_set.number),
            command=ctx.command,
        )
    elif asked.waiting_in is not None:
        body = text(
            "Noted: a cycle of sets is running, so you're on its waiting list. The "
            "facilitators can add you to a set with room, and you'll be in the next forming."
        )
    elif asked.changed:
        body = text(
            "Noted: you'd like to join an action learning set. You'll be in the next forming; "
            "`{command} set leave` takes you off the list.",
            command=ctx.command,
        )
    else:
        body = text(
            "You're already on the list for the next action learning sets. Nothing changed."
        )
    return [_say(body), RefreshHome()]


def _leave(ctx: RequestContext, member: Member) -> Reply | Replies:
    mine = sets.current_set(ctx.session, member)
    if mine is None:
        changed = sets.withdraw(ctx.session, member, ctx.now())
        if changed:
            body = text(
                "Done: you're off the list for action learning sets. `{command} set join` "
                "puts you back.",
                command=ctx.command,
            )
        else:
            body = text(
                "You weren't on the list for action learning sets, so nothing changed. "
                "`{command} set join` asks for a place.",
                command=ctx.command,
            )
        return [_say(body), RefreshHome()]
    value = str(mine.id)
    # Asked once: the set will hear there is a space; the member chooses whether it names
    # them. No reason is ever given.
    return Message(
        summary=_("Leave your action learning set?"),
        blocks=(
            Section(
                text(
                    "*Leave your action learning set?* The set will be told there's a space. "
                    "Would you like them to know it's you? No reason is given either way."
                )
            ),
            Actions(
                [
                    Button(_("Leave, and say it's me"), LEAVE_NAMED, value, "danger"),
                    Button(_("Leave without my name"), LEAVE_QUIET, value),
                    Button(_("Stay"), DISMISS),
                ]
            ),
        ),
    )


def _left(ctx: RequestContext, value: str, named: bool) -> Replies:
    member = ctx.require_member()
    mine = sets.current_set(ctx.session, member)
    if mine is None or str(mine.id) != value.strip():
        return [
            Message(
                summary=_("You're not in that set any more."),
                blocks=[Section(text("You're not in that set any more, so nothing changed."))],
                replace_original=True,
            )
        ]
    sets.leave_set(
        ctx.session,
        member,
        ctx.now(),
        named=named,
        command=ctx.command,
        configured_facilitators=ctx.settings.facilitators,
    )
    sets.withdraw(ctx.session, member, ctx.now())
    body = text(
        "You've left your action learning set, and the set has been told there's a space. "
        "Thank you for taking part. `{command} set join` asks for a place next cycle.",
        command=ctx.command,
    )
    return [
        Message(summary=body.plain(), blocks=[Section(body)], replace_original=True),
        RefreshHome(),
    ]


def leave_named(ctx: RequestContext, value: str) -> Replies:
    return _left(ctx, value, named=True)


def leave_quietly(ctx: RequestContext, value: str) -> Replies:
    return _left(ctx, value, named=False)


def _show(ctx: RequestContext, member: Member) -> Message:
    """A member's set: who is in, in presenter order (the meetings part shows more)."""
    mine = sets.current_set(ctx.session, member)
    if mine is None:
        if sets.wants_a_set(ctx.session, member):
            body = text("You're not in an action learning set yet, and you're on the list for one.")
        else:
            body = text(
                "You're not in an action learning set. `{command} set join` asks for a place.",
                command=ctx.command,
            )
        return _say(body)
    people = sets.set_members(ctx.session, mine)
    return Message(
        summary=t("Action learning set {set}", set=i18n.number(mine.number)),
        blocks=(
            Header(t("Action learning set {set}", set=i18n.number(mine.number))),
            Section(
                text(
                    "*Who is in, in presenter order*\n{people}",
                    people="\n".join(set_notices.person_line(m) for m in people),
                )
            ),
        ),
    )


# ---- facilitators: sets ------------------------------------------------------------------------


def sets_command(ctx: RequestContext, args: str, words: Words) -> Reply | Replies:
    word, _sep, rest = args.strip().partition(" ")
    word, rest = word.lower(), rest.strip()
    if word == "":
        return overview(ctx)
    if word == "form":
        return OpenForm(forming_form(_choices_to_offer(ctx)))
    if word == "preview":
        cycle = sets.preview_cycle(ctx.session, ctx.community)
        if cycle is None:
            return notice(
                "There's no preview. `{command} sets form` makes one.", command=ctx.command
            )
        return preview_message(ctx, sets.view(ctx.session, ctx.community, cycle, ctx.now().date()))
    if word == "move":
        return _move(ctx, rest)
    if word == "swap":
        return _swap(ctx, rest)
    if word == "add":
        return _add(ctx, rest)
    if word == "merge":
        return _merge(ctx, rest)
    if word == "close":
        return _ask_close(ctx)
    if word in words.facilitator:
        return words.facilitator[word](ctx, rest)
    return notice(
        "Type `{command} sets`, `sets form`, `sets move @someone 3`, `sets swap @one @another`, "
        "`sets add @someone 3`, `sets merge 3 4`, `sets stats` or `sets close`.",
        command=ctx.command,
    )


def _choices_to_offer(ctx: RequestContext) -> sets.FormChoices:
    """The last preview's choices when redoing it, else the defaults."""
    cycle = sets.preview_cycle(ctx.session, ctx.community)
    return sets.choices_of(cycle) if cycle is not None else sets.FormChoices()


def overview(ctx: RequestContext) -> Message:
    cycle = sets.active_cycle(ctx.session, ctx.community)
    if cycle is None:
        preview = sets.preview_cycle(ctx.session, ctx.community)
        if preview is not None:
            return preview_message(
                ctx, sets.view(ctx.session, ctx.community, preview, ctx.now().date())
            )
        wanting = sets.interest_count(ctx.session, ctx.community)
        body = translated(
            tn(
                "*No action learning sets are running.* {n} member has said they'd like one.",
                "*No action learning sets are running.* {n} members have said they'd like one.",
                wanting,
            )
        )
        return Message(
            summary=body.plain().replace("*", ""),
            blocks=(
                Section(body),
                Actions([Button(_("Start forming sets"), START_FORMING, style="primary")]),
            ),
        )
    blocks: list[Block] = [
        Header(t("Action learning sets: cycle {cycle}", cycle=i18n.number(cycle.number)))
    ]
    summaries = sets.summaries(ctx.session, cycle, ctx.now())
    for summary in summaries[:SHOWN_SETS]:
        people = "\n".join(_member_line(m) for m in summary.members) or "—"
        held = tn("{n} meeting held", "{n} meetings held", summary.meetings_held)
        if summary.next_meeting is not None:
            # Translators: {held} is "2 meetings held"; {at} a date and time.
            state = t(
                "{held}; next meeting {at}",
                held=held,
                at=when(summary.next_meeting, ctx.zone().key),
            )
        else:
            # Translators: {held} is "2 meetings held".
            state = t("{held}; no meeting planned yet", held=held)
        blocks.append(
            Section(
                text(
                    "*Set {set}* ({size} people)\n{people}\n{state}",
                    set=i18n.number(summary.row.number),
                    size=i18n.number(len(summary.members)),
                    people=people,
                    state=state,
                )
            )
        )
    waiting = sets.waiting_count(ctx.session, cycle)
    notes = [
        translated(
            tn(
                "{n} person is waiting for a set.",
                "{n} people are waiting for a set.",
                waiting,
            )
        ),
        text(
            "`{command} sets add @someone 3` adds a late joiner; `sets merge 3 4` merges set "
            "4 into set 3; `sets close` ends the cycle early.",
            command=ctx.command,
        ),
    ]
    if len(summaries) > SHOWN_SETS:
        notes.insert(
            0,
            translated(
                tn("…and {n} more set.", "…and {n} more sets.", len(summaries) - SHOWN_SETS)
            ),
        )
    blocks.append(Context(notes))
    return Message(
        summary=t("Action learning sets: cycle {cycle}", cycle=cycle.number), blocks=blocks
    )


def preview_message(ctx: RequestContext, view: sets.CycleView) -> Message:
    cycle, quality = view.cycle, view.quality
    placed = sum(len(s.members) for s in view.sets)
    blocks: list[Block] = [
        Header(_("Action learning sets: preview (nothing sent)")),
        Fields(
            [
                (_("Sets"), i18n.number(len(view.sets))),
                (_("People in sets"), i18n.number(placed)),
                (_("Waiting"), i18n.number(len(view.waiting))),
                (
                    _("Sets of one size band"),
                    # Translators: a percentage; French writes "{percent} %".
                    t("{percent}%", percent=i18n.number(round(100 * quality.single_band_share))),
                ),
                (_("Sets with little time in common"), i18n.number(quality.poor_overlap_sets)),
                (_("Broken rules"), i18n.number(quality.hard_violations)),
            ]
        ),
    ]
    for shown_set in view.sets[:SHOWN_SETS]:
        formed = shown_set.formed
        people = "\n".join(_member_line(m) for m in shown_set.members) or "—"
        language = i18n.name_of(formed.language) if formed.language else "—"
        hours = i18n.number(round(formed.common_minutes / 60, 1))
        if formed.warnings:
            warnings = i18n.and_list([set_notices.warning_words(w) for w in formed.warnings])
            body = text(
                "*Set {set}* ({language}; {hours} working hours in common)\n{people}\n"
                "Worth a look: {warnings}.",
                set=i18n.number(shown_set.row.number),
                language=language,
                hours=hours,
                people=people,
                warnings=warnings,
            )
        else:
            body = text(
                "*Set {set}* ({language}; {hours} working hours in common)\n{people}",
                set=i18n.number(shown_set.row.number),
                language=language,
                hours=hours,
                people=people,
            )
        blocks.append(Section(body))
    if view.waiting:
        lines = [
            # Translators: someone who could not be placed, and why.
            t(
                "{name}: {reason}",
                name=member.display_name,
                reason=set_notices.unplaced_reason(reason),
            )
            for member, reason in view.waiting[:SHOWN_WAITING]
        ]
        more = len(view.waiting) - len(lines)
        if more > 0:
            lines.append(tn("…and {n} more.", "…and {n} more.", more))
        blocks.append(Section(text("*Waiting list (not placed)*\n{lines}", lines="\n".join(lines))))
    notes: list[Text] = [
        text(
            "Change it with `{command} sets move @someone 3` or `{command} sets swap @one "
            "@another`. Private preferences are used for matching but never shown.",
            command=ctx.command,
        )
    ]
    if len(view.sets) > SHOWN_SETS:
        notes.insert(
            0,
            translated(
                tn("…and {n} more set.", "…and {n} more sets.", len(view.sets) - SHOWN_SETS)
            ),
        )
    blocks += [
        Context(notes),
        Actions(
            [
                Button(_("Confirm and create the sets"), CONFIRM, str(cycle.id), "primary"),
                Button(_("Start again"), START_AGAIN, str(cycle.id)),
            ]
        ),
    ]
    return Message(summary=_("Action learning sets: preview"), blocks=blocks)


def _move(ctx: RequestContext, rest: str) -> Message:
    found = _mentioned(ctx, rest)
    number = number_in(rest.split()[-1]) if rest.split() else None
    if len(found) != 1 or number is None:
        return notice(
            "Mention one person and a set number, like `{command} sets move @someone 3`.",
            command=ctx.command,
        )
    if found[0] is None:
        return notice("That person isn't a member. Mention someone in the preview.")
    return preview_message(ctx, sets.move(ctx.session, ctx.community, found[0], number, ctx.now()))


def _swap(ctx: RequestContext, rest: str) -> Message:
    found = _mentioned(ctx, rest)
    if len(found) != 2:
        return notice(
            "Mention two people in different sets, like `{command} sets swap @one @another`.",
            command=ctx.command,
        )
    first, second = found
    if first is None or second is None:
        return notice("One of them isn't a member. Mention two people in the preview.")
    return preview_message(ctx, sets.swap(ctx.session, ctx.community, first, second, ctx.now()))


def _add(ctx: RequestContext, rest: str) -> Reply | Replies:
    found = _mentioned(ctx, rest)
    words = rest.split()
    number = number_in(words[-1]) if len(words) > 1 else None
    if len(found) != 1:
        return notice(
            "Mention one person, and a set number if you like, like `{command} sets add "
            "@someone 3`.",
            command=ctx.command,
        )
    member = found[0]
    if member is None:
        return notice(
            "That person isn't a member yet. They can join with `{command} join`.",
            command=ctx.command,
        )
    added = sets.add_late(ctx.session, ctx.community, member, number, ctx.now(), ctx.command)
    if added.learning_set is None:
        return notice(
            "No set has room for {name} within the rules, so they're on the waiting list.",
            name=member.display_name,
        )
    return notice(
        "{name} is now in set {set}. The set and {name} are being told.",
        name=member.display_name,
        set=i18n.number(added.learning_set.number),
    )


def _merge(ctx: RequestContext, rest: str) -> Reply:
    numbers = [number_in(word) for word in rest.split()]
    if len(numbers) != 2 or numbers[0] is None or numbers[1] is None:
        return notice(
            "Name two sets, like `{command} sets merge 3 4` (set 4 joins set 3).",
            command=ctx.command,
        )
    kept = sets.merge(ctx.session, ctx.community, numbers[0], numbers[1], ctx.now())
    return notice(
        "Set {dissolved} has joined set {set}; everyone in it is being told.",
        dissolved=i18n.number(numbers[1]),
        set=i18n.number(kept.number),
    )


def _ask_close(ctx: RequestContext) -> Message:
    cycle = sets.active_cycle(ctx.session, ctx.community)
    if cycle is None:
        return notice("There's no cycle running, so there's nothing to close.")
    question = text(
        "*Close cycle {cycle} now?* Its sets end, planned meetings are cancelled, each set is "
        "told, and private channels are archived (kept, not deleted).",
        cycle=i18n.number(cycle.number),
    )
    return Message(
        summary=question.plain().replace("*", ""),
        blocks=(
            Section(question),
            Actions(
                [
                    Button(
                        _("Close the cycle"),
                        CLOSE,
                        str(cycle.id),
                        "danger",
                        confirm=Confirm(
                            _("Close the cycle?"),
                            _("Every set in it ends now. This can't be undone."),
                        ),
                    ),
                    Button(_("Not now"), DISMISS),
                ]
            ),
        ),
    )


# ---- buttons and the form ------------------------------------------------------------------------


def start_forming(ctx: RequestContext, _value: str) -> Reply:
    return OpenForm(forming_form(_choices_to_offer(ctx)))


def start_again(ctx: RequestContext, value: str) -> Reply:
    cycle_id = record_id(value)
    cycle = ctx.session.get(SetCycle, cycle_id) if cycle_id is not None else None
    if cycle is None or cycle.status != CycleStatus.PREVIEW.value:
        return notice(
            "That preview has been confirmed or replaced. Type `{command} sets` to see where "
            "things are.",
            command=ctx.command,
        )
    return OpenForm(forming_form(sets.choices_of(cycle)))


def confirm(ctx: RequestContext, value: str) -> Replies:
    cycle_id = record_id(value)
    if cycle_id is None:
        return [notice("That button no longer works. Type `{command} sets`.", command=ctx.command)]
    done = sets.confirm(ctx.session, ctx.community, cycle_id, ctx.now(), ctx.settings.facilitators)
    if done is None:
        return [
            notice(
                "Those sets have already been created. Type `{command} sets` to see them.",
                command=ctx.command,
            )
        ]
    body = translated(
        tn(
            "*Cycle {cycle} has started:* {n} set, {members} people. Each set's welcome is on "
            "its way, with a button to pick a meeting time; {waiting} waiting.",
            "*Cycle {cycle} has started:* {n} sets, {members} people. Each set's welcome is on "
            "its way, with a button to pick a meeting time; {waiting} waiting.",
            done.sets,
            cycle=i18n.number(done.cycle.number),
            members=i18n.number(done.members),
            waiting=i18n.number(done.waiting),
        )
    )
    return [
        Message(
            summary=body.plain().replace("*", ""), blocks=[Section(body)], replace_original=True
        ),
        RefreshHome(),
    ]


def close(ctx: RequestContext, value: str) -> Replies:
    cycle_id = record_id(value)
    closed = cycle_id is not None and sets.close_cycle(
        ctx.session, ctx.community, cycle_id, ctx.now()
    )
    if not closed:
        return [notice("That cycle has already ended. Type `{command} sets`.", command=ctx.command)]
    body = text("The cycle is closed. Each set is being told; thank you.")
    return [
        Message(summary=body.plain(), blocks=[Section(body)], replace_original=True),
        RefreshHome(),
    ]


def submit_form(ctx: RequestContext, values: FormValues, _state: str) -> Replies:
    choices, errors = choices_from(values)
    if errors:
        raise InvalidInput(errors)
    by = ctx.active_member
    view = sets.form_preview(ctx.session, ctx.community, choices, by, ctx.now())
    return [DirectMessage(preview_message(ctx, view))]


def register(registry: Registry, words: Words) -> None:
    registry.add_command(
        Command(
            NP_("command word", "set"),
            N_("Your action learning set; ask for one or leave it"),
            lambda ctx, args: set_command(ctx, args, words),
            # Translators: join and leave are typed in English.
            usage="[join | leave]",  # untranslated: command words only
            group=N_("Action learning sets"),
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "sets"),
            N_("Action learning sets: form, preview, confirm, change, close"),
            lambda ctx, args: sets_command(ctx, args, words),
            Access.FACILITATOR,
            # untranslated: command words only
            usage="form | move @a 3 | swap @a @b | add @a 3 | merge 3 4 | close | stats",
            group=N_("Facilitating"),
        )
    )
    registry.add_action(Action(LEAVE_NAMED, leave_named))
    registry.add_action(Action(LEAVE_QUIET, leave_quietly))
    registry.add_action(Action(START_FORMING, start_forming, Access.FACILITATOR))
    registry.add_action(Action(START_AGAIN, start_again, Access.FACILITATOR))
    registry.add_action(Action(CONFIRM, confirm, Access.FACILITATOR))
    registry.add_action(Action(CLOSE, close, Access.FACILITATOR))
    registry.add_form(FormHandler(FORMING_FORM, submit_form, Access.FACILITATOR))
