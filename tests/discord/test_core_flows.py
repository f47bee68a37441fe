"""The Slack core flows, through the Discord adapter end to end against the fake Discord:
help and did-you-mean, joining through the paged modal, profile, a session's RSVP, the
library search, access refused, over-long text, an expired button, a replayed interaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import communities
from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Member
from core.pairing.models import PairingAvoid
from core.sessions.models import CommunitySession, SessionRsvp
from tests.conftest import table_counts
from tests.core.resource_helpers import NOW, load_library
from tests.discord_harness import MODAL, DiscordHarness, Seconds, Seen
from tests.fakes.discord_validation import message_errors, modal_errors
from tests.helpers import profile_values

SESSION = {
    "title": "Access to senior positions",
    "theme": "Access to senior positions",
    "date": "2026-12-03",
    "start_time": "18:00",
    "duration": "90",
    "location": "https://zoom.us/j/555",
    "description": "Think of one door that opened for you, and who held it.",
    "reminder_offsets": "",
    "reflection_prompt": "",
}


def fill(modal: Seen, values: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The page's answers as Discord sends them back: text typed, or the options chosen;
    a field not in `values` is sent as the modal filled it in."""
    answers: dict[str, str | list[str]] = {}
    for label in modal.body["components"]:
        inner = label["component"]
        name = inner["custom_id"]
        if name not in values:
            if inner["type"] == 4:
                answers[name] = str(inner.get("value") or "")
            else:
                answers[name] = [o["value"] for o in inner.get("options", []) if o["default"]]
            continue
        value = values.get(name)
        if inner["type"] == 4:
            answers[name] = ", ".join(value) if isinstance(value, list) else str(value or "")
        elif value is True:
            answers[name] = [inner["options"][0]["value"]]
        elif isinstance(value, list):
            answers[name] = value
        else:
            answers[name] = [value] if value else []
    return answers


def fill_form(discord: DiscordHarness, first: Seen, values: Mapping[str, Any], user: str) -> Seen:
    """Every page of a form, Continue between them; returns the answer to the last page."""
    modal = discord.form(first, user=user)
    while True:
        assert modal.type == MODAL, modal.text
        assert not modal_errors(modal.body)
        answer = discord.submit(modal, fill(modal, values), user=user)
        if "Continue" not in answer.text:
            return answer
        assert "saved" in answer.text
        modal = discord.form(discord.click(answer, "Continue", user=user), user=user)


def join(discord: DiscordHarness, user: str | None = None, **changes: Any) -> Seen:
    user = user or discord.fake.member_id
    first = discord.command("join", user=user)
    return fill_form(discord, first, profile_values(**changes), user)


def counts(discord: DiscordHarness) -> dict[str, int]:
    """Rows per table, but the record of interactions handled (what makes a replay
    harmless): a refused request changes nothing else."""
    found = table_counts(discord.runtime)
    found.pop("processed_events")
    return found


def members(discord: DiscordHarness) -> list[Member]:
    with unit_of_work(discord.runtime.session_factory) as session:
        return list(session.scalars(select(Member)))


def test_registers_cop_once_and_help_answers_ephemerally(discord: DiscordHarness) -> None:
    fake = discord.fake
    (stored,) = fake.commands[fake.guild_id]
    assert stored["name"] == "cop"
    assert stored["options"][0]["autocomplete"] is True
    seen = discord.command("help")
    assert seen.type in (4, 5)  # 5: a loaded machine deferred, then answered
    assert seen.only_them
    assert not message_errors(seen.body, interaction=True)
    assert "join" in seen.text
    assert fake.messages_in(fake.channel_id) == []  # ephemeral: in nobody's history


def test_a_restart_does_not_register_cop_again(discord: DiscordHarness) -> None:
    fake = discord.fake
    assert len(fake.calls_to("PUT", "/applications/{app}/guilds/{guild}/commands")) == 1
    discord.close()
    discord.parts = DiscordHarness(discord.runtime, fake).parts  # a second start
    assert len(fake.calls_to("GET", "/applications/{app}/guilds/{guild}/commands")) == 2
    assert len(fake.calls_to("PUT", "/applications/{app}/guilds/{guild}/commands")) == 1


def test_a_restart_registers_cop_again_only_when_its_definition_changed(
    discord: DiscordHarness,
) -> None:
    fake = discord.fake
    put = "/applications/{app}/guilds/{guild}/commands"
    # Discord holds the definition of an older version: no person picker, no French.
    (stored,) = fake.commands[fake.guild_id]
    stored["options"] = stored["options"][:1]
    stored.pop("description_localizations")
    discord.close()
    discord.parts = DiscordHarness(discord.runtime, fake).parts
    assert len(fake.calls_to("PUT", put)) == 2
    (stored,) = fake.commands[fake.guild_id]
    assert [o["name"] for o in stored["options"]] == ["text", "person"]
    # An updated translation is a change too.
    stored["options"][1]["description_localizations"]["fr"] = "Ancienne traduction"
    discord.close()
    discord.parts = DiscordHarness(discord.runtime, fake).parts
    assert len(fake.calls_to("PUT", put)) == 3
    discord.close()
    discord.parts = DiscordHarness(discord.runtime, fake).parts  # nothing changed since
    assert len(fake.calls_to("PUT", put)) == 3


