"""Who is drifting: check-ins and snoozes, each community's thresholds, members' pauses.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Instant = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (see 0008: batch mode would cascade on SQLite).
    op.add_column("communities", sa.Column("care_rules", Json, nullable=True))
    op.add_column("members", sa.Column("paused_until", Instant, nullable=True))
    op.add_column("members", sa.Column("paused_at", Instant, nullable=True))
    op.create_table(
        "care_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("sent_by_member_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", Instant, nullable=False),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("answered_at", Instant, nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_care_checkins_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_care_checkins_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_member_id"],
            ["members.id"],
            name=op.f("fk_care_checkins_sent_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_checkins")),
    )
    op.create_index(
        "ix_care_checkins_member_sent", "care_checkins", ["member_id", "sent_at"], unique=False
    )
    op.create_table(
        "care_snoozes",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("until", Instant, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_care_snoozes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_care_snoozes_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_care_snoozes")),
    )


def downgrade() -> None:
    # Pauses go with their columns: their ends, check-ins and welcomes still waiting are
    # cancelled, not left to fail as an unknown kind or sent with buttons that do nothing.
    op.execute(
        "UPDATE scheduled_items SET status = 'cancelled' "
        "WHERE status = 'pending' AND kind = 'care_resume'"
    )
    op.execute(
        "UPDATE outbox SET status = 'cancelled' WHERE status = 'pending' "
        "AND kind IN ('care_checkin', 'care_welcome_back')"
    )
    op.drop_table("care_snoozes")
    op.drop_index("ix_care_checkins_member_sent", table_name="care_checkins")
    op.drop_table("care_checkins")
    op.drop_column("members", "paused_at")
    op.drop_column("members", "paused_until")
    op.drop_column("communities", "care_rules")
