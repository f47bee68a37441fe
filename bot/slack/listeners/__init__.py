"""Bolt listeners, one module per kind of input: each has `register(app, parts)`.

Every listener is a few lines: turn Slack's payload into a `Caller` and neutral input, ask
the dispatcher, then deliver the neutral replies (`bot.slack.delivery`). Acknowledgement
rules (Slack waits 3 s): commands answer in the ack when the dispatcher is quick and say "on
its way" otherwise; buttons and events ack at once, then work; form submissions are answered
in the ack (field errors keep the modal open) and slower effects follow.

Whatever follows an ack runs `later`, in a pool of its own: Bolt starts every listener from
one pool, and a listener thread held by Web API calls (a rate limit's Retry-After can be a
minute) would leave the next request waiting there past its 3 s.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.slack.waiting_forms import WaitingForms
from core.config import Settings
from handlers.dispatch import Dispatcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListenerParts:
    """What every listener needs: the settings, the dispatcher, the pool commands run in
    against the ack budget, and the pool for what follows an ack."""

    settings: Settings
    dispatcher: Dispatcher
    commands: concurrent.futures.Executor
    after_ack: concurrent.futures.Executor
    waiting: WaitingForms  # forms whose trigger ran out, offered by a button

    def later(self, work: Callable[..., object], /, *args: Any) -> None:
        """Run `work(*args)` after the ack, off Bolt's listener threads; a failure is
        logged with its traceback (nobody else would see it)."""

        def logged() -> None:
            try:
                work(*args)
            except Exception:
                log.exception("failed after the ack, in %s", getattr(work, "__qualname__", work))

        try:
            self.after_ack.submit(logged)
        except RuntimeError:  # shut down: Catalyst is stopping and this request came late
            log.warning("stopping: the work after an ack was dropped (%s)", work)


ARRIVED_AT = "catalyst_arrived_at"  # context key: when the request reached the app


def note_arrival(app: App) -> None:
    """Record when each request arrived, where the HTTP endpoint did not already (Socket
    Mode): before Bolt's own queue for its listeners.

    Slack's 3 s are counted from the request, not from when a listener starts: on a busy
    server a listener can start a second late, and a budget counted from there is too long.
    """

    @app.middleware
    def arrived(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        if ARRIVED_AT not in context:
            context[ARRIVED_AT] = time.monotonic()
        return next()


def time_left(context: BoltContext, budget: float) -> float:
    """What is left of `budget` seconds counted from the request's arrival (never negative)."""
    arrived_at = context.get(ARRIVED_AT)
    spent = time.monotonic() - arrived_at if isinstance(arrived_at, float) else 0.0
    return max(0.0, budget - spent)
