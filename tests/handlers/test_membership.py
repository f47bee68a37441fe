"""Membership through the dispatcher: join, the profile and its edit form, leave, my-data
and forget-me (handlers/membership.py), and facilitators' `members` and `role`
(handlers/members.py). Bad inputs get a plain sentence and change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from sqlalchemy import select

from bot.wiring import Runtime
from core import i18n
from core.context import Caller
from core.db import unit_of_work
from core.models import Member
from core.ui import (
    DirectMessage,
    FieldKind,
    FieldValue,
    FormErrors,
    Message,
    OpenForm,
    RefreshHome,
    SendFile,
)
from handlers.dispatch import Dispatcher
from handlers.guide import DISMISS
from handlers.membership import commands as membership_handlers
from handlers.membership import members as members_handlers
from tests.conftest import table_counts
from tests.handlers.plain import buttons, message_text, one, said
from tests.helpers import caller, profile_values

FACILITATOR = caller("UFACIL01", facilitator=True)
AMINA = caller("U0AMINA")
SAM = caller("U0SAM")
STRANGER = caller("U0NEVERJOINED")
JOIN_FORM = "membership.join"
EDIT_FORM = "membership.edit"


def join(dispatcher: Dispatcher, who: Caller, **changes: FieldValue) -> str:
    values = profile_values(display_name=f"Member {who.user_id}")
    values.update(changes)
    replies = dispatcher.submit(who, JOIN_FORM, values, "")
    one(replies, RefreshHome)
    return message_text(one(replies, DirectMessage).message)


def members(runtime: Runtime) -> dict[str, tuple[str, str, str]]:
    """user id: (display name, status, role) of every stored member."""
    with unit_of_work(runtime.session_factory) as session:
        return {
            m.platform_user_id: (m.display_name, m.status, m.role)
            for m in session.scalars(select(Member))
        }


def unchanged(runtime: Runtime, act: Callable[[], str]) -> str:
    before = table_counts(runtime)
    shown = act()
    assert table_counts(runtime) == before
    return shown


# ---- join and the profile -----------------------------------------------------------------------


def test_join_opens_the_form_for_anyone(dispatcher: Dispatcher) -> None:
    form = one(dispatcher.command(STRANGER, "join"), OpenForm).form
    assert form.form_id == JOIN_FORM
    names = [f.name for f in form.fields]
    assert {"display_name", "organisation", "timezone", "pairing_cadence", "agreed"} <= set(names)
    again = one(dispatcher.action(STRANGER, membership_handlers.OPEN_JOIN, ""), OpenForm).form
    assert again.form_id == JOIN_FORM


def test_join_with_words_after_it_says_so_and_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    dispatcher.command(STRANGER, "help")
    shown = unchanged(runtime, lambda: said(dispatcher.command(STRANGER, "join now please")))
    assert "`/cop join` doesn't take anything after it (you wrote `now please`)." in shown


def test_joining_welcomes_and_joining_again_saves_the_profile(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    assert "Welcome, *Member U0AMINA*!" in join(dispatcher, AMINA)
    assert members(runtime) == {"U0AMINA": ("Member U0AMINA", "active", "member")}
    assert "Your profile is saved, *Amina Y.*." in join(dispatcher, AMINA, display_name="Amina Y.")
    assert members(runtime) == {"U0AMINA": ("Amina Y.", "active", "member")}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"display_name": "   "}, {"display_name"}),
        ({"timezone": "Mars/Olympus_Mons"}, {"timezone"}),
        ({"agreed": False}, {"agreed"}),
        ({"languages": []}, {"languages"}),
        ({"themes": ["Knitting"]}, {"themes"}),
        ({"org_size": "huge", "role_level": None}, {"org_size", "role_level"}),
        ({"pairing_cadence": "hourly"}, {"pairing_cadence"}),
    ],
)
def test_a_bad_join_form_stays_open_with_field_errors_and_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime, changes: dict[str, FieldValue], fields: set[str]
) -> None:
    dispatcher.command(STRANGER, "help")
    before = table_counts(runtime)
    values = profile_values(**changes)
    assert set(one(dispatcher.submit(STRANGER, JOIN_FORM, values, ""), FormErrors).errors) == fields
    assert table_counts(runtime) == before


def test_the_profile_shows_what_you_told_us_with_an_edit_button(dispatcher: Dispatcher) -> None:
    assert "You haven't joined yet. Type `/cop join` to join." in said(
        dispatcher.command(STRANGER, "profile")
    )
    join(dispatcher, AMINA, pairing_cadence="fortnightly", lived_experience_match=False)
    shown = one(dispatcher.command(AMINA, "profile"), Message)
    text = message_text(shown)
    assert "Your profile: Member U0AMINA, Refugee Action Now" in text
    assert "Organisation: Refugee Action Now" in text
    assert "Peer coaching: Every two weeks" in text
    assert "Themes: Anti-racism, Lived experience leadership" in text
    assert "Your private matching preference is off. Only you can see this." in text
    assert [b.action_id for b in buttons(shown)] == [membership_handlers.EDIT_PROFILE]


def test_editing_the_profile(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    form = one(dispatcher.action(AMINA, membership_handlers.EDIT_PROFILE, ""), OpenForm).form
    assert form.form_id == EDIT_FORM
    assert {f.name: f.initial for f in form.fields}["display_name"] == "Member U0AMINA"

    values = profile_values(display_name="Amina", organisation="Welcome Hub", agreed=False)
    replies = dispatcher.submit(AMINA, EDIT_FORM, values, "")
    assert "Your profile is saved, *Amina*." in message_text(one(replies, DirectMessage).message)
    assert members(runtime)["U0AMINA"][0] == "Amina"

    before = table_counts(runtime)
    bad = dispatcher.submit(AMINA, EDIT_FORM, profile_values(display_name=""), "")
    assert set(one(bad, FormErrors).errors) == {"display_name"}
    assert table_counts(runtime) == before


def test_the_edit_form_from_someone_who_left_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    dispatcher.action(AMINA, membership_handlers.CONFIRM_LEAVE, "")
    shown = unchanged(
        runtime,
        lambda: said(dispatcher.submit(AMINA, EDIT_FORM, profile_values(display_name="X"), "")),
    )
    assert "You've left the community. Type `/cop join` to come back." in shown
    assert members(runtime)["U0AMINA"][0] == "Member U0AMINA"


# ---- leave ------------------------------------------------------------------------------------


def test_leave_asks_first_and_stay_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    ask = one(dispatcher.command(AMINA, "leave"), Message)
    assert "*Leave the community?*" in message_text(ask)
    assert [b.action_id for b in buttons(ask)] == [
        membership_handlers.CONFIRM_LEAVE,
        DISMISS,
    ]
    assert members(runtime)["U0AMINA"][1] == "active"
    stayed = unchanged(runtime, lambda: said(dispatcher.action(AMINA, DISMISS, "")))
    assert "Okay, nothing changed." in stayed


def test_leaving_and_coming_back(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    replies = dispatcher.action(AMINA, membership_handlers.CONFIRM_LEAVE, "")
    one(replies, RefreshHome)
    left = one(replies, Message)
    assert left.replace_original
    assert "You've left the community: no more pairings or reminders." in message_text(left)
    assert members(runtime)["U0AMINA"][1] == "left"

    for act in (
        lambda: said(dispatcher.action(AMINA, membership_handlers.CONFIRM_LEAVE, "")),
        lambda: said(dispatcher.command(AMINA, "profile")),
    ):
        shown = unchanged(runtime, act)
        assert "You've left the community, so that's paused. Type `/cop join` to come back." in (
            shown
        )

    form = one(dispatcher.command(AMINA, "join"), OpenForm).form
    assert {f.name: f.initial for f in form.fields}["display_name"] == "Member U0AMINA"
    join(dispatcher, AMINA)
    assert members(runtime)["U0AMINA"][1] == "active"


def test_a_near_spelling_of_leave_never_starts_leaving(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    shown = unchanged(runtime, lambda: said(dispatcher.command(AMINA, "leav")))
    assert "I don't know `leav`." in shown
    assert membership_handlers.CONFIRM_LEAVE not in shown


# ---- my data and forget me ---------------------------------------------------------------------


def test_my_data_for_someone_who_never_joined(dispatcher: Dispatcher, runtime: Runtime) -> None:
    shown = said(dispatcher.command(STRANGER, "my-data"))
    assert "Catalyst holds nothing about you: you haven't joined." in shown
    assert "Catalyst holds nothing about you." in said(
        dispatcher.action(STRANGER, membership_handlers.EXPORT_JSON, "")
    )
    assert members(runtime) == {}


def test_my_data_as_a_letter_and_as_a_json_file(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    letter = one(dispatcher.command(AMINA, "mydata"), Message)
    text = message_text(letter)
    assert "Member U0AMINA" in text
    assert "`/cop forget-me`" in text
    assert [b.action_id for b in buttons(letter)] == [membership_handlers.EXPORT_JSON]

    replies = dispatcher.action(AMINA, membership_handlers.EXPORT_JSON, "")
    sent = one(replies, SendFile)
    assert sent.filename == "catalyst-my-data.json"
    data = json.loads(sent.content)
    assert {"peer_coaching", "resources", "sessions", "reflections"} <= set(data)
    assert data["peer_coaching"]["never_pair_me_with"] == []
    assert "Member U0AMINA" in sent.content
    assert "I've sent you a JSON file" in message_text(one(replies, Message))


def test_forget_me_asks_first_then_erases(dispatcher: Dispatcher, runtime: Runtime) -> None:
    assert "nothing to erase" in said(dispatcher.command(STRANGER, "forget-me"))
    join(dispatcher, AMINA)
    join(dispatcher, SAM)
    ask = one(dispatcher.command(AMINA, "forget-me"), Message)
    erase = [b for b in buttons(ask) if b.action_id == membership_handlers.CONFIRM_FORGET]
    assert len(erase) == 1
    assert erase[0].confirm is not None
    assert set(members(runtime)) == {"U0AMINA", "U0SAM"}

    replies = dispatcher.action(AMINA, membership_handlers.CONFIRM_FORGET, "")
    assert "Done: everything Catalyst held about you has been erased." in message_text(
        one(replies, Message)
    )
    assert set(members(runtime)) == {"U0SAM"}
    shown = unchanged(
        runtime, lambda: said(dispatcher.action(AMINA, membership_handlers.CONFIRM_FORGET, ""))
    )
    assert "There's nothing left to erase" in shown


@pytest.mark.parametrize("words", ["forget", "forgetme", "forget-me now", "forgot-me"])
def test_only_the_exact_words_start_erasure(
    dispatcher: Dispatcher, runtime: Runtime, words: str
) -> None:
    join(dispatcher, AMINA)
    shown = message_text(one(dispatcher.command(AMINA, words), Message))
    if words == "forget":  # its alias; destructive commands take no loose spellings
        assert "Erase everything Catalyst holds about you?" in shown
    else:
        assert "Erase everything" not in shown
    assert members(runtime)["U0AMINA"][1] == "active"  # asking erased nothing


# ---- facilitators: members and role ------------------------------------------------------------


def test_members_is_for_facilitators(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    for words in ("members", "role grant <@U0AMINA> facilitator"):
        assert "Only facilitators can do that." in said(dispatcher.command(AMINA, words))
    assert "Only facilitators" in said(
        dispatcher.action(AMINA, members_handlers.MORE_MEMBERS, "20")
    )


def test_members_with_nobody_and_with_someone(dispatcher: Dispatcher) -> None:
    assert "Nobody has joined yet." in said(dispatcher.command(FACILITATOR, "members"))
    join(dispatcher, AMINA, pronouns="she/her")
    join(dispatcher, FACILITATOR)
    shown = said(dispatcher.command(FACILITATOR, "members"))
    assert "Members (2)" in shown
    assert "*Member U0AMINA* (she/her) · Refugee Action Now" in shown
    facilitator_line = next(line for line in shown.splitlines() if "Member UFACIL01" in line)
    assert facilitator_line.endswith(" · facilitator")
    assert shown.count("· facilitator") == 1
    assert "Showing 1–2 of 2." in shown


def test_members_pages_twenty_at_a_time(dispatcher: Dispatcher) -> None:
    for i in range(21):
        join(dispatcher, caller(f"U0M{i:02d}"))
    first = one(dispatcher.command(FACILITATOR, "members"), Message)
    assert "Showing 1–20 of 21." in message_text(first)
    [more] = buttons(first)
    assert (more.action_id, more.value) == (members_handlers.MORE_MEMBERS, "20")
    second = one(dispatcher.action(FACILITATOR, more.action_id, more.value or ""), Message)
    assert "Showing 21–21 of 21." in message_text(second)
    assert second.replace_original
    assert buttons(second) == []


@pytest.mark.parametrize("value", ["", "abc", "-5", "9" * 40, "²"])
def test_a_junk_page_value_shows_the_first_page(dispatcher: Dispatcher, value: str) -> None:
    join(dispatcher, AMINA)
    shown = said(dispatcher.action(FACILITATOR, members_handlers.MORE_MEMBERS, value))
    assert "Showing 1–1 of 1." in shown


def test_granting_and_revoking_the_facilitator_role(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    join(dispatcher, SAM)
    assert "*Member U0SAM* is now a facilitator." in said(
        dispatcher.command(FACILITATOR, "role grant <@U0SAM|sam> facilitator")
    )
    assert members(runtime)["U0SAM"][2] == "facilitator"
    assert "Members (2)" in said(dispatcher.command(SAM, "members"))  # now they may
    assert "You can't remove your own facilitator role" in said(
        dispatcher.command(SAM, "role revoke <@U0SAM> facilitator")
    )
    assert "*Member U0SAM* is no longer a facilitator." in said(
        dispatcher.command(FACILITATOR, "role revoke <@U0SAM>")
    )
    assert members(runtime)["U0SAM"][2] == "member"
    assert "Only facilitators" in said(dispatcher.command(SAM, "members"))


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("role", "Use `/cop role grant @someone facilitator`"),
        ("role promote <@U0AMINA>", "Use `/cop role grant @someone facilitator`"),
        ("role grant", "Please mention exactly one person"),
        ("role grant amina facilitator", "Please mention exactly one person"),
        ("role grant <@U0AMINA> <@U0SAM> facilitator", "Please mention exactly one person"),
        ("role grant <@U0AMINA> admin", "I only know the facilitator role, not `admin`."),
        ("role grant <@U0NOBODY> facilitator", "They haven't joined yet"),
        ("role revoke <@UFACIL01> facilitator", "You can't remove your own facilitator role"),
    ],
)
def test_a_role_command_it_cannot_follow_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime, words: str, expected: str
) -> None:
    join(dispatcher, AMINA)
    join(dispatcher, SAM)
    join(dispatcher, FACILITATOR)
    before = members(runtime)
    shown = unchanged(runtime, lambda: said(dispatcher.command(FACILITATOR, words)))
    assert expected in shown
    assert members(runtime) == before


def test_a_configured_facilitator_cannot_be_revoked_here(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, FACILITATOR)
    join(dispatcher, SAM)
    dispatcher.command(FACILITATOR, "role grant <@U0SAM> facilitator")
    sam_as_facilitator = caller("U0SAM")
    shown = unchanged(
        runtime,
        lambda: said(dispatcher.command(sam_as_facilitator, "role revoke <@UFACIL01> facilitator")),
    )
    assert "through the CATALYST_FACILITATORS setting" in shown


# ---- the language Catalyst writes in ------------------------------------------------------


def language_of(runtime: Runtime, user_id: str) -> str | None:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalars(
            select(Member.language).where(Member.platform_user_id == user_id)
        ).one()


@pytest.fixture
def french_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A French catalogue with a few of this area's sentences, while the real one is empty."""
    catalog = Catalog(locale="fr", domain="catalyst")
    catalog.add(
        "Done: Catalyst will write to you in *{language}* from now on.",
        "C'est fait : Catalyst vous écrira désormais en *{language}*.",
    )
    catalog.add("Welcome, *{name}*!", "Bienvenue, *{name}* !")
    catalog.add("Your profile is saved, *{name}*.", "Votre profil est enregistré, *{name}*.")
    for code in ("fr", "ar"):
        folder = tmp_path / code / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "catalyst.po").open("wb") as po:
            write_po(po, catalog if code == "fr" else Catalog(locale=code, domain="catalyst"))
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.reload()
    yield
    monkeypatch.undo()
    i18n.reload()


