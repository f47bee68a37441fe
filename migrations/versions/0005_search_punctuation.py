"""PostgreSQL search: split words at punctuation, as SQLite's tokenizer and the query do.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

PostgreSQL's parser keeps `policy/practice`, `2.0` or `www.refugee-action.org.uk` as single
tokens, while queries are split into words at punctuation, so such words could never be
found on PostgreSQL (SQLite's unicode61 tokenizer splits them). The document is now built
from text with punctuation turned into spaces, and every existing document is rebuilt.
SQLite needs no change.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _refresh_function(field: str) -> str:
    def words(expression: str) -> str:
        return field.format(expression)

    return (
        "CREATE OR REPLACE FUNCTION resources_fts_refresh() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN "
        "INSERT INTO resources_fts (resource_id, document) VALUES (NEW.id, "
        f"setweight(to_tsvector('simple', {words('NEW.title')}), 'A') || "
        f"setweight(to_tsvector('simple', {words(THEMES)}), 'B') || "
        f"setweight(to_tsvector('simple', {words(DESCRIPTION)}), 'C')) "
        "ON CONFLICT (resource_id) DO UPDATE SET document = EXCLUDED.document; "
        "RETURN NULL; END $$"
    )


THEMES = "coalesce((SELECT string_agg(value, ' ') FROM jsonb_array_elements_text(NEW.themes)), '')"
DESCRIPTION = "coalesce(NEW.description, '')"
# [:punct:] is ASCII punctuation in the C locale and wider elsewhere; letters of any script
# are never touched, unlike [^[:alnum:]], which in the C locale would erase Arabic.
SPLIT = "regexp_replace(catalyst_fold({}), '[[:punct:]]+', ' ', 'g')"
BEFORE = "catalyst_fold({})"


def _rebuild() -> None:
    # Touching each title fires the trigger, which rewrites that resource's document.
    op.execute("UPDATE resources SET title = title")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_refresh_function(SPLIT))
    _rebuild()


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_refresh_function(BEFORE))
    _rebuild()
