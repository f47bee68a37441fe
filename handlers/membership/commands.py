"""Joining, the profile, leaving, and what Catalyst holds about you."""

from __future__ import annotations

import json

from core import capabilities, i18n, privacy, privacy_letter
from core.context import RequestContext
from core.i18n import N_, NP_, _, t
from core.labels import (
    CADENCE_LABELS,
    LANGUAGE_LABELS,
    ORG_SIZE_LABELS,
    ROLE_LEVEL_LABELS,
    language_names,
    shown,
)
from core.membership import service as membership
from core.models import Member
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
    SendFile,
    Text,
    notice,
    text,
)
from handlers.guide import DISMISS
from handlers.membership.form import (
    EDIT_FORM,
    JOIN_FORM,
    draft_from,
    profile_form,
    record_newsletter_choice,
    record_set_interest,
)
from handlers.mentions import shorten
from handlers.registry import Access, Action, Command, FormHandler, HomePlace, Registry

EDIT_PROFILE = "membership.edit"  # untranslated: an action id
OPEN_JOIN = "membership.open_join"  # untranslated: an action id
CONFIRM_LEAVE = "membership.leave"  # untranslated: an action id
CONFIRM_FORGET = "privacy.forget"  # untranslated: an action id
EXPORT_JSON = "privacy.export_json"  # untranslated: an action id


def profile_fields(member: Member) -> Fields:
    return Fields(
        [
            (_("Name"), member.display_name),
            (_("Pronouns"), member.pronouns or "—"),
            (_("Organisation"), member.organisation),
            (_("Size"), shown(ORG_SIZE_LABELS, member.org_size)),
            (_("Role"), shown(ROLE_LEVEL_LABELS, member.role_level)),
            (_("Languages"), language_names(list(member.languages))),
            # Translators: the language Catalyst writes to the member in.
            (_("Catalyst writes in"), i18n.name_of(member.speaks)),
            (_("Timezone"), member.timezone),
            (
                _("Peer coaching"),
                shown(CADENCE_LABELS, member.pairing_cadence)
                if member.pairing_cadence in CADENCE_LABELS
                else "—",
            ),
            # Default themes in the reader's language; a custom one as its author wrote it.
            (_("Themes"), ", ".join(_(theme) for theme in member.themes) or "—"),
        ]
    )


# ---- join -----------------------------------------------------------------------------------


def join_command(ctx: RequestContext, _args: str) -> Reply:
    # Someone who left comes back to their own answers (the form asks for consent again).
    return OpenForm(profile_form(ctx, ctx.member))


def open_join(ctx: RequestContext, _value: str) -> Reply:
    return join_command(ctx, "")


def submit_join(ctx: RequestContext, values: FormValues, _state: str) -> Replies:
    profile = membership.check_profile(draft_from(values), ctx.community, joining=True)
    # A role that comes from configuration (CATALYST_FACILITATORS, the console toggle) is
    # worked out on each request, never stored: removing it there must remove it here.
    member, changed = membership.join(
        ctx.session, ctx.community, ctx.caller.user_id, profile, ctx.now()
    )
    record_set_interest(ctx, member, values)
    record_newsletter_choice(ctx, member, values)
    # In the language they just chose.
    with i18n.speaking(member.speaks):
        return [DirectMessage(welcome(ctx, member, first_time=changed)), RefreshHome()]


def welcome(ctx: RequestContext, member: Member, *, first_time: bool) -> Message:
    greeting = (
        text("Welcome, *{name}*!", name=member.display_name)
        if first_time
        else text("Your profile is saved, *{name}*.", name=member.display_name)
    )
    return Message(
        summary=greeting.plain(),
        blocks=(
            Section(greeting),
            Section(
                text(
                    "You're in. Between sessions I'll remind you what's coming up and, if you "
                    "asked for it, pair you with a peer for a GROW coaching conversation. "
                    "Type `{command} profile` to see or change what you told us, or "
                    "`{command} help` for everything else.",
                    command=ctx.command,
                )
            ),
        ),
    )


