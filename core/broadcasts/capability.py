"""Broadcasts as a capability (filled in as the service lands)."""

from __future__ import annotations

from core.broadcasts import models as models
from core.capability import Capability

CAPABILITY = Capability(name="broadcasts")
