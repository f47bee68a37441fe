"""Discord's people, for the directory port: names to prefill the join form, and the
language each person's Discord is in (each interaction says it), to answer visitors in it.

Read from discord.py's member cache (the members intent fills it at start and keeps it
current), so no request is made inside Discord's 3 seconds.
"""

from __future__ import annotations

import threading

import discord

from core.context import PlatformProfile


class DiscordDirectory:
    def __init__(self) -> None:
        self.client: discord.Client | None = None
        self._locales: dict[str, str] = {}
        self._lock = threading.Lock()

    def saw_locale(self, user_id: str, locale: str | None) -> None:
        if locale:
            with self._lock:
                if len(self._locales) > 5000:
                    self._locales.clear()
                self._locales[user_id] = locale

    def profile(self, user_id: str) -> PlatformProfile | None:
        with self._lock:
            locale = self._locales.get(user_id)
        name: str | None = None
        client = self.client
        if client is not None and user_id.isdigit():
            for guild in list(client.guilds):
                member = guild.get_member(int(user_id))
                if member is not None:
                    name = member.display_name
                    break
        if name is None and locale is None:
            return None
        return PlatformProfile(name=name, timezone=None, locale=locale)