def test_the_join_form_asks_for_the_language_with_the_communitys_as_default(
    dispatcher: Dispatcher,
) -> None:
    form = one(dispatcher.command(STRANGER, "join"), OpenForm).form
    field = {f.name: f for f in form.fields}["language"]
    assert field.kind is FieldKind.SELECT
    assert [(o.value, o.label) for o in field.options] == [
        ("en", "English"),
        ("ar", "العربية"),
        ("fr", "Français"),
    ]
    assert field.initial == "en"
    assert field.hint == "The language Catalyst writes to you in."
    # Within Slack's limits: nothing of an option is cut off.
    assert max(len(o.label) for f in form.fields for o in f.options) <= 75


def test_joining_in_french_welcomes_in_french(
    dispatcher: Dispatcher, runtime: Runtime, french_catalogue: None
) -> None:
    assert "Bienvenue, *Member U0AMINA* !" in join(dispatcher, AMINA, language="fr")
    assert language_of(runtime, "U0AMINA") == "fr"
    # Joining without the question (an older form) keeps what they chose.
    assert "Votre profil est enregistré" in join(dispatcher, AMINA)
    assert language_of(runtime, "U0AMINA") == "fr"


def test_cop_language_answers_in_the_new_language(
    dispatcher: Dispatcher, runtime: Runtime, french_catalogue: None
) -> None:
    join(dispatcher, AMINA)
    replies = dispatcher.command(AMINA, "language fr")
    shown = message_text(one(replies, Message))
    assert "C'est fait : Catalyst vous écrira désormais en *Français*." in shown
    one(replies, RefreshHome)
    assert language_of(runtime, "U0AMINA") == "fr"
    # Names work too, in their own language or the reader's.
    dispatcher.command(AMINA, "language English")
    assert language_of(runtime, "U0AMINA") == "en"
    dispatcher.command(AMINA, "language العربية")
    assert language_of(runtime, "U0AMINA") == "ar"
    dispatcher.command(AMINA, "language FR-ca")
    assert language_of(runtime, "U0AMINA") == "fr"


