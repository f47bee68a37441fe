"""Where discord.py connects: Discord itself, or the API at a ``DISCORD_API_URL``.

discord.py takes no URLs in its constructors; its REST base (``Route.BASE``) and its
gateway (``DiscordWebSocket.DEFAULT_GATEWAY``) are class attributes, read when a request is
built and when the websocket opens. :func:`use_api` sets the REST base before the client
starts; :func:`use_gateway_of`, awaited in the client's ``setup_hook`` (after login, before
the gateway connects), asks that API's ``GET /gateway/bot`` where the gateway is, as Discord
means it to be asked. With no override both stay Discord's own. Tests point them at
tests/fakes/discord_api.py this way (docs/discord-testing.md).
"""

from __future__ import annotations

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

__all__ = ["DISCORD_API_BASE", "DISCORD_GATEWAY", "use_api", "use_gateway_of"]

DISCORD_API_BASE: str = Route.BASE  # https://discord.com/api/v10
DISCORD_GATEWAY: yarl.URL = DiscordWebSocket.DEFAULT_GATEWAY  # wss://gateway.discord.gg/


def use_api(api_url: str | None) -> None:
    """Send discord.py's REST calls (interaction callbacks and webhooks included) to
    ``api_url``, e.g. ``http://127.0.0.1:8080/api/v10``; None puts Discord's own back,
    gateway included. Process-wide: call it before the client starts.
    """
    if api_url:
        Route.BASE = api_url.rstrip("/")
    else:
        Route.BASE = DISCORD_API_BASE
        DiscordWebSocket.DEFAULT_GATEWAY = DISCORD_GATEWAY


async def use_gateway_of(client: discord.Client) -> str:
    """Ask the API in use for its gateway (``GET /gateway/bot``) and connect there."""
    _, url, _ = await client.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    return url
