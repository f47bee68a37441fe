"""`catalyst discord invite-url`: the link that adds Catalyst's bot to a Discord server with
exactly the permissions it uses (README, "Discord", says what each is for).

The application (client) id comes from `--client-id`, else DISCORD_APPLICATION_ID in the
environment or `.env`; nothing connects to Discord.
"""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from collections.abc import Mapping

from core.config import Settings

AUTHORIZE = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")

# What Catalyst does with each permission (the README lists the same, in the same order).
NEEDED: dict[str, str] = {
    "view_channel": "see the community channel and its threads",
    "send_messages": "post reminders, prompts and broadcasts in the channel",
    "send_messages_in_threads": "answer in reflection threads and in sets' private threads",
    "create_public_threads": "start a reflection prompt's thread, so replies are kept",
    "create_private_threads": "give a pair or an action learning set its private thread",
    "manage_threads": "add and remove a set's members, archive a closed set's thread",
    "embed_links": "show every message as a card (Discord calls it an embed)",
    "read_message_history": "check what was sent before a restart, so nothing goes twice",
    "mention_everyone": "notify the channel, only when a facilitator ticks it on a broadcast",
    "manage_events": "show sessions in the server's Events, moved and cancelled with them",
}


def permissions_value() -> int:
    import discord  # here, not at the top: every other command starts without it

    return discord.Permissions(**dict.fromkeys(NEEDED, True)).value


def invite_url(client_id: str) -> str:
    query = urllib.parse.urlencode(
        {"client_id": client_id, "scope": " ".join(SCOPES), "permissions": permissions_value()},
        quote_via=urllib.parse.quote_plus,
    )
    return f"{AUTHORIZE}?{query}"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    discord_parser = commands.add_parser("discord", help="Discord set-up: the bot's invite link")
    discord_parser.add_argument("action", choices=["invite-url"])
    discord_parser.add_argument(
        "--client-id",
        metavar="ID",
        help="the application id (default: DISCORD_APPLICATION_ID)",
    )


def cmd_discord(settings: Settings, args: argparse.Namespace, env: Mapping[str, str]) -> int:
    del settings
    client_id = (args.client_id or env.get("DISCORD_APPLICATION_ID") or "").strip()
    if not client_id.isdigit():
        print(
            "Catalyst needs the Discord application's id for the link: copy the Application ID "
            "from the developer portal's General Information page, then run "
            "`catalyst discord invite-url --client-id ID` (or set DISCORD_APPLICATION_ID).",
            file=sys.stderr,
        )
        return 2
    print(invite_url(client_id))
    print(
        "Open the link, choose your server and authorise. Catalyst asks for: "
        + "; ".join(NEEDED.values())
        + ".",
        file=sys.stderr,
    )
    return 0
