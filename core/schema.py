"""Every table Catalyst has, in one metadata (for Alembic and the tests)."""

from __future__ import annotations

from core import models_delivery, models_sessions
from core.models import Base

metadata = Base.metadata
ALL_MODEL_MODULES = (models_sessions, models_delivery)
