"""The console in French and Arabic: the member's replies, the forms' questions and the
console's own prompts follow the language they chose, in the middle of a session."""

from __future__ import annotations

from pathlib import Path

from bot.wiring import Runtime
from core import i18n
from tests.console.test_shell import flat, join_answers, joined, run_console


def said(code: str, msgid: str, **values: object) -> str:
    with i18n.speaking(code):
        text = i18n.without_marks(i18n.t(msgid, **values))
    assert code == "en" or text != msgid, f"{code} has no entry for {msgid!r}"
    return " ".join(text.split())


def test_a_member_switches_to_french_and_the_console_follows(
    runtime: Runtime, tmp_path: Path
) -> None:
    lines = [*join_answers(), "language fr", "profile", "join", "cancel", "sessions", ":quit"]
    code, output = run_console(runtime, tmp_path, lines)
    assert code == 0, output
    shown = flat(i18n.without_marks(output))
    assert joined(runtime).language == "fr"
    # After the switch: replies, the form's questions and the console's own prompts.
    assert said("fr", "Edit profile") in shown
    keeps = "Enter keeps [what is shown]; - clears an optional answer; `cancel` stops."
    assert said("fr", keeps) in shown
    assert (
        said(
            "fr", "Nothing is planned just yet. I'll remind you as soon as the next session is set."
        )
        in shown
    )
    assert said("fr", "Cancelled; nothing was saved.") in shown


def test_an_arabic_member_gets_arabic_in_the_console(runtime: Runtime, tmp_path: Path) -> None:
    answers = join_answers()
    answers[8] = "العربية"  # the language Catalyst writes in, by its own name
    code, output = run_console(runtime, tmp_path, [*answers, "help", ":quit"])
    assert code == 0, output
    assert joined(runtime).language == "ar"
    shown = flat(i18n.without_marks(output))
    assert said("ar", "Upcoming sessions: say if you're coming in one click") in shown
    # Arabic lines are marked right-to-left for the terminal too.
    assert i18n.RLI in output
