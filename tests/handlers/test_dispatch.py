"""Everything a person can type, click and submit, through the dispatcher, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.wiring import Runtime
from core.context import RequestContext
from core.db import unit_of_work
from core.models import Member, MembershipEvent
from core.ui import (
    DirectMessage,
    FieldValue,
    FormErrors,
    Message,
    OpenForm,
    RefreshHome,
    Reply,
    Section,
)
from handlers.dispatch import SOMETHING_WENT_WRONG, Dispatcher
from handlers.registry import Access, Command, Registry
from tests.conftest import table_counts
from tests.handlers.plain import buttons, one, said
from tests.helpers import caller, profile_values

FACILITATOR = caller("UFACIL01", facilitator=True)


def join(dispatcher: Dispatcher, user_id: str = "U0AMINA", **changes: FieldValue) -> None:
    replies = dispatcher.submit(caller(user_id), "membership.join", profile_values(**changes), "")
    one(replies, DirectMessage)


def stored(runtime: Runtime, user_id: str) -> Member | None:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalars(select(Member).where(Member.platform_user_id == user_id)).first()


def echoed(replies: list[Reply]) -> str:
    """The person's own word as echoed back (a value, so the renderer escapes it)."""
    body = one(replies, Message).blocks[0]
    assert isinstance(body, Section)
    return body.body.values["word"]


# ---- help and unknown input ------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "?", "commands"])
def test_empty_text_or_help_gives_help(dispatcher: Dispatcher, text: str) -> None:
    shown = said(dispatcher.command(caller(), text))
    assert "What you can do with Catalyst" in shown
    assert "/cop join" in shown


def test_members_do_not_see_facilitator_commands_in_help(dispatcher: Dispatcher) -> None:
    join(dispatcher)
    shown = said(dispatcher.command(caller(), "help"))
    assert "/cop profile" in shown
    assert "/cop members" not in shown
    assert "/cop role" not in shown
    assert "haven't joined" not in shown


def test_configured_facilitators_see_facilitator_commands(dispatcher: Dispatcher) -> None:
    shown = said(dispatcher.command(FACILITATOR, "help"))
    assert "/cop members" in shown
    assert "/cop role grant|revoke @someone facilitator" in shown


def test_members_granted_the_role_see_facilitator_commands(dispatcher: Dispatcher) -> None:
    join(dispatcher, "U0SAM", display_name="Sam Okafor")
    said(dispatcher.command(FACILITATOR, "role grant <@U0SAM|sam> facilitator"))
    shown = said(dispatcher.command(caller("U0SAM"), "help"))
    assert "/cop members" in shown
    assert "/cop role" in shown


def test_a_near_miss_suggests_the_command(dispatcher: Dispatcher) -> None:
    shown = said(dispatcher.command(caller(), "profil"))
    assert "I don't know `profil`" in shown
    assert "Did you mean `/cop profile`?" in shown


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("forgetme", "forget-me"),
        ("forget_me", "forget-me"),
        ("Forget-Me!", "forget-me"),
        ("leav", "leave"),
        ("leave_", "leave"),
    ],
)
def test_a_near_miss_of_a_destructive_command_only_suggests_it(
    runtime: Runtime, dispatcher: Dispatcher, typed: str, meant: str
) -> None:
    join(dispatcher)
    before = table_counts(runtime)
    replies = dispatcher.command(caller(), typed)
    shown = said(replies)
    assert f"I don't know `{typed.lower()}`" in shown
    assert f"Did you mean `/cop {meant}`?" in shown
    assert buttons(one(replies, Message)) == []  # no Erase or Leave button to press
    assert table_counts(runtime) == before


@pytest.mark.parametrize(
    ("typed", "action_id"),
    [
        ("forget-me", "privacy.forget"),
        ("FORGET-ME", "privacy.forget"),
        ("forget", "privacy.forget"),
        ("leave", "membership.leave"),
    ],
)
def test_destructive_commands_start_from_their_exact_words_and_listed_aliases(
    dispatcher: Dispatcher, typed: str, action_id: str
) -> None:
    join(dispatcher)
    question = one(dispatcher.command(caller(), typed), Message)
    assert action_id in [b.action_id for b in buttons(question)]


@pytest.mark.parametrize("typed", ["my-data", "mydata", "my_data", "My_Data", "data"])
def test_ordinary_commands_forgive_separators_and_case(dispatcher: Dispatcher, typed: str) -> None:
    join(dispatcher)
    assert "Amina Yusuf" in said(dispatcher.command(caller(), typed))


