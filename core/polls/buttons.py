"""Button ids on poll and survey messages, shared with the handlers that answer them (the
scheduler sends the messages and may not import handlers)."""

from __future__ import annotations

VOTE = "poll.vote."  # untranslated: an action id prefix; the option's position follows
SUGGEST = "poll.suggest"  # untranslated: an action id
SURVEY_OPEN = "survey.open"  # untranslated: an action id
MAX_OPTIONS = 10


def vote_action(position: int) -> str:
    return f"{VOTE}{position}"
