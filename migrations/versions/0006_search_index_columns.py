"""The columns a search filters and orders by, kept beside the full-text index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

A search ranked every matching document joined to its (wide) `resources` row, to check the
community, status and filters and to order by helpful votes and recency: with a common word
that is thousands of rows. Those columns (community_id, status, format, language, themes,
helpful_count, published_at) are now kept beside the index by triggers, so the ranked query
never reads the wide rows, and only the page shown is loaded:
- PostgreSQL: columns of `resources_fts`, so the ranked query reads that table alone;
  `resources_fts_refresh()` fills them and now also fires when one of them changes, so a
  helpful vote or a retirement rewrites the index row too (measured: 0.9 ms for a vote on
  a warm connection, 0.26 ms for an update that fires no trigger).
  The GIN index also stops batching new entries in its pending list (`fastupdate = off`):
  every search scans that whole list, which can hold up to 4 MB (thousands of resources)
  between autovacuums; after a bulk load of 50,000 it cost 2.6 ms per search, twice when a
  search falls back to any word. The price is on writes: about 0.2 ms more per resource
  written (the benchmark's bulk load of 50,000 takes 21 s instead of 11), small next to
  searches in a library people add to a few resources at a time.
- SQLite: a narrow table `resources_fts_meta` (id = resources.id = resources_fts.rowid) with
  triggers of its own. FTS5 UNINDEXED columns were measured slower than the join they would
  replace: FTS5 reads them from its content table, whose rows hold the whole text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Migrations keep their own column types: they must not change when models do.
Instant = sa.DateTime(timezone=True)

# (column, type, nullable), as on `resources` in migration 0003.
COPIED = [
    ("community_id", sa.Integer(), False),
    ("status", sa.String(length=16), False),
    ("format", sa.String(length=16), False),
    ("language", sa.String(length=8), False),
    ("themes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), False),
    ("helpful_count", sa.Integer(), False),
    ("published_at", Instant, True),
]
NAMES = [name for name, _type, _nullable in COPIED]

# ---- PostgreSQL ------------------------------------------------------------------------------

# The document as migration 0005 builds it: folded, punctuation turned into spaces, weighted
# title A, themes B, description C.
SPLIT = "regexp_replace(catalyst_fold({}), '[[:punct:]]+', ' ', 'g')"
THEMES = "coalesce((SELECT string_agg(value, ' ') FROM jsonb_array_elements_text(NEW.themes)), '')"
DESCRIPTION = "coalesce(NEW.description, '')"
DOCUMENT = (
    f"setweight(to_tsvector('simple', {SPLIT.format('NEW.title')}), 'A') || "
    f"setweight(to_tsvector('simple', {SPLIT.format(THEMES)}), 'B') || "
    f"setweight(to_tsvector('simple', {SPLIT.format(DESCRIPTION)}), 'C')"
)
TEXT_COLUMNS = ["title", "themes", "description"]


def _refresh_function(columns: list[str]) -> str:
    """The trigger function writing a resource's index row: its document and `columns`."""
    names = ", ".join(["resource_id", *columns, "document"])
    values = ", ".join(["NEW.id", *[f"NEW.{c}" for c in columns], DOCUMENT])
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*columns, "document"])
    return (
        "CREATE OR REPLACE FUNCTION resources_fts_refresh() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN INSERT INTO resources_fts ({names}) VALUES ({values}) "
        f"ON CONFLICT (resource_id) DO UPDATE SET {updates}; RETURN NULL; END $$"
    )


def _refresh_trigger(columns: list[str]) -> None:
    op.execute("DROP TRIGGER IF EXISTS resources_fts_refresh ON resources")
    op.execute(
        f"CREATE TRIGGER resources_fts_refresh AFTER INSERT OR UPDATE OF {', '.join(columns)} "
        "ON resources FOR EACH ROW EXECUTE FUNCTION resources_fts_refresh()"
    )


def _upgrade_postgres() -> None:
    for name, type_, _nullable in COPIED:
        op.add_column("resources_fts", sa.Column(name, type_, nullable=True))
    copied = ", ".join(f"{name} = r.{name}" for name in NAMES)
    op.execute(f"UPDATE resources_fts SET {copied} FROM resources r WHERE r.id = resource_id")
    for name, _type, nullable in COPIED:
        if not nullable:
            op.alter_column("resources_fts", name, nullable=False)
    op.execute(_refresh_function(NAMES))
    _refresh_trigger(list(dict.fromkeys([*TEXT_COLUMNS, *NAMES])))  # themes is in both
    op.execute("ALTER INDEX resources_fts_document SET (fastupdate = off)")
    op.execute("SELECT gin_clean_pending_list('resources_fts_document'::regclass)")


def _downgrade_postgres() -> None:
    op.execute("ALTER INDEX resources_fts_document RESET (fastupdate)")
    op.execute(_refresh_function([]))  # 0005's function: the document alone
    _refresh_trigger(TEXT_COLUMNS)
    for name in reversed(NAMES):
        op.drop_column("resources_fts", name)


# ---- SQLite ----------------------------------------------------------------------------------

SQLITE_TRIGGERS = (
    "resources_fts_meta_insert",
    "resources_fts_meta_update",
    "resources_fts_meta_delete",
)


def _upgrade_sqlite() -> None:
    op.create_table(
        "resources_fts_meta",
        sa.Column("id", sa.Integer(), primary_key=True),  # resources.id, no sequence of its own
        *[sa.Column(name, type_, nullable=nullable) for name, type_, nullable in COPIED],
    )
    names = ", ".join(["id", *NAMES])
    op.execute(f"INSERT INTO resources_fts_meta ({names}) SELECT {names} FROM resources")
    # INSERT OR REPLACE: the row as the resource now is, even if it went missing.
    values = ", ".join(f"new.{name}" for name in ["id", *NAMES])
    write = f"INSERT OR REPLACE INTO resources_fts_meta ({names}) VALUES ({values});"
    op.execute(
        f"CREATE TRIGGER resources_fts_meta_insert AFTER INSERT ON resources BEGIN {write} END"
    )
    op.execute(
        f"CREATE TRIGGER resources_fts_meta_update AFTER UPDATE OF {', '.join(NAMES)} "
        f"ON resources BEGIN {write} END"
    )
    op.execute(
        "CREATE TRIGGER resources_fts_meta_delete AFTER DELETE ON resources "
        "BEGIN DELETE FROM resources_fts_meta WHERE id = old.id; END"
    )


def _downgrade_sqlite() -> None:
    for trigger in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table("resources_fts_meta")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgres()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgres()
    else:
        _downgrade_sqlite()
