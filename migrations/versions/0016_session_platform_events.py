"""A session's event on the platform's own calendar (a Discord server's scheduled event):
its id, so an edit moves that event and a cancellation cancels it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both engines (see 0008 and 0013): batch mode rebuilds the table on
# SQLite, and dropping community_sessions with foreign keys on would cascade to its prompts,
# RSVPs and scheduled items.


def upgrade() -> None:
    op.add_column(
        "community_sessions", sa.Column("platform_event_id", sa.String(length=64), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("community_sessions", "platform_event_id")
