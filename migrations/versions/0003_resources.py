"""resource library: resources, helpful votes, session preparation, full-text search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

The full-text index is each database's own engine, created per dialect and kept out of the
models (Alembic's comparison skips tables named `resources_fts*`, see core.schema):
- SQLite: an FTS5 table `resources_fts` (rowid = resources.id), unicode61 with diacritics
  removed, filled by triggers.
- PostgreSQL: a table `resources_fts` (resource_id, document tsvector, GIN), filled by a
  trigger; text is folded by `catalyst_fold()` (unaccent when the extension can be
  installed, a translate() table otherwise).
Both folds also normalise Arabic: short vowels and tatweel removed, hamza forms of alef to
alef, taa marbuta to haa, alef maqsura to yaa (core.search.query folds queries the same way).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Migrations keep their own column types: they must not change when models do.
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Instant = sa.DateTime(timezone=True)

# Characters removed from indexed text: Arabic short vowels, tanwin, shadda, sukun
# (U+064B..U+0652), superscript alef (U+0670) and tatweel (U+0640). SQLite's parser allows
# about two dozen nested replace() calls, so the lists stay short.
ARABIC_MARKS = [chr(c) for c in range(0x064B, 0x0653)] + [chr(0x0670), chr(0x0640)]
# One-for-one replacements (both folds) and the ligatures spelled out in two letters.
ARABIC_MAP = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"}
LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}
# PostgreSQL without unaccent: the common Latin accents, after lower().
LATIN_FROM = "àáâãäåāăąçćčďđèéêëēėęěìíîïīįıñńňòóôõöøōőŕřśšşţťùúûüūůűųýÿžźż"
LATIN_TO = "aaaaaaaaacccddeeeeeeeeiiiiiiinnnoooooooorrsssttuuuuuuuuyyzzz"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sqlite_fold(expression: str) -> str:
    """Nested replace() calls: SQLite triggers can't call Python."""
    for old, new in [*ARABIC_MAP.items(), *LIGATURES.items()]:
        expression = f"replace({expression}, {_sql_string(old)}, {_sql_string(new)})"
    for mark in ARABIC_MARKS:
        expression = f"replace({expression}, {_sql_string(mark)}, '')"
    return expression


def _sqlite_columns(row: str) -> str:
    themes = f"(SELECT coalesce(group_concat(value, ' '), '') FROM json_each({row}.themes))"
    return ", ".join(
        [
            f"{row}.id",
            _sqlite_fold(f"{row}.title"),
            _sqlite_fold(themes),
            _sqlite_fold(f"coalesce({row}.description, '')"),
        ]
    )


