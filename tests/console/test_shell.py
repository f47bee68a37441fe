"""The console end to end: the real input loop, dispatcher and database, on both engines.

Each test writes what a person would type, one line per answer, runs `Console.run()` until
the input ends, and checks what was printed and what the database holds. Tests whose names
end in `_bug` describe behaviour the console should have and currently doesn't.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console.shell import COMMUNITY, PLATFORM, Console, user_id_for
from bot.wiring import Runtime
from core.db import unit_of_work
from core.membership import service as membership
from core.models import Community, Member
from tests.conftest import table_counts

Typist = Callable[[Sequence[str]], str]

AGREEMENT = "I agree to the ground rules and privacy notice [y/n, now n]"
NOT_JOINED = "You haven't joined yet. Type /cop join to join."
FACILITATORS_ONLY = "Only facilitators can do that."
NO_BUTTON = "There's no button with that number."


def script(lines: Sequence[str]) -> str:
    """What a person types: one line per entry, each ended by Enter."""
    return "".join(line + "\n" for line in lines)


def flat(output: str) -> str:
    """The output with line wrapping and column padding collapsed to single spaces."""
    return " ".join(output.split())


def run_console(runtime: Runtime, exports: Path, lines: Sequence[str]) -> tuple[int, str]:
    stdout = io.StringIO()
    console = Console(
        dispatcher=runtime.dispatcher(),
        settings=runtime.settings,
        stdin=io.StringIO(script(lines)),
        stdout=stdout,
        exports_dir=exports,
    )
    code = console.run()
    return code, stdout.getvalue()


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    return tmp_path / "exports"


@pytest.fixture
def type_lines(runtime: Runtime, exports: Path) -> Typist:
    """Run one console session over these lines; it must end cleanly (exit code 0)."""

    def run(lines: Sequence[str]) -> str:
        code, output = run_console(runtime, exports, lines)
        assert code == 0, output
        return output

    return run


def join_answers(
    name: str = "Amina Yusuf", *, organisation: str = "Refugee Action Now", lived: str = "y"
) -> list[str]:
    """`join` and a valid answer to every question, in the form's order."""
    return [
        "join",
        name,  # text
        "she/her",  # optional text
        organisation,
        "3",  # organisation size, by number: £100k–£1m
        "2",  # role, by number: Manager
        "1,4",  # themes: Anti-racism, Lived experience leadership
        "1, 2",  # languages: English, Arabic (replacing the prefilled English)
        "",  # the language Catalyst writes in: keep the community's (English)
        "",  # timezone: keep the community's (Europe/London)
        "",  # peer coaching: keep Monthly
        lived,  # private matching preference
        "n",  # an action learning set: not now
        "y",  # agreement
    ]


def stored_member(runtime: Runtime, persona: str) -> Member | None:
    with unit_of_work(runtime.session_factory) as session:
        community = session.scalars(
            select(Community).where(
                Community.platform == PLATFORM, Community.external_id == COMMUNITY
            )
        ).first()
        if community is None:
            return None
        return membership.find(session, community, user_id_for(persona))


def joined(runtime: Runtime, persona: str = "you") -> Member:
    member = stored_member(runtime, persona)
    assert member is not None, f"{persona} should have joined"
    return member


# ---- the loop -------------------------------------------------------------------------------


def test_banner_explains_the_console_extras(type_lines: Typist) -> None:
    output = flat(type_lines([]))

    assert "Catalyst — local console" in output
    assert "`/cop join` or just `join`" in output
    assert "`:as Sam` to act as someone else" in output
    assert "`:facilitator` to switch your facilitator role on or off" in output
    assert "`:home` for the home page" in output
    assert "`:quit` to leave" in output
    assert "You are acting as 'you'." in output


def test_help_and_slash_help_both_list_what_you_can_do(type_lines: Typist) -> None:
    for line in ("help", "/cop help", "/COP help", "/cop"):
        output = flat(type_lines([line]))
        assert "What you can do with Catalyst" in output, line
        assert "/cop join — Join the community" in output, line
        assert "/cop members" not in output, "facilitator commands are hidden from members"


def test_unknown_word_gets_did_you_mean(type_lines: Typist) -> None:
    output = flat(type_lines(["jion", "/slack help"]))

    assert "I don't know “jion”. Did you mean /cop join?" in output
    assert "In this console the command is /cop; try `/cop help`." in output


