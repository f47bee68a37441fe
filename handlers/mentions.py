"""Parsing what people type after the command word."""

from __future__ import annotations

import re

# Slack escapes mentions in slash-command text as <@U123|name> (should_escape: true).
MENTION = re.compile(r"<@([A-Za-z0-9._:-]+)(?:\|([^>]*))?>")


def mentioned_user_ids(text: str) -> list[str]:
    return [match.group(1) for match in MENTION.finditer(text)]


def words_without_mentions(text: str) -> list[str]:
    return MENTION.sub(" ", text).lower().split()


def shorten(text: str, limit: int = 40) -> str:
    """Echo a person's input back without flooding the reply."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
