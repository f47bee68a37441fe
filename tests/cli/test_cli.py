"""The `catalyst` command, in-process through `bot.cli.main` and once as the installed script.

Every test runs in an empty working directory with Catalyst's variables removed from the
environment, so neither a developer's `.env` nor their shell settings leak in. Tests whose
names end in `_bug` describe behaviour the command should have and currently doesn't.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.cli import main
from core import migrate
from core.db import make_engine

CATALYST_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DISCORD_BOT_TOKEN",
    "DISCORD_APPLICATION_ID",
    "DISCORD_GUILD_ID",
    "DISCORD_API_URL",
    "DATABASE_URL",
    "PORT",
    "CATALYST_SLASH_COMMAND",
    "CATALYST_TIMEZONE",
    "CATALYST_FACILITATORS",
    "LOG_LEVEL",
)
README = Path(__file__).resolve().parents[2] / "README.md"


class TerminalInput(io.StringIO):
    """Typed input that says it comes from a terminal, as sys.stdin does in a real shell."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in CATALYST_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return tmp_path


def exit_code(run: Callable[[], int]) -> int:
    """main()'s return value, or the code it exits with."""
    try:
        return run()
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1


def no_traceback(run: Callable[[], int]) -> int:
    """Like exit_code, but an exception escaping main() fails the test with what escaped."""
    try:
        return exit_code(run)
    except Exception as error:
        pytest.fail(f"`catalyst` let an exception escape instead of a sentence: {error!r}")


# ---- run ----------------------------------------------------------------------------------------


def test_run_without_slack_token_points_to_console_and_readme(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = exit_code(lambda: main(["run"]))

    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code != 0
    assert len(lines) == 1, captured.err
    assert "SLACK_BOT_TOKEN" in lines[0]
    assert "`catalyst shell`" in lines[0]
    assert "README" in lines[0]
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert not (tmp_path / "catalyst.db").exists(), "nothing is created when it can't start"


def test_readme_has_the_section_the_run_message_points_to() -> None:
    # `catalyst run` without a token sends people to “Connect Catalyst to Slack” in the README.
    assert README.is_file(), f"{README} is missing"
    assert "Connect Catalyst to Slack" in README.read_text(encoding="utf-8")


def test_run_with_console_fallback_at_a_terminal_opens_the_console(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", TerminalInput("help\n:quit\n"))

    code = exit_code(lambda: main(["run", "--console-fallback"]))

    captured = capsys.readouterr()
    assert code == 0
    # It says what it is doing, not to type a command for what it is already doing.
    assert "here is the local console instead" in captured.err
    assert "catalyst shell" not in captured.err
    assert "Catalyst — local console" in captured.out
    assert "What you can do with Catalyst" in captured.out


# ---- configuration problems -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "abc"),
        ("DATABASE_URL", "mysql://root@localhost/catalyst"),
        ("SLACK_BOT_TOKEN", "not-a-token"),
        ("CATALYST_FACILITATORS", "amina"),
        ("CATALYST_TIMEZONE", "Mars/Olympus"),
    ],
)
@pytest.mark.parametrize("command", [["run"], ["shell"], ["db", "upgrade"]], ids=" ".join)
def test_malformed_variable_exits_2_with_a_sentence_naming_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    command: list[str],
) -> None:
    monkeypatch.setenv(variable, value)

    code = no_traceback(lambda: main(command))

    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("Catalyst can't start: ")
    assert variable in captured.err
    assert "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_dotenv_in_working_directory_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("PORT=abc\n", encoding="utf-8")
    assert exit_code(lambda: main(["db", "current"])) == 2
    assert "PORT" in capsys.readouterr().err

    monkeypatch.setenv("PORT", "8080")
    assert exit_code(lambda: main(["db", "current"])) == 0
    assert capsys.readouterr().out == "Database revision: empty.\n"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:///no-such-folder/catalyst.db", id="sqlite-missing-folder"),
        pytest.param("postgresql://catalyst@127.0.0.1:1/catalyst", id="postgresql-refused"),
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["shell"]], ids=" ".join)
def test_unreachable_database_gets_a_sentence_not_a_traceback_bug(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    command: list[str],
) -> None:
    # cmd_db and cmd_shell let sqlalchemy's OperationalError escape as a stack trace.
    monkeypatch.setenv("DATABASE_URL", url)

    code = no_traceback(lambda: main(command))

    assert code != 0
    assert "DATABASE_URL" in capsys.readouterr().err


# ---- db --------------------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_and_is_idempotent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert exit_code(lambda: main(["db", "current"])) == 0
    assert capsys.readouterr().out == "Database revision: empty.\n"

    for _ in range(2):
        assert exit_code(lambda: main(["db", "upgrade"])) == 0
        captured = capsys.readouterr()
        assert captured.out == f"Database is up to date (revision {migrate.head_revision()}).\n"
        assert captured.err == ""

    engine = make_engine(database_url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"communities", "members", "membership_events", "processed_events"} <= tables
    finally:
        engine.dispose()
    assert exit_code(lambda: main(["db", "current"])) == 0
    assert capsys.readouterr().out == f"Database revision: {migrate.head_revision()}.\n"


def test_db_upgrade_defaults_to_catalyst_db_in_the_working_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert exit_code(lambda: main(["db", "upgrade"])) == 0

    assert f"revision {migrate.head_revision()}" in capsys.readouterr().out
    assert (tmp_path / "catalyst.db").is_file()


def test_installed_entry_point_upgrades_the_database(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("catalyst")
    assert script.is_file(), f"the `catalyst` script is not installed next to {sys.executable}"
    env = {k: v for k, v in os.environ.items() if k not in CATALYST_VARIABLES}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'entry.db'}"

    result = subprocess.run(
        [str(script), "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Database is up to date (revision {migrate.head_revision()}).\n"
    assert (tmp_path / "entry.db").is_file()


# ---- shell --------------------------------------------------------------------------------------


def test_shell_reads_piped_input_and_prints_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("help\n:quit\n"))

    code = exit_code(lambda: main(["shell"]))

    captured = capsys.readouterr()
    assert code == 0
    assert "Catalyst — local console" in captured.out
    assert "What you can do with Catalyst" in captured.out
    assert "/cop join" in captured.out
    assert captured.out.rstrip().endswith("Bye for now.")
    assert "\x1b[" not in captured.out, "no colour codes when stdout is not a terminal"
    assert captured.err == ""


def test_shell_as_option_and_custom_slash_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CATALYST_SLASH_COMMAND", "/circle")
    monkeypatch.setattr(sys, "stdin", io.StringIO("/circle help\n"))

    code = exit_code(lambda: main(["shell", "--as", "Sam"]))

    out = capsys.readouterr().out
    assert code == 0
    assert "You are acting as 'Sam'." in out
    assert "/circle join" in out
    assert "What you can do with Catalyst" in out
