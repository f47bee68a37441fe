"""Every table Catalyst has, in one metadata (for Alembic and the tests)."""

from __future__ import annotations

from core.delivery import models as models_delivery
from core.models import Base
from core.pairing import models as models_pairing
from core.resources import models as models_resources
from core.sessions import models as models_sessions

metadata = Base.metadata
ALL_MODEL_MODULES = (models_sessions, models_delivery, models_resources, models_pairing)

# Full-text indexes are each database's own (FTS5 virtual and shadow tables and the narrow
# `resources_fts_meta` on SQLite, a tsvector table on PostgreSQL), made by the migrations and
# not modelled here.
UNMODELLED_TABLE_PREFIX = "resources_fts"


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's filter: compare everything except the full-text index tables."""
    return not (type_ == "table" and (name or "").startswith(UNMODELLED_TABLE_PREFIX))