def test_a_typo_gets_did_you_mean_and_autocomplete_suggests(discord: DiscordHarness) -> None:
    seen = discord.command("hepl")
    assert "Did you mean" in seen.text
    assert "/cop help" in seen.text
    assert "help" in discord.autocomplete("he")
    assert "join" in discord.autocomplete("jo")


def test_join_through_the_paged_modal(discord: DiscordHarness) -> None:
    first = discord.form(discord.command("join"))
    assert first.type == MODAL
    assert "1 of 3" in first.body["title"]
    assert len(first.body["components"]) == 5
    names = [c["component"]["custom_id"] for c in first.body["components"]]
    assert names[0] == "display_name"
    assert first.body["components"][0]["component"]["value"] == "Alice"  # from Discord
    page1 = discord.submit(first, fill(first, profile_values()))
    assert "Page 1 of 3 saved" in page1.text
    assert members(discord) == []  # nothing stored before the last page
    page2 = discord.form(discord.click(page1, "Continue"))
    assert "2 of 3" in page2.body["title"]
    answer = fill_form(discord, page2, profile_values(), discord.fake.member_id)
    assert "Continue" not in answer.text
    (member,) = members(discord)
    assert (member.display_name, member.organisation, member.themes) == (
        "Amina Yusuf",
        "Refugee Action Now",
        ["Anti-racism", "Lived experience leadership"],
    )
    assert member.platform_user_id == discord.fake.member_id
    welcome = discord.fake.wait_for("POST", "/channels/{channel}/messages")
    assert welcome[0].status == 200


def test_a_wrong_answer_reopens_the_page_it_is_on_with_what_was_typed(
    discord: DiscordHarness,
) -> None:
    first = discord.form(discord.command("join"))
    discord.command("help")  # the community exists from the first request
    before = counts(discord)
    page1 = discord.submit(first, fill(first, profile_values()))
    page2 = discord.form(discord.click(page1, "Continue"))
    page2_answer = discord.submit(page2, fill(page2, profile_values()))
    page3 = discord.form(discord.click(page2_answer, "Continue"))
    refused = discord.submit(page3, fill(page3, profile_values(agreed=False)))
    assert "Please fix" in refused.text
    assert counts(discord) == before
    again = discord.form(discord.click(refused, "Fix page 3"))
    assert "3 of 3" in again.body["title"]
    agreed = next(c for c in again.body["components"] if c["component"]["custom_id"] == "agreed")
    assert "⚠" in agreed["description"]
    done = discord.submit(again, fill(again, profile_values()))
    assert "Please fix" not in done.text
    assert len(members(discord)) == 1


def test_an_error_from_the_service_lands_on_the_right_page(discord: DiscordHarness) -> None:
    answer = join(discord, timezone="Mars/Base")
    assert "Please fix" in answer.text
    assert members(discord) == []
    fix = discord.form(discord.click(answer, "Fix page"))
    timezone = next(c for c in fix.body["components"] if c["component"]["custom_id"] == "timezone")
    assert "⚠" in timezone["description"]


def test_profile_after_joining(discord: DiscordHarness) -> None:
    join(discord)
    seen = discord.command("profile")
    assert "Refugee Action Now" in seen.text
    assert not message_errors(seen.body, interaction=True)


def test_member_command_refused_for_a_non_member(discord: DiscordHarness) -> None:
    discord.command("help")  # the community exists from the first request
    before = counts(discord)
    seen = discord.command("profile", user=discord.fake.other_member_id)
    assert "haven't joined yet" in seen.text
    assert counts(discord) == before


def test_facilitator_command_refused_for_a_member(discord: DiscordHarness) -> None:
    join(discord)
    discord.command("help")  # the community exists from the first request
    before = counts(discord)
    seen = discord.command("members")
    assert "Only facilitators can do that" in seen.text
    assert counts(discord) == before


def test_over_long_text_is_refused_in_a_sentence(discord: DiscordHarness) -> None:
    discord.command("help")  # the community exists from the first request
    before = counts(discord)
    seen = discord.command("help " + "x" * 2100)
    assert "too long for a command" in seen.text
    assert counts(discord) == before


