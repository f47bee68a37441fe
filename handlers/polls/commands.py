"""`/cop poll` (and `poll themes`), its preview and confirm, the vote and suggestion
buttons; `/cop survey`, its preview and confirm, and the members' answer form."""

from __future__ import annotations

from collections.abc import Callable

from core import i18n
from core.broadcasts.models import Way
from core.context import RequestContext
from core.errors import UserError
from core.i18n import N_, NP_, _, pgettext, tn
from core.polls import ballots, buttons, notices, surveys
from core.polls import service as polls
from core.polls.models import Poll, Survey
from core.timefmt import when
from core.ui import (
    Actions,
    Block,
    Button,
    Context,
    DirectMessage,
    Divider,
    FormValues,
    Message,
    OpenForm,
    Replies,
    Reply,
    Section,
    list_of,
    notice,
    text,
    text_of,
    translated,
)
from handlers.ids import record_id
from handlers.polls.form import (
    ANONYMOUS,
    ANSWER_FORM,
    MEMBERS_ADD,
    MULTIPLE,
    POLL_FORM,
    SUGGEST_FORM,
    SURVEY_FORM,
    answer_form,
    poll_form,
    suggest_form,
    survey_form,
)
from handlers.registry import Access, Action, Command, FormHandler, Registry

CONFIRM = "poll.confirm"  # untranslated: an action id
DISCARD = "poll.discard"  # untranslated: an action id
SURVEY_CONFIRM = "survey.confirm"  # untranslated: an action id
SURVEY_DISCARD = "survey.discard"  # untranslated: an action id


def _ticked(value: object, option: str) -> bool:
    return value is True or (isinstance(value, list) and option in value) or value == option


def poll_command(ctx: RequestContext, args: str) -> Reply:
    word = args.strip().lower()
    if not word:
        return OpenForm(poll_form(ctx))
    if word in {"themes", pgettext("command word", "themes").lower()}:
        return OpenForm(poll_form(ctx, themes=True))
    return notice(
        "Type `{command} poll` to write a poll, or `{command} poll themes` for the theme "
        "vote for the next cycle.",
        command=ctx.command,
    )


def _find(ctx: RequestContext, value: str) -> Poll:
    found = record_id(value)
    poll = polls.find(ctx.session, ctx.community, found) if found else None
    if poll is None:
        raise UserError(_("That poll no longer exists: nothing was changed."))
    return poll


def _preview(ctx: RequestContext, poll: Poll) -> Message:
    preview = polls.preview(ctx.session, ctx.community, poll, ctx.now())
    if poll.way == Way.DM.value:
        lead = translated(
            tn(
                "*Preview.* This poll goes by DM to *{n} person*: {audience}.",
                "*Preview.* This poll goes by DM to *{n} people*: {audience}.",
                preview.people,
                audience="{audience}",
            ),
            audience=preview.audience_words,
        )
    else:
        lead = text("*Preview.* This poll is posted in the community channel, for everyone.")
    blocks: list[Block] = [Section(lead), Divider()]
    blocks.extend(polls.message_for(ctx.session, ctx.community, poll, None, sample=True).blocks)
    blocks.append(Divider())
    if poll.way == Way.DM.value and preview.people == 0:
        blocks.append(
            Section(
                text(
                    "Nobody matches this audience right now, so nothing would be sent. Write "
                    "it again for other people."
                )
            )
        )
        blocks.append(Actions([Button(_("Discard"), DISCARD, str(poll.id))]))
    else:
        blocks.append(
            Actions(
                [
                    Button(_("Confirm"), CONFIRM, str(poll.id), "primary"),
                    Button(_("Discard"), DISCARD, str(poll.id)),
                ]
            )
        )
    return Message(summary=lead.plain(), blocks=blocks)


def submit_poll(ctx: RequestContext, values: FormValues, state: str) -> Reply:
    del state
    draft = polls.Draft(
        question=text_of(values.get("question")),
        options=text_of(values.get("options")),
        members_add=_ticked(values.get("members_add"), MEMBERS_ADD),
        multiple=text_of(values.get("choice")) == MULTIPLE,
        anonymous=text_of(values.get("anonymous")) != "named",
        date=text_of(values.get("date")),
        time=text_of(values.get("time")),
        audience=list_of(values.get("audience")),
        way=text_of(values.get("way")),
    )
    plan = polls.check(draft, ctx.session, ctx.community, ctx.settings, ctx.now())
    poll = polls.save(ctx.session, ctx.community, plan, ctx.active_member, ctx.now())
    return _preview(ctx, poll)


def confirm(ctx: RequestContext, value: str) -> Reply:
    poll = _find(ctx, value)
    if poll.closes_at <= ctx.now():
        return notice("Its closing time has passed: write the poll again with a later one.")
    queued = polls.confirm(ctx.session, ctx.community, poll, ctx.now())
    if queued is None:
        return notice("This poll was sent already: nothing new was sent.")
    lead = text(
        "Sent: the poll closes {when}, and the result is shared then.",
        when=closing(ctx, poll),
    )
    return Message(summary=lead.plain(), blocks=[Section(lead)], replace_original=True)


