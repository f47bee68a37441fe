"""Every table Catalyst has, in one metadata (for Alembic and the tests)."""

from __future__ import annotations

# Importing the list of capabilities imports each one's models, so their tables join the
# one metadata: a new capability's tables need no line here.
from core import capabilities
from core.delivery import models as models_delivery
from core.models import Base

metadata = Base.metadata
LOADED = (capabilities.ALL, models_delivery)  # what put the tables in `metadata`

# Full-text indexes are each database's own (FTS5 virtual and shadow tables and the narrow
# `resources_fts_meta` on SQLite, a tsvector table on PostgreSQL), made by the migrations and
# not modelled here.
UNMODELLED_TABLE_PREFIX = "resources_fts"


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's filter: compare everything except the full-text index tables."""
    return not (type_ == "table" and (name or "").startswith(UNMODELLED_TABLE_PREFIX))