def test_end_of_input_without_quit_exits_zero(runtime: Runtime, exports: Path) -> None:
    code, output = run_console(runtime, exports, ["help"])
    assert code == 0
    assert "Bye for now." not in output

    code, output = run_console(runtime, exports, ["help", ":quit", "this is never read"])
    assert code == 0
    assert output.rstrip().endswith("Bye for now.")


def test_end_of_input_mid_form_exits_zero_and_saves_nothing(
    runtime: Runtime, exports: Path
) -> None:
    code, _ = run_console(runtime, exports, ["join", "Amina Yusuf", "she/her"])

    assert code == 0
    assert stored_member(runtime, "you") is None


def test_button_number_out_of_range_gets_a_sentence(type_lines: Typist) -> None:
    output = flat(type_lines(["1", ":home", "2", "0", "99999999999999999999"]))

    assert "[1] Join" in output
    assert output.count(f"{NO_BUTTON} Type `help` to see what you can do.") == 4


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(["²"], id="at-the-prompt"),
        pytest.param(["join", "Amina", "", "Org", "²"], id="in-a-numbered-select"),
    ],
)
def test_superscript_digit_gets_a_sentence_not_a_crash_bug(
    type_lines: Typist, lines: list[str]
) -> None:
    # "²".isdigit() is True but int("²") raises ValueError, which escapes Console.run().
    output = flat(type_lines(lines))

    assert NO_BUTTON in output or "Please type a number from 1 to 6." in output


# ---- joining ----------------------------------------------------------------------------------


def test_join_answered_field_by_field_stores_the_member(
    runtime: Runtime, type_lines: Typist
) -> None:
    answers = join_answers()
    answers[8] = "English"  # the language Catalyst writes in, by its name
    answers[9] = "4"  # timezone by number: Europe/Paris
    answers[10] = "Every two weeks"  # peer coaching by label
    output = flat(type_lines([*answers, "profile"]))

    assert "Join the community" in output
    assert "Ground rules" in output
    assert "Privacy notice" in output
    assert "Welcome, Amina Yusuf!" in output
    assert "Name Amina Yusuf Pronouns she/her Organisation Refugee Action Now" in output
    member = joined(runtime)
    assert member.display_name == "Amina Yusuf"
    assert member.pronouns == "she/her"
    assert member.organisation == "Refugee Action Now"
    assert member.org_size == "100k_1m"
    assert member.role_level == "manager"
    assert member.themes == ["Anti-racism", "Lived experience leadership"]
    assert member.languages == ["en", "ar"]
    assert member.language == "en"
    assert member.timezone == "Europe/Paris"
    assert member.pairing_cadence == "fortnightly"
    assert member.lived_experience_match is True
    assert member.role == "member"
    assert member.status == "active"


def test_home_page_join_button_opens_the_form(runtime: Runtime, type_lines: Typist) -> None:
    output = flat(type_lines([":home", "1", *join_answers()[1:], ":home"]))

    assert "Welcome to Catalyst" in output
    assert "Hello, Amina Yusuf" in output
    assert joined(runtime).organisation == "Refugee Action Now"


def test_invalid_numbered_select_asks_again(runtime: Runtime, type_lines: Typist) -> None:
    answers = join_answers()
    answers[6:7] = ["1,99", "1,4"]  # themes
    answers[4:5] = ["99", "abc", "3"]  # organisation size
    output = flat(type_lines(answers))

    assert output.count("Please type a number from 1 to 6.") == 2
    assert "Please type numbers from 1 to 6, like 1,3." in output
    assert "Welcome, Amina Yusuf!" in output
    assert joined(runtime).org_size == "100k_1m"
    assert joined(runtime).themes == ["Anti-racism", "Lived experience leadership"]


def test_unticked_agreement_asks_only_that_again_then_joins(
    runtime: Runtime, type_lines: Typist
) -> None:
    answers = join_answers()
    answers[-1] = "n"
    output = flat(type_lines([*answers, "y"]))

    assert "To join, please tick that you agree to the ground rules and privacy notice." in output
    assert output.count("Your name") == 1
    assert output.count("Organisation size") == 1
    assert output.count(AGREEMENT) == 2
    assert "Welcome, Amina Yusuf!" in output
    assert joined(runtime).consent_version


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(["Amina Yusuf", "cancel"], id="at-a-text-question"),
        pytest.param(["Amina Yusuf", "", "Org", ":cancel"], id="at-a-numbered-select"),
        pytest.param(["Amina Yusuf", "", "Org", "3", "2", "1", "", "", "", "CANCEL"], id="late"),
    ],
)
def test_cancel_mid_form_saves_nothing(
    runtime: Runtime, type_lines: Typist, answers: list[str]
) -> None:
    type_lines(["help"])  # the community exists from the first request on
    before = table_counts(runtime)

    output = flat(type_lines(["join", *answers, "profile"]))

    assert "Cancelled; nothing was saved." in output
    assert NOT_JOINED in output
    assert table_counts(runtime) == before


