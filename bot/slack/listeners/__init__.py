"""Bolt listeners, one module per kind of input: each has `register(app, parts)`.

Every listener is a few lines: turn Slack's payload into a `Caller` and neutral input, ask
the dispatcher, then deliver the neutral replies (`bot.slack.delivery`). Acknowledgement
rules (Slack waits 3 s): commands answer in the ack when the dispatcher is quick and say "on
its way" otherwise; buttons and events ack at once, then work; form submissions are answered
in the ack (field errors keep the modal open) and slower effects follow.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass

from core.config import Settings
from handlers.dispatch import Dispatcher


@dataclass(frozen=True)
class ListenerParts:
    """What every listener needs: the settings, the dispatcher, and the pool commands run in."""

    settings: Settings
    dispatcher: Dispatcher
    commands: concurrent.futures.Executor
