"""Small builders shared by tests."""

from __future__ import annotations

from core.context import Caller
from core.ui import FieldValue


def profile_values(**overrides: FieldValue) -> dict[str, FieldValue]:
    """A complete, valid join form as the adapters hand it to the dispatcher."""
    values: dict[str, FieldValue] = {
        "display_name": "Amina Yusuf",
        "pronouns": "she/her",
        "organisation": "Refugee Action Now",
        "org_size": "100k_1m",
        "role_level": "manager",
        "themes": ["Anti-racism", "Lived experience leadership"],
        "languages": ["en", "ar"],
        "timezone": "Europe/London",
        "pairing_cadence": "monthly",
        "lived_experience_match": True,
        "agreed": True,
    }
    values.update(overrides)
    return values


def caller(user_id: str = "U0AMINA", *, team: str = "T0001", facilitator: bool = False) -> Caller:
    return Caller(
        platform="slack",
        community_external_id=team,
        user_id=user_id,
        channel_id="C0GENERAL",
        facilitator_by_config=facilitator,
    )
