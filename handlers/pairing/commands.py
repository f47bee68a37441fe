"""Peer coaching: members' `pair …` choices, the buttons in introductions and check-ins,
and facilitators' `pairing settings | preview | run | stats`.

Buttons carry the group id; the service checks the clicker is in that group. Avoid-lists
are private: replies about them go only to the person who asked.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.context import RequestContext
from core.errors import InvalidInput
from core.labels import CADENCE_LABELS
from core.membership import service as membership
from core.models import Member, PairingCadence
from core.pairing import notices as pairing_notices
from core.pairing import plan as pairing_plan
from core.pairing import service as pairing
from core.pairing.matching import Blend
from core.pairing.models import Outcome, PairingPreference
from core.timefmt import when
from core.ui import (
    Actions,
    Block,
    Button,
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
)
from core.words import plural
from handlers.guide import DISMISS
from handlers.ids import record_id
from handlers.mentions import mentioned_user_ids
from handlers.pairing.form import SETTINGS_FORM, WEIGHT_LABELS, float_answer, settings_form
from handlers.registry import Access, Action, Command, FormHandler, HomePlace, Registry

CONFIRM_RUN = "pairing.run"


PAUSE = re.compile(r"^(\d{1,3})\s*(w|wk|wks|week|weeks|d|day|days)$")


CADENCE_WORDS = {
    "weekly": PairingCadence.WEEKLY,
    "fortnightly": PairingCadence.FORTNIGHTLY,
    "biweekly": PairingCadence.FORTNIGHTLY,
    "monthly": PairingCadence.MONTHLY,
    "off": PairingCadence.NOT_NOW,
    "never": PairingCadence.NOT_NOW,
    "not-now": PairingCadence.NOT_NOW,
    "none": PairingCadence.NOT_NOW,
}


def _say(template: str, **values: object) -> Message:
    body = text(template, **values)
    return Message(summary=body.plain().replace("*", ""), blocks=(Section(body),))


def _next_round_line(ctx: RequestContext) -> Text:
    """The next round for whoever is reading: the same answer everywhere it is shown."""
    return _round_line(ctx, pairing_plan.next_round(ctx.session, ctx.community, ctx.now()))


def _round_line(ctx: RequestContext, upcoming: pairing_plan.NextRound | None) -> Text:
    if upcoming is None:
        return text("Peer-coaching rounds haven't been started by the facilitators yet.")
    return text("Next round: {at}.", at=upcoming.shown_to(ctx.zone().key))


def _status_line(ctx: RequestContext, member: Member) -> Text:
    pref = ctx.session.get(PairingPreference, member.id)
    cadence = CADENCE_LABELS.get(member.pairing_cadence, member.pairing_cadence)
    if member.pairing_cadence == PairingCadence.NOT_NOW.value:
        return text(
            "You're not taking part for now. `{cmd} pair cadence weekly` to start.", cmd=ctx.command
        )
    if pref is not None and pref.paused_until is not None and pref.paused_until > ctx.now():
        return text(
            "Paused until {until}. `{cmd} pair resume` to come back sooner.",
            until=when(pref.paused_until, member.timezone),
            cmd=ctx.command,
        )
    if pref is not None and pref.skip_next:
        return text(
            "You're skipping the next round ({cadence} otherwise).", cadence=cadence.lower()
        )
    return text("You take part: {cadence}.", cadence=cadence.lower())


def pair_command(ctx: RequestContext, args: str) -> Reply | Replies:
    member = ctx.require_member()
    word, _, rest = args.strip().partition(" ")
    word, rest = word.lower(), rest.strip()
    if word == "pause":
        return _pause(ctx, member, rest)
    if word == "resume":
        resumed = pairing.resume(ctx.session, member, ctx.now())
        lead = (
            "Welcome back: you're in the next round you're due."
            if resumed
            else ("You weren't paused, so nothing changed.")
        )
        return [_say(lead + " {next}", next=_next_round_line(ctx).plain()), RefreshHome()]
    if word == "skip":
        pairing.skip_next(ctx.session, member, ctx.now())
        return [
            _say(
                "Done: you'll sit out the next round only. {next}",
                next=_next_round_line(ctx).plain(),
            ),
            RefreshHome(),
        ]
    if word == "cadence":
        cadence = CADENCE_WORDS.get(rest.lower())
        if cadence is None:
            return notice(
                "Choose weekly, fortnightly, monthly or off, like `{v0} pair cadence monthly`.",
                ctx.command,
            )
        pairing.set_cadence(member, cadence, ctx.now())
        return [
            _say("Peer coaching: *{c}*.", c=CADENCE_LABELS[cadence.value]),
            RefreshHome(),
        ]
    if word in {"avoid", "unavoid"}:
        return _avoid(ctx, member, rest, word == "avoid")
    if word not in {"", "show", "status"}:
        return notice(
            "Type `{v0} pair` to see your partner, or `{v0} pair pause 4w`, `pair resume`, "
            "`pair skip`, `pair cadence monthly`, `pair avoid @someone`.",
            ctx.command,
        )
    return _show(ctx, member)


def _show(ctx: RequestContext, member: Member) -> Message:
    blocks: list[Block] = [Header("Peer coaching")]
    current = pairing.current_group(ctx.session, member)
    if current is None or not current[2]:
        blocks.append(Section(text("You don't have a partner in the current round.")))
    else:
        _round, group, others = current
        blocks.append(
            Section(
                text(
                    "*Your {partners} this round:* {names}",
                    partners="partners" if len(others) > 1 else "partner",
                    names=", ".join(m.display_name for m in others),
                )
            )
        )
        opener = next((m for m in [member, *others] if m.id == group.opener_member_id), None)
        blocks += pairing_notices.guide_blocks(opener)
        blocks.append(pairing_notices.outcome_buttons(group.id))
    blocks.append(Context([_status_line(ctx, member), _next_round_line(ctx)]))
    return Message(summary="Peer coaching", blocks=blocks)


def _pause(ctx: RequestContext, member: Member, rest: str) -> Replies | Reply:
    now = ctx.now()
    zone = ZoneInfo(member.timezone)
    words = rest.lower().split()
    until: datetime | None = None
    found = PAUSE.match(rest.lower().strip())
    if found:
        count = int(found.group(1))
        days = count * 7 if found.group(2).startswith("w") else count
        until = now + timedelta(days=days)
    elif len(words) == 2 and words[0] == "until":
        try:
            day = date.fromisoformat(words[1])
        except ValueError:
            day = None
        if day is not None:
            until = datetime.combine(day, time(0, 0), tzinfo=zone)
    if until is None:
        return notice(
            "Say how long, like `{v0} pair pause 4w`, or until when, like "
            "`{v0} pair pause until 2027-01-10`.",
            ctx.command,
        )
    pairing.pause(ctx.session, member, until, now)
    return [
        _say(
            "Paused until {until}. Nothing changes for your sessions; `{cmd} pair resume` "
            "brings you back sooner.",
            until=when(until, member.timezone),
            cmd=ctx.command,
        ),
        RefreshHome(),
    ]


def _avoid(ctx: RequestContext, member: Member, rest: str, adding: bool) -> Reply:
    users = mentioned_user_ids(rest)
    if len(users) != 1:
        return notice(
            "Mention one person, like `{v0} pair {v1} @someone`. Only you will ever know.",
            ctx.command,
            "avoid" if adding else "unavoid",
        )
    other = membership.find(ctx.session, ctx.community, users[0])
    if other is None:
        return notice("That person isn't a member, so they won't be paired with you anyway.")
    if adding:
        pairing.avoid(ctx.session, member, other, ctx.now())
        return notice(
            "Noted, privately: you won't be paired with them. Nobody else sees this; "
            "`{v0} pair unavoid` with the same mention undoes it.",
            ctx.command,
        )
    removed = pairing.unavoid(ctx.session, member, other)
    return notice(
        "Done: you may be paired with them again."
        if removed
        else "You hadn't asked to avoid them, so nothing changed."
    )


ANSWERED = {
    Outcome.BOOKED: "*{name}*: we've booked a time. Enjoy the conversation!",
    Outcome.MET: "*{name}*: we met. Thank you, that helps the community learn what works.",
    Outcome.COULDNT: "*{name}*: we can't this time. No problem: you'll be paired again next round.",
    Outcome.NOT_YET: "*{name}*: not yet. There's still time this round.",
}


def _answer(ctx: RequestContext, value: str, outcome: Outcome) -> Replies:
    member = ctx.require_member()
    group_id = record_id(value)
    if group_id is None:
        return [
            notice(
                "That button no longer works. Type `{v0} pair` to see your pairing.", ctx.command
            )
        ]
    group = pairing.answer(ctx.session, member, group_id, outcome, ctx.now())
    members = pairing.group_members(ctx.session, group)
    body = text(ANSWERED[outcome], name=member.display_name)
    blocks: list[Block] = [Section(body)]
    if outcome in (Outcome.BOOKED, Outcome.NOT_YET):
        opener = next((m for m in members if m.id == group.opener_member_id), None)
        blocks += [*pairing_notices.guide_blocks(opener), pairing_notices.outcome_buttons(group.id)]
    return [
        Message(summary=body.plain().replace("*", ""), blocks=blocks, replace_original=True),
        RefreshHome(),
    ]


def booked(ctx: RequestContext, value: str) -> Replies:
    return _answer(ctx, value, Outcome.BOOKED)


def met(ctx: RequestContext, value: str) -> Replies:
    return _answer(ctx, value, Outcome.MET)


def cant(ctx: RequestContext, value: str) -> Replies:
    return _answer(ctx, value, Outcome.COULDNT)


def not_yet(ctx: RequestContext, value: str) -> Replies:
    return _answer(ctx, value, Outcome.NOT_YET)


def skip_button(ctx: RequestContext, value: str) -> Replies:
    member = ctx.require_member()
    try:
        round_at = datetime.fromisoformat(value)
    except ValueError:
        round_at = None
    if round_at is None or round_at.tzinfo is None or round_at <= ctx.now():
        return [
            notice(
                "That round has already started. Type `{v0} pair` to see your pairing.", ctx.command
            )
        ]
    pairing.skip_next(ctx.session, member, ctx.now())
    return [
        Message(
            summary="You're skipping this round",
            blocks=[Section(text("Done: you'll sit out this round only. See you next time."))],
            replace_original=True,
        ),
        RefreshHome(),
    ]


def pairing_command(ctx: RequestContext, args: str) -> Reply:
    word = args.strip().lower()
    if word == "settings":
        saved = pairing.settings_of(ctx.session, ctx.community)
        return OpenForm(
            settings_form(saved or pairing.defaults(ctx.community, ctx.now()), saved is not None)
        )
    if word == "preview":
        return _preview(ctx)
    if word == "run":
        return _confirm_run(ctx)
    if word == "stats":
        return _stats(ctx)
    return notice(
        "Type `{v0} pairing settings`, `pairing preview`, `pairing run` or `pairing stats`.",
        ctx.command,
    )


def _summary_fields(plan: pairing.Plan) -> Fields:
    result = plan.result
    return Fields(
        [
            ("Taking part", str(plan.participants)),
            ("Groups", f"{len(result.groups)} ({result.trios} of three)"),
            ("Across organisations", f"{plan.cross_organisation()} of {len(result.groups)}"),
            ("Repeats within the window", str(result.repeats)),
            ("Couldn't be placed", str(len(result.unplaced))),
        ]
    )


def _preview(ctx: RequestContext) -> Message:
    found = pairing.plan(ctx.session, ctx.community, ctx.now())
    if found.participants < 2:
        return notice(
            "Only {v0} would take part right now, so there's nothing to pair.",
            plural(found.participants, "member", "members"),
        )
    lines = [
        " + ".join(found.members[i].display_name for i in group)
        for group in found.result.groups[:40]
    ]
    more = len(found.result.groups) - len(lines)
    blocks: list[Block] = [
        Header("Pairing preview (nothing sent)"),
        _summary_fields(found),
        Section(text("{lines}", lines="\n".join(lines))),
    ]
    notes = [text("Private preferences are used for matching but never shown.")]
    if more > 0:
        notes.insert(0, text("…and {n} more groups.", n=more))
    if found.result.unplaced:
        # A count, never names: a name here could tell a facilitator who avoided whom.
        notes.insert(
            0,
            text(
                "{n} could not be paired this time (no shared language or other private "
                "reasons); each of them is told so by DM.",
                n=len(found.result.unplaced),
            ),
        )
    blocks.append(Context(notes))
    return Message(summary="Pairing preview", blocks=blocks)


def _confirm_run(ctx: RequestContext) -> Message:
    found = pairing.plan(ctx.session, ctx.community, ctx.now())
    if found.participants < 2:
        return notice(
            "Fewer than two members would take part right now, so there's no round to run."
        )
    return Message(
        summary="Run a pairing round now?",
        blocks=(
            Section(
                text(
                    "*Run a pairing round now?* {n} members would be introduced in {g} group "
                    "DMs straight away, with the GROW guide.",
                    n=found.participants,
                    g=len(found.result.groups),
                )
            ),
            Actions(
                [
                    # The round this confirms travels with the button: a second click, or a
                    # second facilitator's, finds it already run instead of running another.
                    Button(
                        "Run the round",
                        CONFIRM_RUN,
                        value=str(pairing.next_round_number(ctx.session, ctx.community)),
                        style="primary",
                    ),
                    Button("Not now", DISMISS),
                ]
            ),
        ),
    )


def confirm_run(ctx: RequestContext, value: str) -> Replies:
    expected = pairing.next_round_number(ctx.session, ctx.community)
    if value != str(expected):
        return [
            notice(
                "That round has already been run. Type `{v0} pairing stats` to see how it's "
                "going, or `{v0} pairing run` to start another.",
                ctx.command,
            )
        ]
    result = pairing.run_round(ctx.session, ctx.community, ctx.now(), ctx.now(), manual=True)
    if result.round is None:
        return [notice("Fewer than two members would take part right now, so no round was run.")]
    body = text(
        "Round {n} is under way: {g} introductions are on their way to {p} members.",
        n=result.round.number,
        g=len(result.plan.result.groups),
        p=result.plan.participants,
    )
    return [
        Message(
            summary=body.plain(),
            blocks=(Section(body), _summary_fields(result.plan)),
            replace_original=True,
        ),
        RefreshHome(),
    ]


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _stats(ctx: RequestContext) -> Message:
    rounds = pairing.stats(ctx.session, ctx.community)
    if not rounds:
        return notice("No rounds yet. `{v0} pairing run` runs one now.", ctx.command)
    groups = sum(r.groups for r in rounds)
    blocks: list[Block] = [
        Header("Peer coaching: the last rounds"),
        Fields(
            [
                ("Rounds", str(len(rounds))),
                (
                    "Taking part per round",
                    f"{sum(r.participants for r in rounds) / len(rounds):.1f}",
                ),
                ("Met", _percent(sum(r.met for r in rounds), groups)),
                (
                    "Across organisations",
                    _percent(sum(r.cross_organisation for r in rounds), groups),
                ),
                ("Repeats", _percent(sum(r.repeats for r in rounds), groups)),
                ("Groups of three", str(sum(r.trios for r in rounds))),
            ]
        ),
    ]
    lines = [
        f"Round {r.number} ({when(r.started_at, ctx.zone().key).split(',')[0]}): "
        f"{r.participants} people, {r.groups} groups, {r.met} met, {r.booked} booked, "
        f"{r.couldnt} couldn't" + (f", {r.unplaced} unplaced" if r.unplaced else "")
        for r in rounds
    ]
    blocks.append(Section(text("{lines}", lines="\n".join(lines))))
    return Message(summary="Peer coaching stats", blocks=blocks)


def submit_settings(ctx: RequestContext, values: FormValues, _state: str) -> Replies:
    errors: dict[str, str] = {}
    weekday = values.get("weekday")
    if not (isinstance(weekday, str) and weekday.isdigit() and 0 <= int(weekday) <= 6):
        errors["weekday"] = "Choose a day."
    local_time = values.get("local_time")
    if not (isinstance(local_time, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", local_time)):
        errors["local_time"] = "Enter a time like 09:00."
    blend = values.get("blend")
    if blend not in (Blend.MIX.value, Blend.MATCH.value):
        errors["blend"] = "Choose mix or match."
    weeks = float_answer(values, "recency_weeks", 1, 52, errors)
    weights = {name: float_answer(values, name, 0, 100, errors) for name in WEIGHT_LABELS}
    if errors:
        raise InvalidInput(errors)
    draft = pairing.SettingsDraft(
        enabled=values.get("enabled") is True,
        weekday=int(str(weekday)),
        local_time=str(local_time),
        recency_weeks=int(weeks),
        blend=str(blend),
        weights=weights,
    )
    upcoming = pairing.save_settings(ctx.session, ctx.community, draft, ctx.now())
    if upcoming is None:
        lead = "Saved. Rounds are off; no one will be paired until you turn them on."
    else:
        heads_up = (
            "members get a one-line heads-up the day before"
            if upcoming.notice_at is not None
            else "it's less than a day away, so there's no heads-up this time"
        )
        lead = f"Saved. The next round is {upcoming.shown_to(ctx.zone().key)}; {heads_up}."
    return [_dm(lead), RefreshHome()]


def _dm(sentence: str) -> Reply:
    return DirectMessage(_say("{s}", s=sentence))


def home_blocks(ctx: RequestContext) -> list[Block]:
    """'Peer coaching' for a member's home: the current partner and the next round."""
    member = ctx.active_member
    if member is None:
        return []
    current = pairing.current_group(ctx.session, member)
    if current is not None and current[2]:
        line = text(
            "*Peer coaching*\nYour {partners} this round: {names}. `{cmd} pair` shows the "
            "GROW guide.",
            partners="partners" if len(current[2]) > 1 else "partner",
            names=", ".join(m.display_name for m in current[2]),
            cmd=ctx.command,
        )
    else:
        line = text("*Peer coaching*\nNo partner in the current round.")
    return [Section(line), Context([_status_line(ctx, member), _next_round_line(ctx)])]


