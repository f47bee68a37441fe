"""Outbox recipients long enough for a group: a set's private space names its members.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

`outbox.recipient` was VARCHAR(64): enough for a person, a channel or a pair's group DM,
not for `space:cop-set-cedar:U…,U…,…` (core/delivery/recipients.py) with up to eight
members and an adviser. PostgreSQL refused such rows; SQLite ignored the length. On SQLite
the table is rebuilt (batch mode): `outbox` is a child table (nothing refers to it), so the
rebuild cascades to nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column(
            "recipient", existing_type=sa.String(64), type_=sa.String(1000), existing_nullable=False
        )


def downgrade() -> None:
    # Rows longer than 64 characters are messages to sets, which 0009's downgrade removed
    # with their tables' meaning; cut them rather than fail (they can no longer be sent).
    op.execute(
        "UPDATE outbox SET recipient = substr(recipient, 1, 64) WHERE length(recipient) > 64"
    )
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column(
            "recipient", existing_type=sa.String(1000), type_=sa.String(64), existing_nullable=False
        )
