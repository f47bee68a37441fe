"""`/cop`'s options through the Discord adapter against the fake: the `person` picker reads
exactly as a typed mention does, and the definition Discord stores carries the French
descriptions and follows Discord's naming rules."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.discord.client import discord_locales
from bot.discord.interactions import with_person
from core.db import unit_of_work
from core.models import Member
from core.pairing.models import PairingAvoid
from tests.discord.test_core_flows import counts, join
from tests.discord_harness import DiscordHarness
from tests.fakes.discord_validation import LOCALES, commands_errors

PUT = "/applications/{app}/guilds/{guild}/commands"
# Discord's rule for a slash command's names: lowercase, 1 to 32 characters.
NAME = re.compile(r"^[-_\w]{1,32}$")


def avoids(discord: DiscordHarness) -> int:
    with unit_of_work(discord.runtime.session_factory) as session:
        return len(session.scalars(select(PairingAvoid)).all())


def role_of(discord: DiscordHarness, user_id: str) -> str:
    with unit_of_work(discord.runtime.session_factory) as session:
        member = session.scalars(select(Member).where(Member.platform_user_id == user_id)).one()
        return member.role


def test_the_registered_command_has_a_person_picker_and_french(discord: DiscordHarness) -> None:
    fake = discord.fake
    (put,) = fake.calls_to("PUT", PUT)
    assert put.status == 200
    assert not commands_errors(put.json)  # a locale Discord lacks would be refused here
    (command,) = put.json
    options = {o["name"]: o for o in command["options"]}
    assert list(options) == ["text", "person"]
    assert options["text"]["type"] == 3
    assert options["text"]["autocomplete"] is True
    assert options["person"]["type"] == 6  # USER: Discord's member picker
    assert not options["person"]["required"]
    for item in [command, *command["options"]]:
        assert NAME.match(item["name"])
        assert item["name"] == item["name"].lower()
        french = item["description_localizations"]["fr"]
        assert french
        assert french != item["description"]
        texts = [item["description"], *item["description_localizations"].values()]
        assert all(1 <= len(text) <= 100 for text in texts)
        # Discord's client has no Arabic: an `ar` key would be refused, so there is none.
        assert set(item["description_localizations"]) <= LOCALES
        assert "ar" not in item["description_localizations"]
    assert command["description_localizations"]["fr"].startswith("Catalyst")


def test_catalyst_languages_map_to_discord_locales() -> None:
    assert discord_locales("fr") == ["fr"]
    assert sorted(discord_locales("es")) == ["es-419", "es-ES"]
    assert discord_locales("ar") == []


def test_a_picked_person_is_written_where_the_grammar_has_them() -> None:
    assert with_person("pair avoid", "42") == "pair avoid <@42>"
    assert with_person("sets move 3", "42") == "sets move <@42> 3"
    assert with_person("sets add #3", "42") == "sets add <@42> #3"
    assert with_person("sets swap <@41>", "42") == "sets swap <@41> <@42>"
    assert with_person("role grant facilitator", "42") == "role grant facilitator <@42>"
    assert with_person("set swap", "42") == "set swap <@42>"
    assert with_person("pair avoid", "") == "pair avoid"
    assert with_person("", "42") == "<@42>"


def test_a_picked_person_is_the_typed_mention(discord: DiscordHarness) -> None:
    fake = discord.fake
    bob = fake.other_member_id
    join(discord)
    join(discord, user=bob, display_name="Bob Mensah")
    picked = discord.send(fake.slash_command(fake.member_id, "pair avoid", person=bob))
    assert "Noted, privately" in picked.text
    assert avoids(discord) == 1
    undone = discord.send(fake.slash_command(fake.member_id, "pair unavoid", person=bob))
    assert "paired with them again" in undone.text
    assert avoids(discord) == 0
    typed = discord.command(f"pair avoid <@{bob}>")
    assert typed.text == picked.text
    assert avoids(discord) == 1


def test_a_picked_person_in_the_middle_of_a_command(discord: DiscordHarness) -> None:
    """`role grant @someone facilitator`: the pick goes in without the person typing it."""
    fake = discord.fake
    bob = fake.other_member_id
    join(discord)
    join(discord, user=bob, display_name="Bob Mensah")
    with unit_of_work(discord.runtime.session_factory) as session:
        alice = session.scalars(select(Member).where(Member.platform_user_id == fake.member_id))
        alice.one().role = "facilitator"
    granted = discord.send(fake.slash_command(fake.member_id, "role grant facilitator", person=bob))
    assert role_of(discord, bob) == "facilitator", granted.text
    revoked = discord.send(fake.slash_command(fake.member_id, "role revoke", person=bob))
    assert role_of(discord, bob) == "member", revoked.text
    typed = discord.command(f"role grant <@{bob}> facilitator")
    assert typed.text == granted.text


def test_a_picked_person_who_has_not_joined_gets_the_typed_sentence(
    discord: DiscordHarness,
) -> None:
    fake = discord.fake
    carol = fake.add_user(username="carol", global_name="Carol")["id"]
    join(discord)
    before = counts(discord)
    picked = discord.send(fake.slash_command(fake.member_id, "pair avoid", person=carol))
    typed = discord.command(f"pair avoid <@{carol}>")
    assert "isn't a member" in picked.text
    assert picked.text == typed.text
    assert counts(discord) == before


def test_nobody_picked_and_nobody_typed_gets_the_usage(discord: DiscordHarness) -> None:
    join(discord)
    seen = discord.command("pair avoid")
    assert "Mention one person" in seen.text
