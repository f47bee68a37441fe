"""Settings: one typed object built at start from the environment (and `.env`).

Nothing here runs at import. `load_settings` reads a mapping, so tests pass plain
dicts and the CLI passes `os.environ` merged with `.env`. Every problem names the
variable and what it should look like, because the person reading it is often a
facilitator setting Catalyst up for the first time, not a developer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core import i18n
from core.hours import DEFAULT_WINDOW, parse_window
from core.offsets import OffsetError, parse_offsets

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///catalyst.db"
DEFAULT_SLASH_COMMAND = "/cop"
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_PORT = 3000
DEFAULT_REMINDER_OFFSETS = (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
# Messages Catalyst sends per second across the whole workspace, and how many it may send at
# once after a quiet spell (a token bucket). Slack limits chat.postMessage to about one a
# second per channel and also keeps a workspace-wide limit it does not publish; Catalyst
# assumes 100 messages in any 10 s (the guard the fan-out benchmark models). A bucket lets
# through at most burst + rate x 10 = 2 + 95 = 97 in any 10 s: under 100, with 3 to spare for
# the few milliseconds each call's travel time varies by.
DEFAULT_SEND_RATE = 9.5
DEFAULT_SEND_BURST = 2

_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_DISCORD_USER_ID = re.compile(r"^[0-9]{15,21}$")  # and channel ids: every Discord id
_SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_SLASH_COMMAND = re.compile(r"^/[a-z0-9_-]{1,31}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is a sentence for a person."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = DEFAULT_PORT
    slash_command: str = DEFAULT_SLASH_COMMAND
    timezone: str = DEFAULT_TIMEZONE
    # The community's own language: channel posts, and anyone who hasn't chosen theirs.
    language: str = "en"
    facilitators: frozenset[str] = field(default_factory=frozenset)
    log_level: str = "INFO"
    reminder_offsets: tuple[timedelta, ...] = DEFAULT_REMINDER_OFFSETS
    channel: str | None = None
    reflection_delay: timedelta = timedelta(hours=1)
    nudge_delay: timedelta = timedelta(days=3)
    # When facilitators' broadcasts by DM may arrive, in each member's own timezone.
    delivery_hours: str = "08:00-20:00"
    send_rate: float = DEFAULT_SEND_RATE
    send_burst: int = DEFAULT_SEND_BURST
    # Discord (issue 15): the bot token turns the adapter on; the application id and a guild
    # id are optional (a guild id registers /cop to that server at once, not globally).
    discord_bot_token: str | None = None
    discord_application_id: str | None = None
    discord_guild_id: str | None = None
    # Where discord.py's REST calls go (and whose /gateway/bot names the gateway); None in
    # production, a proxy's or the test fake's address otherwise.
    discord_api_url: str | None = None

    @property
    def has_discord(self) -> bool:
        return self.discord_bot_token is not None

    def channel_on(self, platform: str) -> str | None:
        """CATALYST_CHANNEL where it can be a channel of this platform: a Slack ID on Slack,
        a Discord id on Discord, as typed elsewhere (the console). One process can serve a
        Slack workspace and a Discord server; the one variable names a channel of only one,
        and the other uses its own (`catalyst community set --channel`)."""
        channel = self.channel
        if channel is None or platform not in ("slack", "discord"):
            return channel
        fits = _SLACK_CHANNEL_ID if platform == "slack" else _DISCORD_USER_ID
        return channel if fits.match(channel) else None

    @property
    def has_slack(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def command_word(self) -> str:
        """The slash command without its slash, for the console and help text."""
        return self.slash_command.lstrip("/")


def _clean(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _token(env: Mapping[str, str], name: str, prefix: str, what: str) -> str | None:
    value = _clean(env, name)
    if value is not None and (not value.startswith(prefix) or " " in value):
        raise ConfigError(
            f"{name} should be the {what}, which starts with '{prefix}' (Slack app settings → "
            f"{'Basic Information' if prefix == 'xapp-' else 'OAuth & Permissions'})."
        )
    return value


def _database_url(raw: str) -> str:
    try:
        url: URL = make_url(raw)
    except (ArgumentError, ValueError):
        raise ConfigError(
            "DATABASE_URL should look like sqlite:///catalyst.db or "
            "postgresql://user:password@host:5432/dbname."
        ) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ConfigError(
            f"DATABASE_URL uses '{backend}', but Catalyst supports sqlite:/// and "
            "postgresql:// only."
        )
    return url.render_as_string(hide_password=False)


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build and validate settings; raise ConfigError with a sentence on the first problem."""
    bot_token = _token(env, "SLACK_BOT_TOKEN", "xoxb-", "bot token")
    app_token = _token(env, "SLACK_APP_TOKEN", "xapp-", "app-level token (Socket Mode)")
    signing_secret = _clean(env, "SLACK_SIGNING_SECRET")
    if signing_secret is not None and not re.fullmatch(r"[0-9A-Za-z]{16,128}", signing_secret):
        raise ConfigError(
            "SLACK_SIGNING_SECRET should be the signing secret from Slack app settings → "
            "Basic Information (letters and digits, usually 32 characters)."
        )
    if app_token and not bot_token:
        raise ConfigError(
            "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: add the bot token "
            "(xoxb-…) from Slack app settings → OAuth & Permissions."
        )
    if bot_token and not app_token and not signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is needed in HTTP mode: copy it from Slack app settings → "
            "Basic Information, or set SLACK_APP_TOKEN to use Socket Mode instead."
        )

    api_url = _clean(env, "SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise ConfigError(
            "SLACK_API_URL should be a web address like https://slack.com/api/ (leave it unset "
            "unless you use a proxy)."
        )
    if not api_url.endswith("/"):
        api_url += "/"

    port_text = _clean(env, "PORT") or str(DEFAULT_PORT)
    if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 1 <= int(port_text) <= 65535:
        raise ConfigError(f"PORT should be a number between 1 and 65535, not '{port_text}'.")

    slash = _clean(env, "CATALYST_SLASH_COMMAND") or DEFAULT_SLASH_COMMAND
    if not slash.startswith("/"):
        slash = "/" + slash
    if not _SLASH_COMMAND.match(slash):
        raise ConfigError(
            "CATALYST_SLASH_COMMAND should be a slash command like /cop: lower-case letters, "
            "digits, - or _, at most 32 characters."
        )

    tz_name = _clean(env, "CATALYST_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"CATALYST_TIMEZONE should be a timezone name like Europe/London, not '{tz_name}'."
        ) from None

    language_raw = _clean(env, "CATALYST_LANGUAGE") or "en"
    language = i18n.normalise(language_raw)
    if language is None:
        raise ConfigError(
            f"CATALYST_LANGUAGE should be one of {', '.join(i18n.available())}, not "
            f"'{language_raw}'."
        )

    facilitators_raw = _clean(env, "CATALYST_FACILITATORS") or ""
    facilitators = frozenset(p.strip() for p in facilitators_raw.split(",") if p.strip())
    bad = sorted(
        p for p in facilitators if not (_SLACK_USER_ID.match(p) or _DISCORD_USER_ID.match(p))
    )
    if bad:
        raise ConfigError(
            "CATALYST_FACILITATORS should be Slack member IDs or Discord user ids separated by "
            "commas, like U012ABCDEF,U034GHIJKL (in Slack: profile → ⋮ → Copy member ID; in "
            f"Discord: right-click a name → Copy User ID); '{bad[0]}' isn't one."
        )

    try:
        offsets = parse_offsets(_clean(env, "CATALYST_REMINDER_OFFSETS") or "7d,1d,1h")
    except OffsetError as problem:
        raise ConfigError(
            f"CATALYST_REMINDER_OFFSETS should look like 7d,1d,1h (days, hours or minutes "
            f"before a session): {problem}"
        ) from None
    channel = _clean(env, "CATALYST_CHANNEL")
    if channel is not None and not (
        _SLACK_CHANNEL_ID.match(channel) or _DISCORD_USER_ID.match(channel)
    ):
        raise ConfigError(
            "CATALYST_CHANNEL should be a Slack channel ID like C0123456789 (in Slack: open "
            "the channel → its name → the ID is at the bottom of the About tab) or a Discord "
            "channel id (right-click the channel → Copy Channel ID)."
        )
    delays: dict[str, timedelta] = {}
    for name, default in (("CATALYST_REFLECTION_DELAY", "1h"), ("CATALYST_NUDGE_DELAY", "3d")):
        try:
            (delays[name],) = parse_offsets(_clean(env, name) or default)
        except (OffsetError, ValueError):
            raise ConfigError(
                f"{name} should be one length of time like {default} (d, h or m)."
            ) from None

    hours = _clean(env, "CATALYST_DELIVERY_HOURS") or DEFAULT_WINDOW
    if parse_window(hours) is None:
        raise ConfigError(
            "CATALYST_DELIVERY_HOURS should be a window like 08:00-20:00 (24-hour, the start "
            "before the end): broadcasts by DM arrive then, in each member's own timezone."
        )
    rate_text = _clean(env, "CATALYST_SEND_RATE") or str(DEFAULT_SEND_RATE)
    try:
        send_rate = float(rate_text)
    except ValueError:
        send_rate = 0.0
    if not 0.01 <= send_rate <= 1000:
        raise ConfigError(
            "CATALYST_SEND_RATE should be how many messages a second Catalyst may send across "
            f"the workspace, like {DEFAULT_SEND_RATE} (between 0.01 and 1000), not '{rate_text}'."
        )
    burst_text = _clean(env, "CATALYST_SEND_BURST") or str(DEFAULT_SEND_BURST)
    if not re.fullmatch(r"[0-9]{1,4}", burst_text) or int(burst_text) < 1:
        raise ConfigError(
            "CATALYST_SEND_BURST should be how many messages Catalyst may send at once after a "
            f"quiet spell, a whole number like {DEFAULT_SEND_BURST} (at least 1), "
            f"not '{burst_text}'."
        )

    discord_token = _clean(env, "DISCORD_BOT_TOKEN")
    if discord_token is not None and (" " in discord_token or discord_token.startswith("Bot")):
        raise ConfigError(
            "DISCORD_BOT_TOKEN should be the bot's token alone (Discord Developer Portal → "
            "your application → Bot → Reset Token), without 'Bot ' in front and without spaces."
        )
    discord_ids: dict[str, str | None] = {}
    for name, where in (
        ("DISCORD_APPLICATION_ID", "General Information → Application ID"),
        ("DISCORD_GUILD_ID", "right-click the server → Copy Server ID, with Developer Mode on"),
    ):
        value = _clean(env, name)
        if value is not None and not re.fullmatch(r"[0-9]{1,21}", value):
            raise ConfigError(f"{name} should be a Discord id, digits only ({where}).")
        discord_ids[name] = value
    discord_api = _clean(env, "DISCORD_API_URL")
    if discord_api is not None and not re.match(r"^https?://[^\s/]+", discord_api):
        raise ConfigError(
            "DISCORD_API_URL should be a web address like https://discord.com/api/v10 (leave it "
            "unset unless you use a proxy)."
        )

    level = (_clean(env, "LOG_LEVEL") or "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("LOG_LEVEL should be one of DEBUG, INFO, WARNING or ERROR.")

    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=app_token,
        slack_api_url=api_url,
        database_url=_database_url(_clean(env, "DATABASE_URL") or DEFAULT_DATABASE_URL),
        port=int(port_text),
        slash_command=slash,
        timezone=tz_name,
        language=language,
        facilitators=facilitators,
        log_level=level,
        reminder_offsets=offsets,
        channel=channel,
        reflection_delay=delays["CATALYST_REFLECTION_DELAY"],
        nudge_delay=delays["CATALYST_NUDGE_DELAY"],
        delivery_hours=hours,
        send_rate=send_rate,
        send_burst=int(burst_text),
        discord_bot_token=discord_token,
        discord_application_id=discord_ids["DISCORD_APPLICATION_ID"],
        discord_guild_id=discord_ids["DISCORD_GUILD_ID"],
        discord_api_url=discord_api.rstrip("/") if discord_api else None,
    )