def test_cop_language_without_a_code_and_with_an_unknown_one(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    shown = said(dispatcher.command(AMINA, "language"))
    assert "Catalyst writes to you in *English*." in shown
    assert "Catalyst speaks English (`en`), العربية (`ar`) and Français (`fr`)." in shown
    assert "e.g. `/cop language ar`" in shown
    for typed in ("de", "xx", "Klingon"):
        command = f"language {typed}"
        shown = unchanged(runtime, lambda: said(dispatcher.command(AMINA, command)))  # noqa: B023
        assert f"Catalyst doesn't speak `{typed}` yet." in shown
        assert "English (`en`), العربية (`ar`) and Français (`fr`)" in shown
    assert language_of(runtime, "U0AMINA") is None  # still the community's
    dispatcher.command(STRANGER, "help")
    shown = unchanged(runtime, lambda: said(dispatcher.command(STRANGER, "language fr")))
    assert "You haven't joined yet. Type `/cop join` to join." in shown


def test_a_bad_language_in_the_form_is_a_field_error(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    before = table_counts(runtime)
    bad = dispatcher.submit(AMINA, EDIT_FORM, profile_values(language="de"), "")
    problem = one(bad, FormErrors).errors["language"]
    assert problem == (
        "Please choose one of the languages Catalyst speaks: "
        "English (`en`), العربية (`ar`) and Français (`fr`)."
    )
    assert table_counts(runtime) == before


def test_the_profile_and_my_data_show_the_language(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA, language="ar")
    # Shown in Arabic, as everything else for her: looked up in the shipped catalogue.
    with i18n.speaking("ar"):
        writes_in = i18n._("Catalyst writes in")
        writes_to_you = i18n.without_marks(
            i18n.t("Catalyst writes to you in *{language}*.", language="العربية")
        )
    assert writes_in != "Catalyst writes in"
    profile_text = message_text(one(dispatcher.command(AMINA, "profile"), Message))
    assert writes_in in profile_text
    assert "العربية" in profile_text
    assert writes_to_you in i18n.without_marks(
        message_text(one(dispatcher.command(AMINA, "my-data"), Message))
    )
    sent = one(dispatcher.action(AMINA, membership_handlers.EXPORT_JSON, ""), SendFile)
    profile = json.loads(sent.content)["profile"]
    assert (profile["language"], profile["language_code"]) == ("العربية", "ar")
    assert profile["language_chosen_by_member"] is True