def test_rejoining_after_leaving_prefills_the_form_bug(
    runtime: Runtime, type_lines: Typist
) -> None:
    # handlers/membership.py join_command passes None instead of the member who left.
    type_lines(join_answers())
    output = flat(type_lines(["leave", "1", "join", "cancel"]))

    assert "You've left the community" in output
    assert "Your name [Amina Yusuf]:" in output


# ---- editing the profile ----------------------------------------------------------------------


def test_enter_keeps_prefilled_values_when_editing_via_the_numbered_button(
    runtime: Runtime, type_lines: Typist
) -> None:
    type_lines(join_answers())
    before = joined(runtime)

    output = flat(type_lines(["profile", "1", *[""] * 13]))  # the last: the newsletter

    assert "[1] Edit profile" in output
    assert "Your name [Amina Yusuf]:" in output
    assert "Pronouns (optional) [she/her]:" in output
    assert AGREEMENT not in output, "members who already agreed are not asked again"
    assert "Your profile is saved, Amina Yusuf." in output
    after = joined(runtime)
    for column in (
        "display_name",
        "pronouns",
        "organisation",
        "org_size",
        "role_level",
        "themes",
        "languages",
        "timezone",
        "pairing_cadence",
        "lived_experience_match",
    ):
        assert getattr(after, column) == getattr(before, column), column


def test_editing_changes_what_is_typed_and_dash_clears_an_optional_answer(
    runtime: Runtime, type_lines: Typist
) -> None:
    type_lines(join_answers())

    type_lines(["profile", "1", "", "-", "Safe Passage", "", "", "", "", "", "", "", "n", "", ""])

    member = joined(runtime)
    assert member.display_name == "Amina Yusuf"
    assert member.pronouns is None
    assert member.organisation == "Safe Passage"
    assert member.lived_experience_match is False


def test_optional_multi_select_can_be_emptied_when_editing_bug(
    runtime: Runtime, type_lines: Typist
) -> None:
    # "-" empties an optional text answer, but the themes question only takes numbers, so
    # a member who once picked themes can never go back to none.
    type_lines(join_answers())

    type_lines(["profile", "1", "", "", "", "", "", "-", "", "", "", "", "", "", ""])

    assert joined(runtime).themes == []


def test_unclear_checkbox_answer_asks_again_bug(runtime: Runtime, type_lines: Typist) -> None:
    # Anything but y/yes silently reads as "no", so a typo turns a sensitive preference off.
    answers = join_answers(lived="yse")
    answers.insert(-2, "y")  # the answer the person gives when asked again

    type_lines(answers)

    assert joined(runtime).lived_experience_match is True


# ---- personas, facilitators, mentions --------------------------------------------------------


def test_as_switches_persona(runtime: Runtime, type_lines: Typist) -> None:
    type_lines(join_answers())

    output = flat(type_lines([":as Sam", "profile", ":who", ":as", ":as you", "profile"]))

    assert "You are now acting as 'Sam'." in output
    assert "Sam> " in output
    assert NOT_JOINED in output
    assert "You are 'Sam' (console-sam)" in output
    assert "Give a name to act as, like `:as Sam`." in output
    assert "Name Amina Yusuf" in output.split("You are now acting as 'you'.")[1]
    assert stored_member(runtime, "Sam") is None


def test_facilitator_toggle_switches_access_to_members(type_lines: Typist) -> None:
    type_lines(join_answers())

    output = flat(type_lines(["members", ":facilitator", "members", ":facilitator", "members"]))

    first, on, off = output.split("acting as a facilitator.")
    assert FACILITATORS_ONLY in first
    assert "Members (1)" in on
    assert "Amina Yusuf (she/her) · Refugee Action Now" in on
    assert FACILITATORS_ONLY in off


