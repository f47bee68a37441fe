"""Initial schema: communities, members, anonymous membership events, processed events.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Migrations keep their own column types: they must not change when models do.
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("themes", Json, nullable=False),
        sa.Column("ground_rules", sa.Text(), nullable=True),
        sa.Column("privacy_notice", sa.Text(), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_communities"),
        sa.UniqueConstraint("platform", "external_id", name="uq_communities_platform"),
    )
    op.create_table(
        "processed_events",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("received_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("platform", "event_id", name="pk_processed_events"),
    )
    op.create_index(
        "ix_processed_events_received_at", "processed_events", ["received_at"], unique=False
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform_user_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("pronouns", sa.String(40), nullable=True),
        sa.Column("organisation", sa.String(120), nullable=False),
        sa.Column("org_size", sa.String(32), nullable=False),
        sa.Column("role_level", sa.String(32), nullable=False),
        sa.Column("themes", Json, nullable=False),
        sa.Column("languages", Json, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("pairing_cadence", sa.String(16), nullable=False),
        sa.Column("lived_experience_match", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("consent_at", Instant, nullable=False),
        sa.Column("consent_version", sa.String(64), nullable=False),
        sa.Column("joined_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.Column("left_at", Instant, nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_members_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sa.UniqueConstraint("community_id", "platform_user_id", name="uq_members_community_id"),
    )
    op.create_index("ix_members_community_status", "members", ["community_id", "status"])
    op.create_table(
        "membership_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("occurred_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_membership_events_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_membership_events"),
    )
    op.create_index(
        "ix_membership_events_community_at", "membership_events", ["community_id", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_table("membership_events")
    op.drop_table("members")
    op.drop_index("ix_processed_events_received_at", table_name="processed_events")
    op.drop_table("processed_events")
    op.drop_table("communities")