def _create_sqlite_search() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE resources_fts USING fts5("
        "title, themes, description, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    columns = _sqlite_columns("new")
    insert = f"INSERT INTO resources_fts (rowid, title, themes, description) VALUES ({columns});"
    op.execute(f"CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN {insert} END")
    forget = "DELETE FROM resources_fts WHERE rowid = old.id;"
    op.execute(
        "CREATE TRIGGER resources_fts_update AFTER UPDATE OF title, themes, description "
        f"ON resources BEGIN {forget} {insert} END"
    )
    op.execute(
        "CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources "
        "BEGIN DELETE FROM resources_fts WHERE rowid = old.id; END"
    )


def _unaccent_schema(bind: sa.Connection) -> str | None:
    """Where unaccent lives, installing it if allowed; None when it isn't available."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
    except sa.exc.DBAPIError:
        pass  # no privilege or not shipped: fall back to translate()
    return bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
    ).scalar()


def _create_postgres_search() -> None:
    bind = op.get_bind()
    schema = _unaccent_schema(bind)
    marks = "".join(ARABIC_MARKS)
    arabic_from = "".join(ARABIC_MAP) + marks
    arabic_to = "".join(ARABIC_MAP.values())
    if schema is not None:
        quoted = '"' + schema.replace('"', '""') + '"'
        latin = f"{quoted}.unaccent({_sql_string(schema + '.unaccent')}::regdictionary, lower(t))"
    else:
        latin = "lower(t)"
        for old, new in LIGATURES.items():
            latin = f"replace({latin}, {_sql_string(old)}, {_sql_string(new)})"
        latin = f"translate({latin}, {_sql_string(LATIN_FROM)}, {_sql_string(LATIN_TO)})"
    op.execute(
        "CREATE FUNCTION catalyst_fold(t text) RETURNS text LANGUAGE sql STABLE AS $$ "
        f"SELECT translate({latin}, {_sql_string(arabic_from)}, {_sql_string(arabic_to)}) $$"
    )
    op.execute(
        "CREATE TABLE resources_fts ("
        "resource_id integer PRIMARY KEY REFERENCES resources (id) ON DELETE CASCADE, "
        "document tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX resources_fts_document ON resources_fts USING gin (document)")
    op.execute(
        "CREATE FUNCTION resources_fts_refresh() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "INSERT INTO resources_fts (resource_id, document) VALUES (NEW.id, "
        "setweight(to_tsvector('simple', catalyst_fold(NEW.title)), 'A') || "
        "setweight(to_tsvector('simple', catalyst_fold(coalesce((SELECT string_agg(value, ' ') "
        "FROM jsonb_array_elements_text(NEW.themes)), ''))), 'B') || "
        "setweight(to_tsvector('simple', catalyst_fold(coalesce(NEW.description, ''))), 'C')) "
        "ON CONFLICT (resource_id) DO UPDATE SET document = EXCLUDED.document; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER resources_fts_refresh AFTER INSERT OR UPDATE OF title, themes, "
        "description ON resources FOR EACH ROW EXECUTE FUNCTION resources_fts_refresh()"
    )


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("themes", Json, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("shared_by_member_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_member_id", sa.Integer(), nullable=True),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.Column("published_at", Instant, nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_resources_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shared_by_member_id"],
            ["members.id"],
            name=op.f("fk_resources_shared_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_member_id"],
            ["members.id"],
            name=op.f("fk_resources_reviewed_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
        sa.UniqueConstraint("community_id", "number", name="uq_resources_number"),
        sa.UniqueConstraint("community_id", "url_key", name="uq_resources_url_key"),
    )
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resources_community_status_published",
            ["community_id", "status", "published_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_resources_shared_by_member_id"), ["shared_by_member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resources_reviewed_by_member_id"),
            ["reviewed_by_member_id"],
            unique=False,
        )

    op.create_table(
        "resource_votes",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("voted_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_resource_votes_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_resource_votes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", "member_id", name=op.f("pk_resource_votes")),
    )
    with op.batch_alter_table("resource_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resource_votes_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "session_resources",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("added_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["community_sessions.id"],
            name=op.f("fk_session_resources_session_id_community_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_session_resources_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "resource_id", name=op.f("pk_session_resources")),
    )
    with op.batch_alter_table("session_resources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_resources_resource_id"), ["resource_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        _create_postgres_search()
    else:
        _create_sqlite_search()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS resources_fts_refresh ON resources")
        op.execute("DROP FUNCTION IF EXISTS resources_fts_refresh()")
        op.execute("DROP TABLE IF EXISTS resources_fts")
        op.execute("DROP FUNCTION IF EXISTS catalyst_fold(text)")
    else:
        for trigger in ("resources_fts_insert", "resources_fts_update", "resources_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS resources_fts")

    with op.batch_alter_table("session_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_resources_resource_id"))
    op.drop_table("session_resources")
    with op.batch_alter_table("resource_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_votes_member_id"))
    op.drop_table("resource_votes")
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resources_reviewed_by_member_id"))
        batch_op.drop_index(batch_op.f("ix_resources_shared_by_member_id"))
        batch_op.drop_index("ix_resources_community_status_published")
    op.drop_table("resources")