# ---- profile ----------------------------------------------------------------------------------


def profile_command(ctx: RequestContext, _args: str) -> Reply:
    member = ctx.require_member()
    return Message(
        summary=t(
            "Your profile: {name}, {organisation}",
            name=member.display_name,
            organisation=member.organisation,
        ),
        blocks=(
            Header(_("Your profile")),
            profile_fields(member),
            Context(
                [
                    text("Your private matching preference is on. Only you can see this.")
                    if member.lived_experience_match
                    else text("Your private matching preference is off. Only you can see this.")
                ]
            ),
            Actions([Button(_("Edit profile"), EDIT_PROFILE, style="primary")]),
        ),
    )


def edit_profile(ctx: RequestContext, _value: str) -> Reply:
    return OpenForm(profile_form(ctx, ctx.active_member))


def submit_edit(ctx: RequestContext, values: FormValues, _state: str) -> Replies:
    member = ctx.active_member
    if member is None:
        return [
            notice(
                "You've left the community. Type `{command} join` to come back.",
                command=ctx.command,
            )
        ]
    profile = membership.check_profile(draft_from(values), ctx.community, joining=False)
    membership.update_profile(ctx.session, member, profile, ctx.now())
    record_set_interest(ctx, member, values)
    record_newsletter_choice(ctx, member, values)
    with i18n.speaking(member.speaks):
        return [DirectMessage(welcome(ctx, member, first_time=False)), RefreshHome()]


# ---- language -----------------------------------------------------------------------------------


def _language_for(typed: str) -> str | None:
    """The language someone typed: a code (`fr`, `fr-FR`) or a name in its own language or
    the reader's ("Français", "French")."""
    found = i18n.normalise(typed)
    if found is not None:
        return found
    wanted = typed.strip().casefold()
    for code in i18n.available():
        names = {i18n.name_of(code), LANGUAGE_LABELS.get(code, code)}
        names.add(shown(LANGUAGE_LABELS, code))
        if wanted in {name.casefold() for name in names}:
            return code
    return None


def _how_to_switch(ctx: RequestContext, current: str) -> Text:
    example = next((code for code in i18n.available() if code != current), current)
    return text(
        "Catalyst speaks {languages}. To switch, type `{command} language` and a code, "
        "e.g. `{command} language {example}`.",
        languages=membership.available_languages(),
        command=ctx.command,
        example=example,
    )


def language_command(ctx: RequestContext, args: str) -> Reply | Replies:
    member = ctx.require_member()
    wanted = args.strip()
    if not wanted:
        said_now = text(
            "Catalyst writes to you in *{language}*.", language=i18n.name_of(member.speaks)
        )
        return Message(
            summary=said_now.plain(),
            blocks=(Section(said_now), Section(_how_to_switch(ctx, member.speaks))),
        )
    code = _language_for(wanted)
    if code is None:
        sorry = text("Catalyst doesn't speak `{typed}` yet.", typed=shorten(wanted, 20))
        return Message(
            summary=sorry.plain(),
            blocks=(Section(sorry), Section(_how_to_switch(ctx, member.speaks))),
        )
    membership.set_language(ctx.session, member, code, ctx.now())
    with i18n.speaking(code):
        return [
            notice(
                "Done: Catalyst will write to you in *{language}* from now on.",
                language=i18n.name_of(code),
            ),
            RefreshHome(),
        ]


# ---- leave --------------------------------------------------------------------------------------


def leave_command(ctx: RequestContext, _args: str) -> Reply:
    return Message(
        summary=_("Leave the community?"),
        blocks=(
            Section(
                text(
                    "*Leave the community?* This stops peer-coaching pairings and reminders. "
                    "Your profile stays, so you can come back any time with "
                    "`{command} join`. To erase everything instead, use `{command} forget-me`.",
                    command=ctx.command,
                )
            ),
            Actions(
                [
                    Button(_("Leave"), CONFIRM_LEAVE, style="danger"),
                    Button(_("Stay"), DISMISS),
                ]
            ),
        ),
    )