def closing(ctx: RequestContext, poll: Poll | Survey) -> str:
    return when(poll.closes_at, ctx.community.timezone)


def discard(ctx: RequestContext, value: str) -> Reply:
    poll = _find(ctx, value)
    if not polls.discard(ctx.session, poll):
        return notice("This poll was sent already, so it stays.")
    return Message(
        summary=_("Discarded: nothing was sent."),
        blocks=[Section(text("Discarded: nothing was sent."))],
        replace_original=True,
    )


def _chosen_words(ctx: RequestContext, poll: Poll, choice: frozenset[int]) -> str:
    words = [o.text for o in polls.options_of(ctx.session, poll) if o.id in choice]
    return i18n.and_list(words) if words else _("nothing")


def vote_for(position: int) -> Callable[[RequestContext, str], Reply | Replies]:
    """The handler of the button for the option at `position` (one action id per
    position: Slack wants the ids in one message to differ)."""

    def vote(ctx: RequestContext, value: str) -> Reply | Replies:
        member = ctx.require_member()
        poll_id = ballots.poll_of(value)
        poll = _find(ctx, str(poll_id) if poll_id else "")
        outcome = polls.vote(ctx.session, poll, member, position, value, ctx.now())
        in_channel = poll.way == Way.CHANNEL.value
        if outcome.changed and in_channel:
            polls.redraw_post(ctx.session, ctx.community, poll, ctx.now())
        signed = ballots.is_signed(value)
        own = notices.message(
            poll,
            polls.options_of(ctx.session, poll),
            ctx.community.timezone,
            polls.voters(ctx.session, poll),
            outcome.copy,
        )
        if not outcome.changed:
            return notice("That is your vote already: nothing changed.")
        if not in_channel or signed:
            # The clicked copy is the member's own (a DM): it shows their vote and counts.
            return Message(summary=own.summary, blocks=own.blocks, replace_original=True)
        chosen = _chosen_words(ctx, poll, outcome.choice)
        if poll.anonymous:
            return [
                DirectMessage(own),
                notice(
                    "Your vote is counted, without your name. To change it until the poll "
                    "closes, use your own copy in your DMs with Catalyst."
                ),
            ]
        return notice(
            "Your vote: {choice}. Click again to change it until the poll closes.",
            choice=chosen,
        )

    return vote


def suggest(ctx: RequestContext, value: str) -> Reply:
    poll = _find(ctx, value)
    if not polls.is_open(poll, ctx.now()):
        return notice("This poll has closed, so it takes no new options.")
    if not poll.members_add:
        return notice("This poll doesn't take new options.")
    return OpenForm(suggest_form(poll.id))


def submit_suggestion(ctx: RequestContext, values: FormValues, state: str) -> Reply:
    ctx.require_member()
    poll = _find(ctx, state)
    added = polls.suggest(
        ctx.session, ctx.community, poll, text_of(values.get("option")), ctx.now()
    )
    if poll.way == Way.CHANNEL.value:
        return notice("Added “{option}”: it is on the poll in the channel now.", option=added.text)
    return notice(
        "Added “{option}”: it shows on the poll's buttons from the next vote.",
        option=added.text,
    )


def polls_command(ctx: RequestContext, _args: str) -> Reply:
    """The latest polls with their counts; for a named poll, who chose what."""
    # Three at most: each is up to 15 blocks, and a message holds 50.
    listed = polls.listing(ctx.session, ctx.community, limit=3)
    if not listed:
        return notice("No polls yet. Type `{command} poll` to write one.", command=ctx.command)
    blocks: list[Block] = []
    for poll in listed:
        if blocks:
            blocks.append(Divider())
        options = polls.options_of(ctx.session, poll)
        shown = notices.message(
            poll, options, ctx.community.timezone, polls.voters(ctx.session, poll), sample=True
        )
        blocks.extend(shown.blocks)
        names = polls.who_chose(ctx.session, poll)
        lines = [
            text("{option}: {names}", option=o.text, names=i18n.and_list(names[o.id]))
            for o in options
            if names.get(o.id)
        ]
        if lines:
            blocks.append(Context(lines))
    return Message(summary=_("Polls"), blocks=blocks)


# ---- the survey -------------------------------------------------------------------------------


def survey_command(ctx: RequestContext, _args: str) -> Reply:
    return OpenForm(survey_form(ctx))


def _find_survey(ctx: RequestContext, value: str) -> Survey:
    found = record_id(value)
    survey = surveys.find(ctx.session, ctx.community, found) if found else None
    if survey is None:
        raise UserError(_("That survey no longer exists: nothing was changed."))
    return survey