def test_a_session_rsvp_by_button(discord: DiscordHarness) -> None:
    fake = discord.fake
    join(discord)
    with unit_of_work(discord.runtime.session_factory) as session:
        member = session.scalars(select(Member)).one()
        member.role = "facilitator"
    first = discord.command("session add")
    answer = fill_form(discord, first, SESSION, fake.member_id)
    assert "Please fix" not in answer.text, answer.text
    listing = discord.command("sessions")
    assert "Access to senior positions" in listing.text
    going = discord.click(listing, "Going")
    assert going.type in (4, 5, 7)  # 5: a loaded machine deferred, then answered
    with unit_of_work(discord.runtime.session_factory) as session:
        (rsvp,) = session.scalars(select(SessionRsvp)).all()
        assert rsvp.answer == "going"
        assert session.scalars(select(CommunitySession)).one().title == SESSION["title"]


def test_resources_search_and_helpful(discord: DiscordHarness) -> None:
    fake = discord.fake
    join(discord)
    with unit_of_work(discord.runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "discord", fake.guild_id, timezone="Europe/London", now=NOW
        )
        load_library(session, community)
    found = discord.command("resources lived experience")
    assert not message_errors(found.body, interaction=True)
    assert "Leading with lived experience: a practical guide" in found.text
    helpful = discord.click(found, "Helpful")
    assert "1 person found it helpful" in helpful.text
    again = discord.click(found, "Helpful")  # twice counts once
    assert "already marked" in again.text


def test_a_button_nobody_knows_any_more_says_so(discord: DiscordHarness) -> None:
    fake = discord.fake
    message = fake.messages_in(fake.channel_id)
    old = {
        "id": "1180000000000009999",
        "channel_id": fake.channel_id,
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 1, "label": "Old", "custom_id": "gone.away|3"}],
            }
        ],
    }
    assert message == []
    discord.command("help")  # the community exists from the first request
    before = counts(discord)
    seen = discord.send(fake.button_click(fake.member_id, "gone.away|3", old))
    assert "no longer works" in seen.text
    assert counts(discord) == before


def test_an_interaction_answered_too_late_is_given_up_quietly(
    discord: DiscordHarness, seconds: Seconds
) -> None:
    fake = discord.fake
    listing = discord.command("help")
    late = fake.slash_command(fake.member_id, "help")
    seconds.advance(4)  # the interaction's 3 seconds ran out before it arrived
    fake.interact(late)
    (call,) = fake.wait_for("POST", rf"/interactions/{late['id']}/.+/callback")
    assert call.status == 404
    assert call.response["code"] == 10062
    assert "join" in listing.text
    assert "join" in discord.command("help").text  # still answering


def test_a_replayed_interaction_is_answered_once(discord: DiscordHarness) -> None:
    fake = discord.fake
    join(discord)
    payload = fake.slash_command(fake.member_id, "profile")
    first = discord.send(payload)
    fake.interact(payload)  # Discord sends it again
    fake.interact(fake.slash_command(fake.member_id, "help"))  # something after it
    fake.wait_for("POST", "/interactions/{id}/{token}/callback", count=len(fake.interactions))
    calls = fake.calls_to("POST", rf"/interactions/{payload['id']}/.+/callback")
    assert [c.status for c in calls] == [calls[0].status]
    assert "Refugee Action Now" in first.text


def test_an_interaction_too_old_to_answer_is_left_alone(
    discord: DiscordHarness, seconds: Seconds, clock: FakeClock
) -> None:
    """One that arrives a minute after Discord made it (replayed after a gateway resume):
    Discord would refuse any answer, so its work isn't done behind the person's back."""
    fake = discord.fake
    bob = fake.other_member_id
    join(discord)
    join(discord, user=bob, display_name="Bob Mensah")
    stale = fake.slash_command(fake.member_id, f"pair avoid <@{bob}>")
    clock.advance(timedelta(minutes=1))
    seconds.advance(60)
    before = table_counts(discord.runtime)  # the interaction isn't even recorded
    fake.interact(stale)
    fresh = discord.command("help")  # handled after it, on the same connection
    assert "join" in fresh.text
    assert fake.calls_to("POST", rf"/interactions/{stale['id']}/.+/callback") == []
    after = table_counts(discord.runtime)
    assert after.pop("processed_events") == before.pop("processed_events") + 1  # the help
    assert after == before
    with unit_of_work(discord.runtime.session_factory) as session:
        assert session.scalars(select(PairingAvoid)).all() == []


def test_a_click_answered_too_late_is_given_up_quietly(
    discord: DiscordHarness, seconds: Seconds
) -> None:
    fake = discord.fake
    join(discord)
    profile = discord.command("profile")
    assert profile.message is not None
    late = fake.button_click(fake.member_id, profile.custom_id("Edit profile"), profile.message)
    seconds.advance(4)  # the click's 3 seconds ran out before it was answered
    fake.interact(late)
    (call,) = fake.wait_for("POST", rf"/interactions/{late['id']}/.+/callback")
    assert call.status == 404
    assert call.response["code"] == 10062
    again = discord.form(discord.click(profile, "Edit profile"))  # clicked again: it works
    assert again.type == MODAL
