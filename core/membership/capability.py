"""Membership as a capability: the profile in `my-data`."""

from __future__ import annotations

from core.capability import Capability
from core.membership import service

CAPABILITY = Capability(
    name="membership", data_section="profile", personal_data=service.personal_data
)