def test_a_destructive_command_cannot_list_a_spelling_of_itself_as_an_alias() -> None:
    registry = Registry()

    def run(_ctx: RequestContext, _args: str) -> Reply:
        raise AssertionError("never run")

    with pytest.raises(ValueError, match="destructive"):
        registry.add_command(
            Command("wipe-all", "Wipes", run, aliases=("wipeall",), destructive=True)
        )
    registry.add_command(Command("wipe-all", "Wipes", run, aliases=("erase",), destructive=True))
    assert registry.command_for("erase") is registry.command_for("wipe-all") is not None
    assert registry.command_for("wipeall") is None
    with pytest.raises(ValueError, match="another command"):
        registry.add_command(Command("wipe_all", "Also wipes", run))


def test_nonsense_gets_no_suggestion_but_a_pointer_to_help(dispatcher: Dispatcher) -> None:
    shown = said(dispatcher.command(caller(), "xyzzy"))
    assert "I don't know `xyzzy`" in shown
    assert "Did you mean" not in shown
    assert "/cop help" in shown


def test_members_are_not_offered_facilitator_commands_as_suggestions(
    dispatcher: Dispatcher,
) -> None:
    join(dispatcher)
    assert "/cop members" not in said(dispatcher.command(caller(), "membrs"))
    assert "Did you mean `/cop members`?" in said(dispatcher.command(FACILITATOR, "membrs"))


