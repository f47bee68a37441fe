"""Joining, the profile, leaving, and what Catalyst holds about you."""

from __future__ import annotations

import json

from core import capabilities, privacy, privacy_letter
from core.context import RequestContext
from core.labels import CADENCE_LABELS, ORG_SIZE_LABELS, ROLE_LEVEL_LABELS, language_names
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
    notice,
    text,
)
from handlers.guide import DISMISS
from handlers.membership.form import EDIT_FORM, JOIN_FORM, draft_from, profile_form
from handlers.registry import Access, Action, Command, FormHandler, HomePlace, Registry

EDIT_PROFILE = "membership.edit"
OPEN_JOIN = "membership.open_join"
CONFIRM_LEAVE = "membership.leave"
CONFIRM_FORGET = "privacy.forget"
EXPORT_JSON = "privacy.export_json"


def profile_fields(member: Member) -> Fields:
    return Fields(
        [
            ("Name", member.display_name),
            ("Pronouns", member.pronouns or "—"),
            ("Organisation", member.organisation),
            ("Size", ORG_SIZE_LABELS.get(member.org_size, member.org_size)),
            ("Role", ROLE_LEVEL_LABELS.get(member.role_level, member.role_level)),
            ("Languages", language_names(list(member.languages))),
            ("Timezone", member.timezone),
            ("Peer coaching", CADENCE_LABELS.get(member.pairing_cadence, "—")),
            ("Themes", ", ".join(member.themes) or "—"),
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
    return [DirectMessage(welcome(ctx, member, first_time=changed)), RefreshHome()]


def welcome(ctx: RequestContext, member: Member, *, first_time: bool) -> Message:
    greeting = "Welcome, *{name}*!" if first_time else "Your profile is saved, *{name}*."
    return Message(
        summary=text(greeting, name=member.display_name).plain(),
        blocks=(
            Section(text(greeting, name=member.display_name)),
            Section(
                text(
                    "You're in. Between sessions I'll remind you what's coming up and, if you "
                    "asked for it, pair you with a peer for a GROW coaching conversation. "
                    "Type `{cmd} profile` to see or change what you told us, or `{cmd} help` "
                    "for everything else.",
                    cmd=ctx.command,
                )
            ),
        ),
    )


# ---- profile ----------------------------------------------------------------------------------


def profile_command(ctx: RequestContext, _args: str) -> Reply:
    member = ctx.require_member()
    return Message(
        summary=f"Your profile: {member.display_name}, {member.organisation}",
        blocks=(
            Header("Your profile"),
            profile_fields(member),
            Context(
                [
                    text(
                        "Your private matching preference is {pref}. Only you can see this.",
                        pref="on" if member.lived_experience_match else "off",
                    )
                ]
            ),
            Actions([Button("Edit profile", EDIT_PROFILE, style="primary")]),
        ),
    )


def edit_profile(ctx: RequestContext, _value: str) -> Reply:
    return OpenForm(profile_form(ctx, ctx.active_member))


def submit_edit(ctx: RequestContext, values: FormValues, _state: str) -> Replies:
    member = ctx.active_member
    if member is None:
        return [notice("You've left the community. Type `{v0} join` to come back.", ctx.command)]
    profile = membership.check_profile(draft_from(values), ctx.community, joining=False)
    membership.update_profile(ctx.session, member, profile, ctx.now())
    return [DirectMessage(welcome(ctx, member, first_time=False)), RefreshHome()]


# ---- leave --------------------------------------------------------------------------------------


def leave_command(ctx: RequestContext, _args: str) -> Reply:
    return Message(
        summary="Leave the community?",
        blocks=(
            Section(
                text(
                    "*Leave the community?* This stops peer-coaching pairings and reminders. "
                    "Your profile stays, so you can come back any time with "
                    "`{cmd} join`. To erase everything instead, use `{cmd} forget-me`.",
                    cmd=ctx.command,
                )
            ),
            Actions(
                [
                    Button("Leave", CONFIRM_LEAVE, style="danger"),
                    Button("Stay", DISMISS),
                ]
            ),
        ),
    )


def confirm_leave(ctx: RequestContext, _value: str) -> Replies:
    member = ctx.require_member()
    capabilities.leave(ctx.session, member, ctx.now())
    return [
        Message(
            summary="You've left the community.",
            blocks=(
                Section(
                    text(
                        "You've left the community: no more pairings or reminders. We'll miss "
                        "you. Type `{cmd} join` whenever you'd like to come back.",
                        cmd=ctx.command,
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
            "Catalyst holds nothing about you: you haven't joined. (Type `{v0} join` to join.)",
            ctx.command,
        )
    data = privacy.personal_data(ctx.session, member)
    blocks: list[Block] = privacy_letter.letter(data, member.timezone, ctx.command)
    blocks.append(
        Context(
            [
                text(
                    "Facilitators see your name, pronouns, organisation and its size, and your "
                    "answers to sessions with any note you sent. To erase all of this, type "
                    "`{cmd} forget-me`.",
                    cmd=ctx.command,
                )
            ]
        )
    )
    blocks.append(Actions([Button("Send me this as a JSON file", EXPORT_JSON)]))
    return Message(summary="What Catalyst holds about you", blocks=blocks)


def _my_data_file(as_json: str, comment: str) -> Reply:
    return SendFile(
        filename="catalyst-my-data.json", content=as_json, title="Your data", comment=comment
    )


def export_json(ctx: RequestContext, _value: str) -> Replies:
    member = ctx.member
    if member is None:
        return [notice("Catalyst holds nothing about you.")]
    data = privacy.personal_data(ctx.session, member)
    return [
        _my_data_file(
            json.dumps(data, indent=2, ensure_ascii=False), "Everything Catalyst holds about you."
        ),
        notice("I've sent you a JSON file with everything Catalyst holds about you."),
    ]


def forget_command(ctx: RequestContext, _args: str) -> Reply:
    if ctx.member is None:
        return notice("Catalyst holds nothing about you, so there is nothing to erase.")
    return Message(
        summary="Erase everything Catalyst holds about you?",
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
                        "Erase my data",
                        CONFIRM_FORGET,
                        style="danger",
                        confirm=Confirm(
                            title="Erase your data?",
                            body="This deletes everything Catalyst holds about you.",
                            confirm_label="Erase",
                            deny_label="Keep it",
                        ),
                    ),
                    Button("Keep my data", DISMISS),
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
            summary="Your data has been erased.",
            blocks=(
                Section(
                    text(
                        "Done: everything Catalyst held about you has been erased. Thank you "
                        "for being part of the community. You're welcome back any time with "
                        "`{cmd} join`.",
                        cmd=ctx.command,
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
            "join",
            "Join the community (or update your details)",
            join_command,
            Access.ANYONE,
            takes_args=False,
        )
    )
    registry.add_command(
        Command("profile", "See and edit your profile", profile_command, takes_args=False)
    )
    registry.add_command(
        Command(
            "leave",
            "Pause everything: pairings and reminders",
            leave_command,
            takes_args=False,
            destructive=True,
        )
    )
    registry.add_command(
        Command(
            "my-data",
            "See everything Catalyst holds about you",
            my_data_command,
            Access.ANYONE,
            aliases=("data",),  # `mydata` and `my_data` read as `my-data` already
            takes_args=False,
        )
    )
    registry.add_command(
        Command(
            "forget-me",
            "Erase everything Catalyst holds about you",
            forget_command,
            Access.ANYONE,
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
        Header("Welcome to Catalyst"),
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
                if ctx.member is None
                else "You've left for now. Everything is paused; come back whenever suits."
            )
        ),
        Actions(
            [Button("Join" if ctx.member is None else "Come back", OPEN_JOIN, style="primary")]
        ),
    ]


def profile_home_blocks(ctx: RequestContext) -> list[Block]:
    member = ctx.require_member()
    return [
        Section(text("*Your profile*")),
        profile_fields(member),
        Actions([Button("Edit profile", EDIT_PROFILE), Button("Download my data", EXPORT_JSON)]),
    ]
