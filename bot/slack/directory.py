"""Slack's people directory (users.info), used to prefill the join form.

It is called before a modal opens, inside Slack's 3-second window, so it has its own client
with a short timeout and no retries, and a failure just means no prefill.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.context import PlatformProfile

log = logging.getLogger(__name__)

CACHE_SECONDS = 600.0


class SlackDirectory:
    def __init__(self, token: str, base_url: str, timeout: float = 1.5) -> None:
        self.client = WebClient(token=token, base_url=base_url, timeout=int(max(1, timeout)))
        self.client.retry_handlers = []
        self._cache: dict[str, tuple[float, PlatformProfile | None]] = {}
        self._lock = threading.Lock()

    def profile(self, user_id: str) -> PlatformProfile | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(user_id)
            if hit is not None and now - hit[0] < CACHE_SECONDS:
                return hit[1]
        found: PlatformProfile | None = None
        try:
            # include_locale: the person's Slack language ("fr-FR"), to suggest ours.
            user = self.client.users_info(user=user_id, include_locale=True)["user"]
            profile = user.get("profile") or {}
            # Real name first: display names are often handles ("amina.y").
            name = profile.get("real_name") or user.get("real_name") or profile.get("display_name")
            found = PlatformProfile(
                name=name or None,
                timezone=user.get("tz") or None,
                locale=user.get("locale") or None,
            )
        except (SlackApiError, OSError, KeyError, TypeError) as error:
            log.info("users.info failed for prefill: %s", error)
        with self._lock:
            if len(self._cache) > 5000:
                self._cache.clear()
            self._cache[user_id] = (now, found)
        return found


class NoDirectory:
    """For the console and tests: nothing to prefill from."""

    def profile(self, user_id: str) -> PlatformProfile | None:
        return None
