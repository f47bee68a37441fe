"""Languages: the community's (CATALYST_LANGUAGE), each member's own choice, and the
language a facilitator picks for a question posted in the channel.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

`communities.language` starts as English for existing communities (what they have been
reading); the next request brings it in line with CATALYST_LANGUAGE. `members.language`
is empty for everyone, which means "the community's language" until they choose.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both engines (SQLite has had DROP COLUMN since 3.35). Not batch mode:
# on SQLite that copies and drops the table, and with foreign keys on, dropping
# `communities` would cascade to every row that belongs to a community.


def upgrade() -> None:
    op.add_column(
        "communities", sa.Column("language", sa.String(16), nullable=False, server_default="en")
    )
    op.add_column("members", sa.Column("language", sa.String(16), nullable=True))
    op.add_column("prompts", sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("prompts", "language")
    op.drop_column("members", "language")
    op.drop_column("communities", "language")
