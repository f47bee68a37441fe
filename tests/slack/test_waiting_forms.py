"""The forms kept behind "Open the form" when Slack's trigger ran out: found by their
person only, gone after their lifetime, and never more than a bounded number."""

from __future__ import annotations

from bot.slack import waiting_forms
from bot.slack.waiting_forms import WaitingForms
from core import ui


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def form(title: str) -> ui.Form:
    return ui.Form(form_id="membership.join", title=title, fields=())


def test_found_by_its_person_until_its_lifetime_is_over() -> None:
    clock = Ticking()
    waiting = WaitingForms(clock)
    key = waiting.keep("U1", form("Join"))
    assert waiting.find("U1", key) == form("Join")
    assert waiting.find("U1", key) == form("Join")  # not used up by a click
    assert waiting.find("U2", key) is None
    assert waiting.find("U1", "made-up") is None
    clock.now += waiting_forms.LIFETIME_SECONDS - 1
    assert waiting.find("U1", key) is not None
    clock.now += 1
    assert waiting.find("U1", key) is None


def test_the_oldest_go_first_past_the_bound() -> None:
    waiting = WaitingForms(Ticking())
    keys = [waiting.keep("U1", form(f"F{n}")) for n in range(waiting_forms.MOST_KEPT + 2)]
    assert waiting.find("U1", keys[0]) is None
    assert waiting.find("U1", keys[1]) is None
    assert waiting.find("U1", keys[2]) == form("F2")
    assert waiting.find("U1", keys[-1]) is not None


def test_the_offer_carries_the_key_on_its_one_button() -> None:
    waiting = WaitingForms(Ticking())
    offer = waiting.offer("U1", form("Join"))
    (actions,) = [b for b in offer.blocks if isinstance(b, ui.Actions)]
    (button,) = actions.elements
    assert button.action_id == waiting_forms.OPEN_ACTION
    assert waiting.find("U1", button.value) == form("Join")