def confirm_leave(ctx: RequestContext, _value: str) -> Replies:
    member = ctx.require_member()
    capabilities.leave(ctx.session, member, ctx.now())
    return [
        Message(
            summary=_("You've left the community."),
            blocks=(
                Section(
                    text(
                        "You've left the community: no more pairings or reminders. We'll miss "
                        "you. Type `{command} join` whenever you'd like to come back.",
                        command=ctx.command,
                    )
                ),
            ),
            replace_original=True,
        ),
        RefreshHome(),
    ]


# ---- my data and forget me ----------------------------------------------------------------


def my_data_command(ctx: RequestContext, _args: str) -> Reply | Replies:
    member = ctx.member
    if member is None:
        return notice(
            "Catalyst holds nothing about you: you haven't joined. (Type `{command} join` to "
            "join.)",
            command=ctx.command,
        )
    data = privacy.personal_data(ctx.session, member)
    blocks: list[Block] = privacy_letter.letter(data, member.timezone, ctx.command)
    blocks.append(
        Section(
            text(
                "Catalyst writes to you in *{language}*. To change it, type `{command} language`.",
                language=i18n.name_of(member.speaks),
                command=ctx.command,
            )
        )
    )
    blocks.append(
        Context(
            [
                text(
                    "Facilitators see your name, pronouns, organisation and its size, and your "
                    "answers to sessions with any note you sent. To erase all of this, type "
                    "`{command} forget-me`.",
                    command=ctx.command,
                )
            ]
        )
    )
    blocks.append(Actions([Button(_("Send me this as a JSON file"), EXPORT_JSON)]))
    return Message(summary=_("What Catalyst holds about you"), blocks=blocks)


def _my_data_file(as_json: str, comment: str) -> Reply:
    return SendFile(
        # untranslated: a file name
        filename="catalyst-my-data.json",
        content=as_json,
        title=_("Your data"),
        comment=comment,
    )


def export_json(ctx: RequestContext, _value: str) -> Replies:
    member = ctx.member
    if member is None:
        return [notice("Catalyst holds nothing about you.")]
    data = privacy.personal_data(ctx.session, member)
    return [
        _my_data_file(
            json.dumps(data, indent=2, ensure_ascii=False),
            _("Everything Catalyst holds about you."),
        ),
        notice("I've sent you a JSON file with everything Catalyst holds about you."),
    ]


def forget_command(ctx: RequestContext, _args: str) -> Reply:
    if ctx.member is None:
        return notice("Catalyst holds nothing about you, so there is nothing to erase.")
    return Message(
        summary=_("Erase everything Catalyst holds about you?"),
        blocks=(
            Section(
                text(
                    "*Erase everything Catalyst holds about you?* Your profile, your answers "
                    "and what you wrote through Catalyst will be deleted for good, and you'll "
                    "leave the community. Facilitators keep only anonymous counts. This can't "
                    "be undone; you can always join again as a new member."
                )
            ),
            Actions(
                [
                    Button(
                        _("Erase my data"),
                        CONFIRM_FORGET,
                        style="danger",
                        confirm=Confirm(
                            title=_("Erase your data?"),
                            body=_("This deletes everything Catalyst holds about you."),
                            confirm_label=_("Erase"),
                            deny_label=_("Keep it"),
                        ),
                    ),
                    Button(_("Keep my data"), DISMISS),
                ]
            ),
        ),
    )


