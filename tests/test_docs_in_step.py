"""README, manifest.yml and .env.example must say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from core.config import DEFAULT_SLASH_COMMAND
from handlers.catalogue import build_registry
from handlers.resources.commands import SAVE_SHORTCUT

ROOT = Path(__file__).resolve().parent.parent


def test_every_command_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table_commands = set(re.findall(r"^\| `/cop ([a-z-]+)", readme, flags=re.MULTILINE))
    assert table_commands == set(build_registry().commands)


def test_manifest_matches_the_app() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == DEFAULT_SLASH_COMMAND
    assert command["should_escape"] is True  # we parse <@U123|name> mentions
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "member_joined_channel",
        "message.channels",
        "message.groups",
        "message.im",
    }
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "users:read", "files:write", "im:write"} <= scopes
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    [shortcut] = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message"
    assert (
        shortcut["callback_id"] == SAVE_SHORTCUT
    )  # what bot/slack/listeners/actions.py listens for
    assert shortcut["name"] == "Save to Catalyst library"


def test_env_example_documents_every_setting() -> None:
    source = (ROOT / "core" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:_clean|_token)\(env, "([A-Z_]+)"', source))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read
    assert read <= documented
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in read)


def test_commands_in_the_readme_can_be_typed_as_written() -> None:
    """`make run` installs into .venv/, so a bare `catalyst …` is "command not found" for
    someone following the README; only the benchmark table names the process itself."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prose = readme.split("**Benchmarks.**", 1)[0]
    assert "`catalyst " not in prose
    assert "`.venv/bin/catalyst jobs`" in prose


def test_the_package_metadata_uses_current_forms() -> None:
    """A quiet first install: an SPDX licence string, not the deprecated table."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert any(r.startswith("setuptools>=77") for r in project["build-system"]["requires"])
