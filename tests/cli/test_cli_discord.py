"""`catalyst discord invite-url`: the link with exactly the permissions Catalyst uses."""

from __future__ import annotations

import urllib.parse

import discord
import pytest

from bot.cli import main
from bot.cli_discord import NEEDED, invite_url


def test_the_invite_url_asks_for_the_bot_and_commands_with_catalysts_permissions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_APPLICATION_ID", raising=False)
    assert main(["discord", "invite-url", "--client-id", "1234567890"]) == 0
    out, err = capsys.readouterr()
    url = urllib.parse.urlsplit(out.strip())
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    query = urllib.parse.parse_qs(url.query)
    assert query["client_id"] == ["1234567890"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    expected = {
        "view_channel",
        "send_messages",
        "send_messages_in_threads",
        "create_public_threads",
        "create_private_threads",
        "manage_threads",
        "embed_links",
        "read_message_history",
        "mention_everyone",
        "manage_events",
    }
    assert granted == discord.Permissions(**dict.fromkeys(expected, True))  # and nothing else
    assert not granted.administrator
    assert set(NEEDED) == expected
    assert "+" in out  # the scope's space, as Discord writes it: bot+applications.commands
    assert "notify the channel" in err


def test_the_application_id_can_come_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", "42")
    assert main(["discord", "invite-url"]) == 0
    assert capsys.readouterr().out.strip() == invite_url("42")


@pytest.mark.parametrize("given", [None, "not-a-number"])
def test_without_an_application_id_it_says_where_to_find_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, given: str | None
) -> None:
    monkeypatch.delenv("DISCORD_APPLICATION_ID", raising=False)
    monkeypatch.chdir("/")  # no .env here
    argv = ["discord", "invite-url"] + (["--client-id", given] if given else [])
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Application ID" in err
    assert "Traceback" not in err