def test_very_long_text_is_refused_politely_and_changes_nothing(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    said(dispatcher.command(caller(), "help"))
    before = table_counts(runtime)
    shown = said(dispatcher.command(caller(), "join " + "x" * 2000))
    assert "too long" in shown
    assert "2,005 characters" in shown
    assert table_counts(runtime) == before


def test_text_of_exactly_the_limit_is_still_read(dispatcher: Dispatcher) -> None:
    shown = said(dispatcher.command(caller(), "help" + " " * 1996))
    assert "What you can do with Catalyst" in shown


@pytest.mark.parametrize(
    "text",
    [
        'payload {"type": "block_actions", "actions": []}',
        "<!channel> hello everyone",
        "<!channel>" + "x" * 200,
        "{v0} {cmd} {0}",
    ],
)
def test_odd_text_is_just_an_unknown_command(dispatcher: Dispatcher, text: str) -> None:
    replies = dispatcher.command(caller(), text)
    shown = said(replies)
    assert shown.startswith("I don't know")
    assert SOMETHING_WENT_WRONG not in shown
    word = echoed(replies)
    assert len(word) <= 30
    assert text.startswith(word.rstrip("…"))


# ---- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["profile", "leave"])
def test_strangers_are_told_to_join_first(dispatcher: Dispatcher, text: str) -> None:
    shown = said(dispatcher.command(caller(), text))
    assert "haven't joined" in shown
    assert "/cop join" in shown


def test_members_who_left_are_told_how_to_come_back(dispatcher: Dispatcher) -> None:
    join(dispatcher)
    dispatcher.action(caller(), "membership.leave", "")
    shown = said(dispatcher.command(caller(), "profile"))
    assert "You've left" in shown
    assert "/cop join" in shown


@pytest.mark.parametrize("text", ["members", "role grant <@U0SAM|sam> facilitator"])
def test_members_are_told_only_facilitators_can(dispatcher: Dispatcher, text: str) -> None:
    join(dispatcher)
    assert "Only facilitators can do that" in said(dispatcher.command(caller(), text))


def test_members_cannot_click_the_facilitators_more_button(dispatcher: Dispatcher) -> None:
    join(dispatcher)
    assert "Only facilitators" in said(dispatcher.action(caller(), "members.more", "20"))


# ---- joining ---------------------------------------------------------------------------------


def test_join_opens_the_form_with_the_agreement_field(dispatcher: Dispatcher) -> None:
    form = one(dispatcher.command(caller(), "join"), OpenForm).form
    names = [field.name for field in form.fields]
    assert form.form_id == "membership.join"
    assert "agreed" in names
    assert {"display_name", "organisation", "org_size", "languages", "timezone"} <= set(names)


def test_bad_join_form_gives_errors_by_field_and_changes_nothing(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    said(dispatcher.command(caller(), "help"))  # the community exists already
    before = table_counts(runtime)
    bad = profile_values(display_name=" ", languages=[], timezone="Mars/Base", agreed=False)
    replies = dispatcher.submit(caller(), "membership.join", bad, "")
    errors = one(replies, FormErrors).errors
    assert set(errors) == {"display_name", "languages", "timezone", "agreed"}
    assert table_counts(runtime) == before


def test_a_failed_first_request_leaves_nothing_behind(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    # BUG on SQLite (core/communities.py get_or_create): pysqlite starts no transaction for
    # the SELECT, so the SAVEPOINT is the outermost one and its RELEASE commits the new
    # community even though the request is then rolled back.
    before = table_counts(runtime)
    bad = profile_values(display_name="")
    one(dispatcher.submit(caller(), "membership.join", bad, ""), FormErrors)
    assert table_counts(runtime) == before


def test_good_join_form_creates_the_member_and_welcomes_them(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    replies = dispatcher.submit(caller(), "membership.join", profile_values(), "")
    assert [type(reply) for reply in replies] == [DirectMessage, RefreshHome]
    assert "Welcome, *Amina Yusuf*!" in said([one(replies, DirectMessage).message])
    member = stored(runtime, "U0AMINA")
    assert member is not None
    assert member.is_active
    assert member.organisation == "Refugee Action Now"
    assert member.lived_experience_match is True


def test_configured_facilitator_role_comes_from_config_not_the_database(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    one(dispatcher.submit(FACILITATOR, "membership.join", profile_values(), ""), DirectMessage)
    member = stored(runtime, "UFACIL01")
    assert member is not None
    assert not member.is_facilitator  # removing them from the setting must remove the role
    assert "Members (1)" in said(dispatcher.command(FACILITATOR, "members"))


def test_join_form_for_a_member_is_the_edit_form_without_agreement(
    dispatcher: Dispatcher,
) -> None:
    join(dispatcher)
    form = one(dispatcher.command(caller(), "join"), OpenForm).form
    assert form.form_id == "membership.edit"
    assert "agreed" not in [field.name for field in form.fields]
    initial = {field.name: field.initial for field in form.fields}
    assert initial["display_name"] == "Amina Yusuf"


def test_edit_form_updates_the_profile(runtime: Runtime, dispatcher: Dispatcher) -> None:
    join(dispatcher)
    values = profile_values(organisation="Open Doors", agreed=False)
    replies = dispatcher.submit(caller(), "membership.edit", values, "")
    assert [type(reply) for reply in replies] == [DirectMessage, RefreshHome]
    member = stored(runtime, "U0AMINA")
    assert member is not None
    assert member.organisation == "Open Doors"


# ---- profile, leave, forget, my-data -----------------------------------------------------


def test_profile_shows_their_fields_and_an_edit_button(dispatcher: Dispatcher) -> None:
    join(dispatcher)
    message = one(dispatcher.command(caller(), "profile"), Message)
    shown = said([message])
    for expected in ("Amina Yusuf", "she/her", "Refugee Action Now", "£100k–£1m", "Manager"):
        assert expected in shown
    assert "English, Arabic" in shown
    assert [b.action_id for b in buttons(message)] == ["membership.edit"]


def test_leave_then_confirm_sets_status_left(runtime: Runtime, dispatcher: Dispatcher) -> None:
    join(dispatcher)
    question = one(dispatcher.command(caller(), "leave"), Message)
    assert "membership.leave" in [b.action_id for b in buttons(question)]
    replies = dispatcher.action(caller(), "membership.leave", "")
    assert "You've left the community" in said([one(replies, Message)])
    one(replies, RefreshHome)
    member = stored(runtime, "U0AMINA")
    assert member is not None
    assert member.status == "left"


def test_forget_me_then_confirm_erases_them(runtime: Runtime, dispatcher: Dispatcher) -> None:
    join(dispatcher)
    question = one(dispatcher.command(caller(), "forget-me"), Message)
    assert "privacy.forget" in [b.action_id for b in buttons(question)]
    replies = dispatcher.action(caller(), "privacy.forget", "")
    assert "erased" in said([one(replies, Message)])
    assert stored(runtime, "U0AMINA") is None
    with unit_of_work(runtime.session_factory) as session:
        kinds = session.scalars(select(MembershipEvent.kind).order_by(MembershipEvent.id)).all()
    assert kinds == ["joined", "forgotten"]
    assert "holds nothing about you" in said(dispatcher.command(caller(), "my-data"))


def test_my_data_shows_their_own_data_and_nobody_elses(dispatcher: Dispatcher) -> None:
    join(dispatcher)
    join(dispatcher, "U0SAM", display_name="Sam Okafor", organisation="Open Doors Trust")
    shown = said(dispatcher.command(caller(), "my-data"))
    assert "Refugee Action Now" in shown
    assert "Amina Yusuf" in shown
    assert "U0AMINA" in shown
    for other in ("Sam Okafor", "Open Doors Trust", "U0SAM"):
        assert other not in shown


def test_strangers_are_told_nothing_is_held(dispatcher: Dispatcher) -> None:
    assert "holds nothing about you" in said(dispatcher.command(caller(), "my-data"))


# ---- roles and the member list -------------------------------------------------------------


@pytest.mark.parametrize("mention", ["<@U0SAM|sam>", "<@U0SAM>", "<@U0SAM|Sam Okafor>"])
def test_facilitators_grant_and_revoke_the_role_by_mention(
    runtime: Runtime, dispatcher: Dispatcher, mention: str
) -> None:
    join(dispatcher, "U0SAM", display_name="Sam Okafor")
    granted = said(dispatcher.command(FACILITATOR, f"role grant {mention} facilitator"))
    assert "*Sam Okafor* is now a facilitator." in granted
    member = stored(runtime, "U0SAM")
    assert member is not None
    assert member.is_facilitator
    revoked = said(dispatcher.command(FACILITATOR, f"role revoke {mention} facilitator"))
    assert "no longer a facilitator" in revoked
    member = stored(runtime, "U0SAM")
    assert member is not None
    assert not member.is_facilitator


def test_role_for_someone_who_has_not_joined_is_refused(dispatcher: Dispatcher) -> None:
    shown = said(dispatcher.command(FACILITATOR, "role grant <@U0NOBODY> facilitator"))
    assert "haven't joined" in shown


def test_configured_facilitator_cannot_be_revoked_through_chat(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    one(dispatcher.submit(FACILITATOR, "membership.join", profile_values(), ""), DirectMessage)
    join(dispatcher, "U0SAM")
    said(dispatcher.command(FACILITATOR, "role grant <@U0SAM> facilitator"))
    shown = said(dispatcher.command(caller("U0SAM"), "role revoke <@UFACIL01> facilitator"))
    assert "CATALYST_FACILITATORS" in shown
    assert "Members (2)" in said(dispatcher.command(FACILITATOR, "members"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("role", "Use `/cop role grant"),
        ("role promote <@U0SAM> facilitator", "Use `/cop role grant"),
        ("role grant facilitator", "exactly one person"),
        ("role grant <@U0SAM> <@U0BEA> facilitator", "exactly one person"),
        ("role grant <@U0SAM> admin", "I only know the facilitator role"),
    ],
)
def test_malformed_role_commands_explain_the_usage(
    dispatcher: Dispatcher, text: str, expected: str
) -> None:
    assert expected in said(dispatcher.command(FACILITATOR, text))


def test_members_lists_names_with_organisation_and_size_20_at_a_time(
    dispatcher: Dispatcher,
) -> None:
    for i in range(23):
        join(dispatcher, f"U{i:04d}", display_name=f"Person {i:02d}", organisation=f"Org {i:02d}")
    first = one(dispatcher.command(FACILITATOR, "members"), Message)
    shown = said([first])
    assert "Members (23)" in shown
    assert "*Person 00* (she/her) · Org 00 · £100k–£1m" in shown
    assert "Person 19" in shown
    assert "Person 20" not in shown
    assert "Showing 1–20 of 23." in shown
    more = buttons(first)
    assert [(b.action_id, b.value) for b in more] == [("members.more", "20")]

    rest = one(dispatcher.action(FACILITATOR, "members.more", more[0].value), Message)
    shown = said([rest])
    assert "Person 20" in shown
    assert "Person 22" in shown
    assert "Person 19" not in shown
    assert "Showing 21–23 of 23." in shown
    assert buttons(rest) == []
    assert rest.replace_original


def test_members_with_nobody_joined_says_how_to_invite(dispatcher: Dispatcher) -> None:
    assert "Nobody has joined yet" in said(dispatcher.command(FACILITATOR, "members"))


# ---- the unexpected ------------------------------------------------------------------------


def test_unknown_action_gives_a_plain_sentence(dispatcher: Dispatcher) -> None:
    shown = said(dispatcher.action(caller(), "no.such.button", "1"))
    assert "That button no longer works" in shown


def test_unknown_form_gives_a_plain_sentence(dispatcher: Dispatcher) -> None:
    shown = said(dispatcher.submit(caller(), "no.such.form", profile_values(), ""))
    assert "That form has expired" in shown


def test_an_unexpected_error_gives_the_generic_sentence_and_rolls_back(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    def explode(ctx: RequestContext, _args: str) -> Reply:
        ctx.session.add(
            MembershipEvent(community_id=ctx.community.id, kind="joined", occurred_at=ctx.now())
        )
        ctx.session.flush()
        raise RuntimeError("Traceback (most recent call last): secret detail in explode()")

    runtime.registry.add_command(Command("explode", "Fails", explode, Access.ANYONE))
    join(dispatcher)
    before = table_counts(runtime)
    shown = said(dispatcher.command(caller(), "explode now"))
    assert shown.strip() == f"{SOMETHING_WENT_WRONG}\n{SOMETHING_WENT_WRONG}"
    for leak in ("Traceback", "RuntimeError", "secret detail", "explode", 'File "'):
        assert leak not in shown
    assert table_counts(runtime) == before


def test_words_after_a_command_that_takes_none_are_pointed_out(dispatcher: Dispatcher) -> None:
    join(dispatcher)
    shown = said(dispatcher.command(caller(), "leave now please"))
    assert "`/cop leave` doesn't take anything after it" in shown
    assert "now please" in shown  # says what was extra
    assert "Leave the community?" not in shown
