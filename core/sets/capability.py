"""Action learning sets as a capability: its tables join the schema from here. Forming,
meetings and their scheduled items are registered here as they land (issue 13)."""

from __future__ import annotations

from core.capability import Capability
from core.sets import models

# Importing the models is what puts the sets' tables in the one schema (core/schema.py).
MODELS = models
CAPABILITY = Capability(name="sets")
