"""What a handler knows about the request it is answering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.clock import Clock
from core.config import Settings
from core.errors import NotAMember
from core.i18n import t
from core.models import Community, Member, Role


@dataclass(frozen=True)
class PlatformProfile:
    """What the chat platform knows about a person, used to prefill forms."""

    name: str | None
    timezone: str | None
    # The person's platform language as the platform writes it ("fr-FR"), if it says.
    locale: str | None = None


class Directory(Protocol):
    """A port to the platform's people directory (Slack: users.info)."""

    def profile(self, user_id: str) -> PlatformProfile | None: ...


@dataclass(frozen=True)
class Caller:
    """Who is speaking, as the adapter saw them. No ORM objects, so it crosses threads."""

    platform: str
    community_external_id: str
    user_id: str
    channel_id: str | None = None
    # True when the platform itself says so (CATALYST_FACILITATORS, the console's toggle).
    facilitator_by_config: bool = False


@dataclass
class RequestContext:
    session: Session
    settings: Settings
    clock: Clock
    directory: Directory
    caller: Caller
    community: Community
    member: Member | None

    @property
    def role(self) -> Role:
        if self.caller.facilitator_by_config:
            return Role.FACILITATOR
        if self.member is not None and self.member.is_active and self.member.is_facilitator:
            return Role.FACILITATOR
        return Role.MEMBER

    @property
    def is_facilitator(self) -> bool:
        return self.role is Role.FACILITATOR

    @property
    def active_member(self) -> Member | None:
        return self.member if self.member is not None and self.member.is_active else None

    def require_member(self) -> Member:
        """The active member; handlers declared Access.MEMBER can rely on it."""
        if self.active_member is None:
            raise NotAMember(
                t("You haven't joined yet. Type `{command} join` to join.", command=self.command)
            )
        return self.active_member

    @property
    def command(self) -> str:
        """How to write the slash command in help text, e.g. `/cop`."""
        return self.settings.slash_command

    def now(self) -> datetime:
        return self.clock.now()

    def zone(self) -> ZoneInfo:
        """The member's own timezone, else the community's."""
        name = self.member.timezone if self.member is not None else self.community.timezone
        return ZoneInfo(name)
