"""Forms that could not open in time, kept a few minutes behind an "Open the form" button.

Slack opens a modal only with a trigger_id less than 3 s old, used once. When the work
behind a command or click took longer (a busy server), the trigger has gone: the form is
kept here and offered by a button, whose click brings a fresh trigger. Kept in memory only:
after a restart the click says the form has expired, and the person types the command again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from core import ui
from core.i18n import _

OPEN_ACTION = "slack.open_waiting_form"  # untranslated: an action id, handled in bot/slack
LIFETIME_SECONDS = 15 * 60
MOST_KEPT = 1000  # a bound on memory whatever happens: the oldest goes first


class WaitingForms:
    """Forms waiting for their person's click, by key; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._forms: OrderedDict[str, tuple[str, ui.Form, float]] = OrderedDict()

    def keep(self, user_id: str, form: ui.Form) -> str:
        key = secrets.token_urlsafe(12)
        with self._lock:
            self._forget_expired()
            self._forms[key] = (user_id, form, self._clock() + LIFETIME_SECONDS)
            while len(self._forms) > MOST_KEPT:
                self._forms.popitem(last=False)
        return key

    def find(self, user_id: str, key: str) -> ui.Form | None:
        """The form kept for this person under `key`; None when expired or someone else's.
        Not used up: a click whose modal fails to open can be clicked again."""
        with self._lock:
            self._forget_expired()
            kept = self._forms.get(key)
        if kept is None or kept[0] != user_id:
            return None
        return kept[1]

    def offer(self, user_id: str, form: ui.Form) -> ui.Message:
        """The message with the button that opens `form` (in the reader's language: the
        caller sets it)."""
        body = ui.text("Your form is ready.")
        return ui.Message(
            summary=body.plain(),
            blocks=(
                ui.Section(body),
                ui.Actions(
                    (
                        ui.Button(
                            _("Open the form"),
                            OPEN_ACTION,
                            value=self.keep(user_id, form),
                            style="primary",
                        ),
                    )
                ),
            ),
        )

    def _forget_expired(self) -> None:
        # Kept in the order they were made, all for the same time: the expired are first.
        now = self._clock()
        while self._forms and next(iter(self._forms.values()))[2] <= now:
            self._forms.popitem(last=False)