def test_facilitator_toggle_off_after_joining_removes_access_bug(type_lines: Typist) -> None:
    # Joining while the toggle is on stores role=facilitator, so switching it off afterwards
    # says "no longer acting as a facilitator" but `members` still works.
    output = flat(type_lines([":facilitator", *join_answers(), ":facilitator", "members"]))

    after_toggle_off = output.split("is no longer acting as a facilitator.")[1]
    assert FACILITATORS_ONLY in after_toggle_off


def test_facilitator_grants_role_by_typed_mention(runtime: Runtime, type_lines: Typist) -> None:
    type_lines([":as Amina", *join_answers()])

    output = flat(
        type_lines([":as Sam", ":facilitator", "role grant @Amina facilitator", ":as Amina"])
    )

    assert "Amina Yusuf is now a facilitator." in output
    assert joined(runtime, "Amina").role == "facilitator"
    assert stored_member(runtime, "Sam") is None
    output = flat(type_lines([":as Amina", "members"]))
    assert "Members (1)" in output
    assert "· facilitator" in output


def test_mention_of_a_persona_with_a_space_uses_dashes(
    runtime: Runtime, type_lines: Typist
) -> None:
    type_lines([":as Amina Yusuf", *join_answers()])

    output = flat(type_lines([":facilitator", "role grant @Amina-Yusuf facilitator"]))

    assert "Amina Yusuf is now a facilitator." in output
    assert joined(runtime, "Amina Yusuf").role == "facilitator"


# ---- my data and forget me -------------------------------------------------------------------


def test_forget_me_confirmed_erases_everything(runtime: Runtime, type_lines: Typist) -> None:
    type_lines(join_answers())
    before = table_counts(runtime)

    output = flat(type_lines(["forget-me", "1", "y", "my-data"]))

    assert "[1] Erase my data [2] Keep my data" in output
    assert "Erase your data? This deletes everything Catalyst holds about you. [y/N]" in output
    assert "Done: everything Catalyst held about you has been erased." in output
    assert "Catalyst holds nothing about you" in output
    assert stored_member(runtime, "you") is None
    after = table_counts(runtime)
    assert after["members"] == before["members"] - 1
    assert after["membership_events"] == before["membership_events"] + 1  # anonymous count


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(["1", "N"], id="no"),
        pytest.param(["1", ""], id="enter"),
        pytest.param(["1", "cancel"], id="cancel"),
        pytest.param(["2"], id="keep-button"),
    ],
)
def test_forget_me_declined_changes_nothing(
    runtime: Runtime, type_lines: Typist, lines: list[str]
) -> None:
    type_lines(join_answers())
    before = table_counts(runtime)

    output = flat(type_lines(["forget-me", *lines]))

    assert "Okay, nothing changed." in output
    assert table_counts(runtime) == before
    assert joined(runtime).organisation == "Refugee Action Now"


def test_my_data_json_button_writes_a_file(
    runtime: Runtime, type_lines: Typist, exports: Path
) -> None:
    type_lines(join_answers())

    output = flat(type_lines(["my-data", "1"]))

    assert "What Catalyst holds about you" in output
    assert "you work at Refugee Action Now" in output
    assert "[1] Send me this as a JSON file" in output
    path = exports / "console-you-catalyst-my-data.json"
    assert f"Saved to {path}." in output
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["profile"]["organisation"] == "Refugee Action Now"
    assert data["profile"]["platform_user_id"] == "console-you"


# ---- escape sequences ---------------------------------------------------------------------------


def test_display_name_with_escape_sequence_is_printed_without_it(
    runtime: Runtime, type_lines: Typist
) -> None:
    output = type_lines([*join_answers("\x1b[31mRed"), "profile", ":facilitator", "members"])

    assert "\x1b" not in output
    assert "Red" in flat(output)
    assert "\x1b" not in joined(runtime).display_name


def test_persona_with_escape_sequence_is_printed_without_it_bug(type_lines: Typist) -> None:
    # shell.py prints the persona raw in ":as" replies, ":who" and the prompt.
    output = type_lines([":as \x1b[31mRed", ":who"])

    assert "Red" in output
    assert "\x1b" not in output


def test_rejected_answer_is_shown_again_without_escape_sequence_bug(type_lines: Typist) -> None:
    # After a field error the previous answer is shown raw in [brackets] when asked again.
    answers = join_answers("\x1b[31m" + "R" * 90)
    answers.append("Red")  # the name, asked again
    output = type_lines(answers)

    assert "Please keep your name to 80 characters or fewer." in output
    assert "\x1b" not in output
