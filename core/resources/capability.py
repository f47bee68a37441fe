"""The library as a capability: what a member shared, in `my-data`."""

from __future__ import annotations

from core.capability import Capability
from core.resources import service

CAPABILITY = Capability(
    name="resources", data_section="resources", personal_data=service.personal_data
)
