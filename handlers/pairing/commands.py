"""Peer coaching: members' `pair …` choices, the buttons in introductions and check-ins,
and facilitators' `pairing settings | preview | run | stats`.

Buttons carry the group id; the service checks the clicker is in that group. Avoid-lists
are private: replies about them go only to the person who asked.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from core import i18n, timefmt
from core.context import RequestContext
from core.errors import InvalidInput
from core.i18n import N_, NP_, _, t, tn
from core.labels import CADENCE_LABELS, shown
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
    said,
    text,
    translated,
)
from handlers.guide import DISMISS
from handlers.ids import record_id
from handlers.mentions import mentioned_user_ids
from handlers.pairing.form import SETTINGS_FORM, WEIGHT_LABELS, float_answer, settings_form
from handlers.registry import Access, Action, Command, FormHandler, HomePlace, Registry

CONFIRM_RUN = "pairing.run"  # untranslated: action id


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


def _say(body: Text) -> Message:
    return Message(summary=body.plain().replace("*", ""), blocks=(Section(body),))


def _names(members: list[Member]) -> str:
    return i18n.and_list([m.display_name for m in members])


def _part_of(part: int, whole: int) -> str:
    # Translators: a figure in a table, e.g. "3 of 4" (groups).
    return t("{part} of {whole}", part=i18n.number(part), whole=i18n.number(whole))


def _next_round_line(ctx: RequestContext) -> Text:
    """The next round for whoever is reading: the same answer everywhere it is shown."""
    return _round_line(ctx, pairing_plan.next_round(ctx.session, ctx.community, ctx.now()))


def _round_line(ctx: RequestContext, upcoming: pairing_plan.NextRound | None) -> Text:
    if upcoming is None:
        return text("Peer-coaching rounds haven't been started by the facilitators yet.")
    return text("Next round: {at}.", at=upcoming.shown_to(ctx.zone().key))


def _status_line(ctx: RequestContext, member: Member) -> Text:
    pref = ctx.session.get(PairingPreference, member.id)
    cadence = shown(CADENCE_LABELS, member.pairing_cadence).lower()
    if member.pairing_cadence == PairingCadence.NOT_NOW.value:
        return text(
            "You're not taking part for now. `{command} pair cadence weekly` to start.",
            command=ctx.command,
        )
    if pref is not None and pref.paused_until is not None and pref.paused_until > ctx.now():
        return text(
            "Paused until {until}. `{command} pair resume` to come back sooner.",
            until=when(pref.paused_until, member.timezone),
            command=ctx.command,
        )
    if pref is not None and pref.skip_next:
        # Translators: {cadence} is "weekly", "every two weeks" or "monthly" (lower case).
        return text("You're skipping the next round ({cadence} otherwise).", cadence=cadence)
    # Translators: {cadence} is "weekly", "every two weeks" or "monthly" (lower case).
    return text("You take part: {cadence}.", cadence=cadence)


def pair_command(ctx: RequestContext, args: str) -> Reply | Replies:
    member = ctx.require_member()
    word, _, rest = args.strip().partition(" ")
    word, rest = word.lower(), rest.strip()
    if word == "pause":
        return _pause(ctx, member, rest)
    if word == "resume":
        resumed = pairing.resume(ctx.session, member, ctx.now())
        next_line = _next_round_line(ctx).plain()
        if resumed:
            said_back = _say(
                text("Welcome back: you're in the next round you're due. {next}", next=next_line)
            )
        else:
            said_back = _say(text("You weren't paused, so nothing changed. {next}", next=next_line))
        return [said_back, RefreshHome()]
    if word == "skip":
        pairing.skip_next(ctx.session, member, ctx.now())
        return [
            _say(
                text(
                    "Done: you'll sit out the next round only. {next}",
                    next=_next_round_line(ctx).plain(),
                )
            ),
            RefreshHome(),
        ]
    if word == "cadence":
        cadence = CADENCE_WORDS.get(rest.lower())
        if cadence is None:
            # Translators: weekly, fortnightly, monthly and off are words to type: keep
            # them in English.
            return notice(
                "Choose weekly, fortnightly, monthly or off, like "
                "`{command} pair cadence monthly`.",
                command=ctx.command,
            )
        pairing.set_cadence(member, cadence, ctx.now())
        return [
            _say(text("Peer coaching: *{cadence}*.", cadence=shown(CADENCE_LABELS, cadence.value))),
            RefreshHome(),
        ]
    if word in {"avoid", "unavoid"}:
        return _avoid(ctx, member, rest, word == "avoid")
    if word not in {"", "show", "status"}:
        return notice(
            "Type `{command} pair` to see your partner, or `{command} pair pause 4w`, "
            "`pair resume`, `pair skip`, `pair cadence monthly`, `pair avoid @someone`.",
            command=ctx.command,
        )
    return _show(ctx, member)


def _show(ctx: RequestContext, member: Member) -> Message:
    blocks: list[Block] = [Header(_("Peer coaching"))]
    current = pairing.current_group(ctx.session, member)
    if current is None or not current[2]:
        blocks.append(Section(text("You don't have a partner in the current round.")))
    else:
        _round, group, others = current
        if len(others) == 1:
            line = text("*Your partner this round:* {names}", names=_names(others))
        else:
            # Translators: always two partners (a group of three).
            line = text("*Your partners this round:* {names}", names=_names(others))
        blocks.append(Section(line))
        opener = next((m for m in [member, *others] if m.id == group.opener_member_id), None)
        blocks += pairing_notices.guide_blocks(opener)
        blocks.append(pairing_notices.outcome_buttons(group.id))
    blocks.append(Context([_status_line(ctx, member), _next_round_line(ctx)]))
    return Message(summary=_("Peer coaching"), blocks=blocks)


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
        # Translators: `4w` (4 weeks) and `until 2027-01-10` are typed as they are.
        return notice(
            "Say how long, like `{command} pair pause 4w`, or until when, like "
            "`{command} pair pause until 2027-01-10`.",
            command=ctx.command,
        )
    pairing.pause(ctx.session, member, until, now)
    return [
        _say(
            text(
                "Paused until {until}. Nothing changes for your sessions; `{command} pair resume` "
                "brings you back sooner.",
                until=when(until, member.timezone),
                command=ctx.command,
            )
        ),
        RefreshHome(),
    ]


def _avoid(ctx: RequestContext, member: Member, rest: str, adding: bool) -> Reply:
    users = mentioned_user_ids(rest)
    if len(users) != 1:
        # Translators: {word} is `avoid` or `unavoid`, typed in English.
        return notice(
            "Mention one person, like `{command} pair {word} @someone`. Only you will ever know.",
            command=ctx.command,
            word="avoid" if adding else "unavoid",
        )
    other = membership.find(ctx.session, ctx.community, users[0])
    if other is None:
        return notice("That person isn't a member, so they won't be paired with you anyway.")
    if adding:
        pairing.avoid(ctx.session, member, other, ctx.now())
        return notice(
            "Noted, privately: you won't be paired with them. Nobody else sees this; "
            "`{command} pair unavoid` with the same mention undoes it.",
            command=ctx.command,
        )
    removed = pairing.unavoid(ctx.session, member, other)
    if removed:
        return notice("Done: you may be paired with them again.")
    return notice("You hadn't asked to avoid them, so nothing changed.")


# Shown with `text()`, which translates them. {name} is who clicked (the group sees it).
ANSWERED = {
    Outcome.BOOKED: N_("*{name}*: we've booked a time. Enjoy the conversation!"),
    Outcome.MET: N_("*{name}*: we met. Thank you, that helps the community learn what works."),
    Outcome.COULDNT: N_(
        "*{name}*: we can't this time. No problem: you'll be paired again next round."
    ),
    Outcome.NOT_YET: N_("*{name}*: not yet. There's still time this round."),
}


def _answer(ctx: RequestContext, value: str, outcome: Outcome) -> Replies:
    member = ctx.require_member()
    group_id = record_id(value)
    if group_id is None:
        return [
            notice(
                "That button no longer works. Type `{command} pair` to see your pairing.",
                command=ctx.command,
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
                "That round has already started. Type `{command} pair` to see your pairing.",
                command=ctx.command,
            )
        ]
    pairing.skip_next(ctx.session, member, ctx.now())
    return [
        Message(
            summary=_("You're skipping this round"),
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
        "Type `{command} pairing settings`, `pairing preview`, `pairing run` or `pairing stats`.",
        command=ctx.command,
    )


def _summary_fields(plan: pairing.Plan) -> Fields:
    result = plan.result
    return Fields(
        [
            (_("Taking part"), i18n.number(plan.participants)),
            (
                _("Groups"),
                # Translators: {groups} groups, {trios} of which are groups of three.
                t(
                    "{groups} ({trios} of three)",
                    groups=i18n.number(len(result.groups)),
                    trios=i18n.number(result.trios),
                ),
            ),
            (_("Across organisations"), _part_of(plan.cross_organisation(), len(result.groups))),
            (_("Repeats within the window"), i18n.number(result.repeats)),
            (_("Couldn't be placed"), i18n.number(len(result.unplaced))),
        ]
    )


def _preview(ctx: RequestContext) -> Message:
    found = pairing.plan(ctx.session, ctx.community, ctx.now())
    if found.participants < 2:
        return said(
            tn(
                "Only {n} member would take part right now, so there's nothing to pair.",
                "Only {n} members would take part right now, so there's nothing to pair.",
                found.participants,
            )
        )
    lines = [
        " + ".join(found.members[i].display_name for i in group)
        for group in found.result.groups[:40]
    ]
    more = len(found.result.groups) - len(lines)
    blocks: list[Block] = [
        Header(_("Pairing preview (nothing sent)")),
        _summary_fields(found),
        Section(text("{lines}", lines="\n".join(lines))),
    ]
    notes = [text("Private preferences are used for matching but never shown.")]
    if more > 0:
        notes.insert(0, translated(tn("…and {n} more group.", "…and {n} more groups.", more)))
    if found.result.unplaced:
        # A count, never names: a name here could tell a facilitator who avoided whom.
        notes.insert(
            0,
            translated(
                tn(
                    "{n} person could not be paired this time (no shared language or other "
                    "private reasons); they are told so by DM.",
                    "{n} could not be paired this time (no shared language or other private "
                    "reasons); each of them is told so by DM.",
                    len(found.result.unplaced),
                )
            ),
        )
    blocks.append(Context(notes))
    return Message(summary=_("Pairing preview"), blocks=blocks)


def _confirm_run(ctx: RequestContext) -> Message:
    found = pairing.plan(ctx.session, ctx.community, ctx.now())
    if found.participants < 2:
        return notice(
            "Fewer than two members would take part right now, so there's no round to run."
        )
    return Message(
        summary=_("Run a pairing round now?"),
        blocks=(
            Section(
                translated(
                    # Translators: {n} members (two or more) in {groups} group DMs (one or
                    # more).
                    tn(
                        "*Run a pairing round now?* {n} member would be introduced in {groups} "
                        "group DMs straight away, with the GROW guide.",
                        "*Run a pairing round now?* {n} members would be introduced in {groups} "
                        "group DMs straight away, with the GROW guide.",
                        found.participants,
                        groups=i18n.number(len(found.result.groups)),
                    )
                )
            ),
            Actions(
                [
                    # The round this confirms travels with the button: a second click, or a
                    # second facilitator's, finds it already run instead of running another.
                    Button(
                        _("Run the round"),
                        CONFIRM_RUN,
                        value=str(pairing.next_round_number(ctx.session, ctx.community)),
                        style="primary",
                    ),
                    Button(_("Not now"), DISMISS),
                ]
            ),
        ),
    )


def confirm_run(ctx: RequestContext, value: str) -> Replies:
    expected = pairing.next_round_number(ctx.session, ctx.community)
    if value != str(expected):
        return [
            notice(
                "That round has already been run. Type `{command} pairing stats` to see how "
                "it's going, or `{command} pairing run` to start another.",
                command=ctx.command,
            )
        ]
    result = pairing.run_round(ctx.session, ctx.community, ctx.now(), ctx.now(), manual=True)
    if result.round is None:
        return [notice("Fewer than two members would take part right now, so no round was run.")]
    body = translated(
        # Translators: {n} introductions (group DMs), to {members} members (two or more).
        tn(
            "Round {round} is under way: {n} introduction is on its way to {members} members.",
            "Round {round} is under way: {n} introductions are on their way to {members} members.",
            len(result.plan.result.groups),
            round=result.round.number,
            members=i18n.number(result.plan.participants),
        )
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
    if not whole:
        return "—"
    # Translators: a percentage; French writes "{percent} %", Arabic "{percent}٪".
    return t("{percent}%", percent=i18n.number(round(100 * part / whole)))


def _stats(ctx: RequestContext) -> Message:
    rounds = pairing.stats(ctx.session, ctx.community)
    if not rounds:
        return notice("No rounds yet. `{command} pairing run` runs one now.", command=ctx.command)
    groups = sum(r.groups for r in rounds)
    blocks: list[Block] = [
        Header(_("Peer coaching: the last rounds")),
        Fields(
            [
                (_("Rounds"), i18n.number(len(rounds))),
                (
                    _("Taking part per round"),
                    _one_decimal(sum(r.participants for r in rounds) / len(rounds)),
                ),
                (_("Met"), _percent(sum(r.met for r in rounds), groups)),
                (
                    _("Across organisations"),
                    _percent(sum(r.cross_organisation for r in rounds), groups),
                ),
                (_("Repeats"), _percent(sum(r.repeats for r in rounds), groups)),
                (_("Groups of three"), i18n.number(sum(r.trios for r in rounds))),
            ]
        ),
    ]
    lines = [_stats_line(r, ctx.zone().key) for r in rounds]
    blocks.append(Section(text("{lines}", lines="\n".join(lines))))
    return Message(summary=_("Peer coaching stats"), blocks=blocks)


def _one_decimal(value: float) -> str:
    """ "5.0" in English, "5,0" in French."""
    return str(format_decimal(value, format="#,##0.0", locale=i18n.current()))


def _stats_line(r: pairing.RoundNumbers, zone: str) -> str:
    values = {
        "round": i18n.number(r.number),
        "day": i18n.weekday_day_month(timefmt.local(r.started_at, zone)),
        "people": i18n.number(r.participants),
        "groups": i18n.number(r.groups),
        "met": i18n.number(r.met),
        "booked": i18n.number(r.booked),
        "couldnt": i18n.number(r.couldnt),
        "unplaced": i18n.number(r.unplaced),
    }
    if r.unplaced:
        # Translators: one round in a facilitators' stats list: counts of people and groups,
        # then how many groups met, booked or couldn't meet, and people left unplaced. A
        # "label: number" style is fine where plural agreement would be awkward.
        return t(
            "Round {round} ({day}): {people} people, {groups} groups, {met} met, "
            "{booked} booked, {couldnt} couldn't, {unplaced} unplaced",
            **values,
        )
    # Translators: as above, without the people left unplaced.
    return t(
        "Round {round} ({day}): {people} people, {groups} groups, {met} met, "
        "{booked} booked, {couldnt} couldn't",
        **values,
    )


def submit_settings(ctx: RequestContext, values: FormValues, _state: str) -> Replies:
    errors: dict[str, str] = {}
    weekday = values.get("weekday")
    if not (isinstance(weekday, str) and weekday.isdigit() and 0 <= int(weekday) <= 6):
        errors["weekday"] = _("Choose a day.")
    local_time = values.get("local_time")
    if not (isinstance(local_time, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", local_time)):
        errors["local_time"] = _("Enter a time like 09:00.")
    blend = values.get("blend")
    if blend not in (Blend.MIX.value, Blend.MATCH.value):
        errors["blend"] = _("Choose mix or match.")
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
        lead = _say(text("Saved. Rounds are off; no one will be paired until you turn them on."))
    elif upcoming.notice_at is not None:
        lead = _say(
            text(
                "Saved. The next round is {at}; members get a one-line heads-up the day before.",
                at=upcoming.shown_to(ctx.zone().key),
            )
        )
    else:
        lead = _say(
            text(
                "Saved. The next round is {at}; it's less than a day away, so there's no "
                "heads-up this time.",
                at=upcoming.shown_to(ctx.zone().key),
            )
        )
    return [DirectMessage(lead), RefreshHome()]


def home_blocks(ctx: RequestContext) -> list[Block]:
    """'Peer coaching' for a member's home: the current partner and the next round."""
    member = ctx.active_member
    if member is None:
        return []
    current = pairing.current_group(ctx.session, member)
    if current is not None and current[2]:
        if len(current[2]) == 1:
            line = text(
                "*Peer coaching*\nYour partner this round: {names}. `{command} pair` shows the "
                "GROW guide.",
                names=_names(current[2]),
                command=ctx.command,
            )
        else:
            # Translators: always two partners (a group of three).
            line = text(
                "*Peer coaching*\nYour partners this round: {names}. `{command} pair` shows "
                "the GROW guide.",
                names=_names(current[2]),
                command=ctx.command,
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
            "Peer-coaching rounds are off. `{command} pairing settings` turns them on.",
            command=ctx.command,
        )
    if latest is None:
        first = [text("No peer-coaching round has run yet.")] if upcoming is not None else []
        return [Context([*first, next_line])]
    numbers = pairing.round_numbers(ctx.session, latest)
    return [
        Section(text("*Peer-coaching round {n}*", n=numbers.number)),
        Fields(
            [
                (_("Taking part"), i18n.number(numbers.participants)),
                (_("Met"), _part_of(numbers.met, numbers.groups)),
                (_("Booked"), i18n.number(numbers.booked)),
                # Translators: groups that couldn't meet this round.
                (_("Couldn't"), i18n.number(numbers.couldnt)),
            ]
        ),
        Context([next_line]),
    ]


def register(registry: Registry) -> None:
    registry.add_home_section(HomePlace.MEMBER, 20, home_blocks)
    registry.add_home_section(HomePlace.FACILITATOR, 20, facilitator_home_blocks)
    registry.add_command(
        Command(
            NP_("command word", "pair"),
            N_("Your peer-coaching partner, the GROW guide, and your choices"),
            pair_command,
            # Translators: pause, resume, skip, cadence, monthly and avoid are typed in
            # English; translate only "someone" (4w is 4 weeks).
            usage=N_("[pause 4w | resume | skip | cadence monthly | avoid @someone]"),
            group=N_("Peer coaching"),
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "pairing"),
            N_("Peer-coaching rounds: settings, preview, run now, stats"),
            pairing_command,
            Access.FACILITATOR,
            usage="settings | preview | run | stats",  # untranslated: command words only
            group=N_("Facilitating"),
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