def facilitator_home_blocks(ctx: RequestContext) -> list[Block]:
    """The latest round's numbers and the next round, for the facilitators' part of the
    home page."""
    latest = pairing.latest_round(ctx.session, ctx.community)
    upcoming = pairing_plan.next_round(ctx.session, ctx.community, ctx.now())
    if upcoming is not None:
        next_line = _round_line(ctx, upcoming)
    else:
        next_line = text(
            "Peer-coaching rounds are off. `{cmd} pairing settings` turns them on.",
            cmd=ctx.command,
        )
    if latest is None:
        first = [text("No peer-coaching round has run yet.")] if upcoming is not None else []
        return [Context([*first, next_line])]
    numbers = pairing.round_numbers(ctx.session, latest)
    return [
        Section(text("*Peer-coaching round {n}*", n=numbers.number)),
        Fields(
            [
                ("Taking part", str(numbers.participants)),
                ("Met", f"{numbers.met} of {numbers.groups}"),
                ("Booked", str(numbers.booked)),
                ("Couldn't", str(numbers.couldnt)),
            ]
        ),
        Context([next_line]),
    ]


def register(registry: Registry) -> None:
    registry.add_home_section(HomePlace.MEMBER, 20, home_blocks)
    registry.add_home_section(HomePlace.FACILITATOR, 20, facilitator_home_blocks)
    registry.add_command(
        Command(
            "pair",
            "Your peer-coaching partner, the GROW guide, and your choices",
            pair_command,
            usage="[pause 4w | resume | skip | cadence monthly | avoid @someone]",
            group="Peer coaching",
        )
    )
    registry.add_command(
        Command(
            "pairing",
            "Peer-coaching rounds: settings, preview, run now, stats",
            pairing_command,
            Access.FACILITATOR,
            usage="settings | preview | run | stats",
            group="Facilitating",
        )
    )
    registry.add_action(Action(pairing_notices.BOOKED, booked))
    registry.add_action(Action(pairing_notices.MET, met))
    registry.add_action(Action(pairing_notices.CANT, cant))
    registry.add_action(Action(pairing_notices.CHECKIN_YES, met))
    registry.add_action(Action(pairing_notices.CHECKIN_NOT_YET, not_yet))
    registry.add_action(Action(pairing_notices.CHECKIN_COULDNT, cant))
    registry.add_action(Action(pairing_notices.SKIP_NEXT, skip_button))
    registry.add_action(Action(CONFIRM_RUN, confirm_run, Access.FACILITATOR))
    registry.add_form(FormHandler(SETTINGS_FORM, submit_settings, Access.FACILITATOR))