def submit_survey(ctx: RequestContext, values: FormValues, state: str) -> Reply:
    del state
    draft = surveys.SurveyDraft(
        audience=list_of(values.get("audience")),
        date=text_of(values.get("date")),
        time=text_of(values.get("time")),
        anonymous=_ticked(values.get("anonymous"), ANONYMOUS),
    )
    codes, closes_at = surveys.check(draft, ctx.community, ctx.settings, ctx.now())
    survey = surveys.save(
        ctx.session,
        ctx.community,
        ctx.settings,
        codes,
        closes_at,
        draft.anonymous,
        ctx.active_member,
        ctx.now(),
    )
    people = len(surveys.audience_of(ctx.session, ctx.community, survey, ctx.now()))
    lead = translated(
        tn(
            "*Preview.* The survey goes by DM to *{n} person*.",
            "*Preview.* The survey goes by DM to *{n} people*.",
            people,
        )
    )
    sample = surveys.invitation(survey, ctx.community.timezone)
    questions = [
        Context([text("• {question}", question=_(str(q["label"])))]) for q in survey.questions
    ]
    actions: list[Button] = []
    if people:
        actions.append(Button(_("Confirm"), SURVEY_CONFIRM, str(survey.id), "primary"))
    actions.append(Button(_("Discard"), SURVEY_DISCARD, str(survey.id)))
    blocks: list[Block] = [Section(lead), Divider(), *sample.blocks[:2], *questions, Divider()]
    blocks.append(Actions(actions))
    return Message(summary=lead.plain(), blocks=blocks)


def survey_confirm(ctx: RequestContext, value: str) -> Reply:
    survey = _find_survey(ctx, value)
    if survey.closes_at <= ctx.now():
        return notice("Its closing time has passed: start the survey again with a later one.")
    queued = surveys.confirm(ctx.session, ctx.community, survey, ctx.now())
    if queued is None:
        return notice("This survey was sent already: nothing new was sent.")
    lead = translated(
        tn(
            "Sent to {n} person by DM. It closes {when}.",
            "Sent to {n} people by DM. It closes {when}.",
            queued,
            when="{when}",
        ),
        when=closing(ctx, survey),
    )
    return Message(summary=lead.plain(), blocks=[Section(lead)], replace_original=True)


def survey_discard(ctx: RequestContext, value: str) -> Reply:
    survey = _find_survey(ctx, value)
    if not polls.discard(ctx.session, survey):
        return notice("This survey was sent already, so it stays.")
    return Message(
        summary=_("Discarded: nothing was sent."),
        blocks=[Section(text("Discarded: nothing was sent."))],
        replace_original=True,
    )


def open_survey(ctx: RequestContext, value: str) -> Reply:
    member = ctx.require_member()
    survey = _find_survey(ctx, value)
    surveys.can_answer(ctx.session, survey, member, ctx.now())
    return OpenForm(answer_form(survey))


def submit_answer(ctx: RequestContext, values: FormValues, state: str) -> Reply:
    member = ctx.require_member()
    survey = _find_survey(ctx, state)
    surveys.answer(ctx.session, survey, member, dict(values), ctx.now())
    return DirectMessage(
        Message(
            summary=_("Thank you: your answers are in."),
            blocks=[Section(text("Thank you: your answers are in."))],
        )
    )


def register(registry: Registry) -> None:
    group = N_("Facilitating")
    registry.add_command(
        Command(
            NP_("command word", "poll"),
            N_("Ask members to vote: a co-design poll, or `poll themes` for the next cycle"),
            poll_command,
            Access.FACILITATOR,
            group=group,
            usage="[themes]",  # untranslated: a command word
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "polls"),
            N_("The latest polls and their results; for a named poll, who chose what"),
            polls_command,
            Access.FACILITATOR,
            group=group,
            takes_args=False,
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "survey"),
            N_("Send the end-of-programme survey by DM"),
            survey_command,
            Access.FACILITATOR,
            group=group,
            takes_args=False,
        )
    )
    registry.add_action(Action(CONFIRM, confirm, Access.FACILITATOR))
    registry.add_action(Action(DISCARD, discard, Access.FACILITATOR))
    for position in range(1, buttons.MAX_OPTIONS + 1):
        registry.add_action(Action(buttons.vote_action(position), vote_for(position)))
    registry.add_action(Action(buttons.SUGGEST, suggest))
    registry.add_form(FormHandler(POLL_FORM, submit_poll, Access.FACILITATOR))
    registry.add_form(FormHandler(SUGGEST_FORM, submit_suggestion, Access.MEMBER))
    registry.add_action(Action(SURVEY_CONFIRM, survey_confirm, Access.FACILITATOR))
    registry.add_action(Action(SURVEY_DISCARD, survey_discard, Access.FACILITATOR))
    registry.add_action(Action(buttons.SURVEY_OPEN, open_survey))
    registry.add_form(FormHandler(SURVEY_FORM, submit_survey, Access.FACILITATOR))
    registry.add_form(FormHandler(ANSWER_FORM, submit_answer, Access.MEMBER))
