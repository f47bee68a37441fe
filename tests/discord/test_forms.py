"""Forms on Discord: the modal renderer (pages of five, menus in labels, long lists as text),
a button that opens a form, a draft that has expired, and a form whose page is slow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.discord import interactions, modals
from core import ui
from core.clock import FakeClock
from tests.discord.test_core_flows import counts, fill, join, members
from tests.discord_harness import MODAL, DiscordHarness, Seen
from tests.fakes.discord_validation import modal_errors
from tests.helpers import profile_values


def form(count: int, **extra: Any) -> ui.Form:
    fields = [ui.FormField(f"f{i}", f"Question {i}", ui.FieldKind.TEXT) for i in range(count)]
    return ui.Form("test.form", "A form", [*fields, *extra.values()])


_NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_fields_are_paged_by_five_and_every_page_is_a_valid_modal() -> None:
    built = form(11)
    draft = modals.Drafts().start("1", built, _NOW)
    assert [len(page) for page in draft.pages] == [5, 5, 1]
    for number in range(3):
        modal = modals.modal(draft, number)
        assert not modal_errors(modal)
        assert f"({number + 1} of 3)" in modal["title"]
    single = modals.Drafts().start("1", form(5), _NOW)
    assert "of" not in modals.modal(single, 0)["title"]


def test_choices_are_menus_in_labels_and_a_long_list_is_typed() -> None:
    options = [ui.Option(f"v{i}", f"Label {i}") for i in range(30)]
    built = ui.Form(
        "test.form",
        "Choices",
        [
            ui.FormField("short", "Pick one", ui.FieldKind.SELECT, options=options[:3]),
            ui.FormField("long", "Pick from many", ui.FieldKind.SELECT, options=options),
            ui.FormField(
                "tick",
                "Agree",
                ui.FieldKind.CHECKBOX,
                required=False,
                options=[ui.Option("yes", "I agree")],
            ),
            ui.FormField("who", "Who", ui.FieldKind.USER, initial="1180000000000000300"),
            ui.FormField("many", "Several", ui.FieldKind.MULTI_SELECT, options=options[:4]),
        ],
    )
    draft = modals.Drafts().start("1", built, _NOW)
    modal = modals.modal(draft, 0)
    assert not modal_errors(modal)
    kinds = {c["component"]["custom_id"]: c["component"]["type"] for c in modal["components"]}
    assert kinds == {"short": 3, "long": 4, "tick": 3, "who": 5, "many": 3}
    raw = {"short": ["v1"], "long": "label 7", "tick": ["yes"], "who": ["42"], "many": []}
    values = modals.page_values(draft.pages[0], raw)
    assert values == {
        "short": "v1",
        "long": "v7",  # typed as its label, read as the option
        "tick": True,
        "who": "42",
        "many": [],
    }
    assert modals.page_values(draft.pages[0], {**raw, "tick": []})["tick"] is False
    assert "long" in ui.form_problems(draft.pages[0], {**values, "long": "Mars"})


def test_the_edit_button_opens_the_profile_form(discord: DiscordHarness) -> None:
    join(discord)
    profile = discord.command("profile")
    modal = discord.form(discord.click(profile, "Edit profile"))
    assert modal.type == MODAL
    first = modal.body["components"][0]["component"]
    assert first["custom_id"] == "display_name"
    assert first["value"] == "Amina Yusuf"


def test_join_shows_the_ground_rules_and_privacy_notice_before_the_form(
    discord: DiscordHarness,
) -> None:
    offer = discord.command("join")
    assert offer.type == 4  # a message to read first: a modal shows only its inputs
    assert offer.only_them
    assert "Ground rules" in offer.text
    assert "We keep what others share here confidential" in offer.text
    assert "Privacy notice" in offer.text
    modal = discord.click(offer, "Open the form")
    assert modal.type == MODAL
    assert "1 of 3" in modal.body["title"]


def test_a_form_without_an_intro_opens_at_once(discord: DiscordHarness) -> None:
    join(discord)
    profile = discord.command("profile")
    modal = discord.click(profile, "Edit profile")
    assert modal.type == MODAL


def test_a_page_submitted_after_the_draft_expired_says_start_again(
    discord: DiscordHarness, clock: FakeClock
) -> None:
    first = discord.form(discord.command("join"))
    page1 = discord.submit(first, fill(first, profile_values()))
    clock.advance(modals.DRAFT_LIFETIME + timedelta(minutes=1))
    before = counts(discord)
    expired = discord.form(discord.click(page1, "Continue"))
    assert "That form has expired" in expired.text
    assert counts(discord) == before


def test_a_slow_form_is_offered_by_a_button(discord: DiscordHarness, monkeypatch: Any) -> None:
    monkeypatch.setattr(interactions, "ACK_BUDGET", 0.0)  # deferred: no modal possible now
    seen = discord.command("join")
    assert seen.type == 5
    assert "Open the form" in seen.text
    monkeypatch.setattr(interactions, "ACK_BUDGET", 2.0)
    modal = discord.click(seen, "Open the form")
    assert modal.type == MODAL
    assert "1 of 3" in modal.body["title"]


def test_autocomplete_offers_facilitator_commands_only_to_facilitators(
    discord: DiscordHarness,
) -> None:
    join(discord)
    assert "members" not in discord.autocomplete("mem")
    assert "help" in discord.autocomplete("")


def test_join_typed_in_a_dm_offers_the_form_by_a_button(discord: DiscordHarness) -> None:
    fake = discord.fake
    dm = fake.open_dm(fake.member_id)
    fake.user_message(fake.member_id, "join", channel_id=dm)
    (call,) = fake.wait_for("POST", f"/channels/{dm}/messages")
    offer = Seen("", 4, call.json, call.response)
    assert "Open the form" in offer.text
    modal = discord.click(offer, "Open the form")
    assert modal.type == MODAL
    assert "1 of 3" in modal.body["title"]


def test_download_my_data_arrives_as_a_file_in_the_dm(discord: DiscordHarness) -> None:
    fake = discord.fake
    join(discord)
    mine = discord.command("my-data")
    sent = discord.click(mine, "JSON file")
    assert "sent you a JSON file" in sent.text
    dm = fake.dm_channel_of(fake.member_id)
    assert dm is not None
    upload = fake.wait_for("POST", f"/channels/{dm}/messages", count=2)[-1]
    assert upload.status == 200
    assert upload.json["content"] == "Everything Catalyst holds about you."


def test_a_file_is_sent_only_after_the_click_is_answered(discord: DiscordHarness) -> None:
    fake = discord.fake
    join(discord)
    sent = discord.click(discord.command("my-data"), "JSON file")
    assert "sent you a JSON file" in sent.text
    dm = fake.dm_channel_of(fake.member_id)
    calls = fake.calls
    answered = next(
        i for i, c in enumerate(calls) if f"/interactions/{sent.interaction_id}/" in c.path
    )
    uploaded = max(i for i, c in enumerate(calls) if c.path == f"/channels/{dm}/messages")
    assert answered < uploaded  # DMs and uploads are slow: Discord's 3 s are met first


def test_a_file_to_closed_dms_says_so_and_what_to_do(discord: DiscordHarness) -> None:
    fake = discord.fake
    join(discord)
    fake.close_dms(fake.member_id)
    sent = discord.click(discord.command("my-data"), "JSON file")
    assert "sent you" not in sent.text
    assert "your direct messages are closed" in sent.text
    assert "Privacy Settings" in sent.text
    assert sent.only_them


def test_forget_me_asks_are_you_sure_then_erases(discord: DiscordHarness) -> None:
    join(discord)
    asked = discord.command("forget-me")
    sure = discord.click(asked, "Erase my data")  # a confirming button: asked first
    assert sure.only_them
    assert members(discord) != []  # nothing erased by the first click
    done = discord.click(sure, "Erase")
    assert done.text
    assert members(discord) == []
