"""A valid profile draft for core tests, and a way to change one field of it."""

from __future__ import annotations

import dataclasses

from core.membership.service import ProfileDraft

GOOD = ProfileDraft(
    display_name="Amina Yusuf",
    pronouns="she/her",
    organisation="Refugee Action Now",
    org_size="100k_1m",
    role_level="manager",
    themes=["Lived experience leadership", "Anti-racism"],
    languages=["en", "ar"],
    timezone="Europe/London",
    pairing_cadence="monthly",
    lived_experience_match=True,
    agreed=True,
)


def draft(**changes: object) -> ProfileDraft:
    return dataclasses.replace(GOOD, **changes)  # type: ignore[arg-type]