def confirm_forget(ctx: RequestContext, _value: str) -> Replies:
    if ctx.member is None:
        return [notice("There's nothing left to erase: Catalyst holds nothing about you.")]
    privacy.forget(ctx.session, ctx.member, ctx.now())
    return [
        Message(
            summary=_("Your data has been erased."),
            blocks=(
                Section(
                    text(
                        "Done: everything Catalyst held about you has been erased. Thank you "
                        "for being part of the community. You're welcome back any time with "
                        "`{command} join`.",
                        command=ctx.command,
                    )
                ),
            ),
            replace_original=True,
        ),
        RefreshHome(),
    ]


def register(registry: Registry) -> None:
    registry.add_home_section(HomePlace.VISITOR, 10, welcome_home_blocks)
    registry.add_home_section(HomePlace.MEMBER, 40, profile_home_blocks)
    registry.add_command(
        Command(
            name=NP_("command word", "join"),
            summary=N_("Join the community (or update your details)"),
            run=join_command,
            access=Access.ANYONE,
            takes_args=False,
        )
    )
    registry.add_command(
        Command(
            name=NP_("command word", "profile"),
            summary=N_("See and edit your profile"),
            run=profile_command,
            takes_args=False,
        )
    )
    registry.add_command(
        Command(
            name=NP_("command word", "language"),
            summary=N_("See or change the language Catalyst writes to you in"),
            run=language_command,
            # Translators: what can follow the command; `fr` is a language code, kept as is.
            usage=N_("[code, e.g. fr]"),
            aliases=("lang",),
        )
    )
    registry.add_command(
        Command(
            name=NP_("command word", "leave"),
            summary=N_("Pause everything: pairings and reminders"),
            run=leave_command,
            takes_args=False,
            destructive=True,
        )
    )
    registry.add_command(
        Command(
            name=NP_("command word", "my-data"),
            summary=N_("See everything Catalyst holds about you"),
            run=my_data_command,
            access=Access.ANYONE,
            aliases=("data",),  # `mydata` and `my_data` read as `my-data` already
            takes_args=False,
        )
    )
    registry.add_command(
        Command(
            name=NP_("command word", "forget-me"),
            summary=N_("Erase everything Catalyst holds about you"),
            run=forget_command,
            access=Access.ANYONE,
            aliases=("forget",),
            takes_args=False,
            destructive=True,
        )
    )
    registry.add_action(Action(OPEN_JOIN, open_join, Access.ANYONE))
    registry.add_action(Action(EDIT_PROFILE, edit_profile))
    registry.add_action(Action(CONFIRM_LEAVE, confirm_leave))
    registry.add_action(Action(CONFIRM_FORGET, confirm_forget, Access.ANYONE))
    registry.add_action(Action(EXPORT_JSON, export_json, Access.ANYONE))
    registry.add_form(FormHandler(JOIN_FORM, submit_join))
    registry.add_form(FormHandler(EDIT_FORM, submit_edit))


# ---- the home page ------------------------------------------------------------------------------


def welcome_home_blocks(ctx: RequestContext) -> list[Block]:
    """For someone who hasn't joined (or has left): what Catalyst is, and the way in."""
    return [
        Header(_("Welcome to Catalyst")),
        Section(
            text(
                "Catalyst keeps our Community of Practice connected between sessions: "
                "reminders of what's coming up, peer-coaching partners for GROW "
                "conversations, and a shared library."
            )
        ),
        Section(
            text(
                "It takes two minutes to join, and missing a session never means missing "
                "out: we'll catch you up."
            )
            if ctx.member is None
            else text("You've left for now. Everything is paused; come back whenever suits.")
        ),
        Actions(
            [
                Button(
                    _("Join") if ctx.member is None else _("Come back"),
                    OPEN_JOIN,
                    style="primary",
                )
            ]
        ),
    ]


def profile_home_blocks(ctx: RequestContext) -> list[Block]:
    member = ctx.require_member()
    return [
        Section(text("*Your profile*")),
        profile_fields(member),
        Actions(
            [Button(_("Edit profile"), EDIT_PROFILE), Button(_("Download my data"), EXPORT_JSON)]
        ),
    ]
