"""peer-coaching pairings: settings, rounds, groups, avoid-lists, pauses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Migrations keep their own column types: they must not change when models do.
Instant = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "pairing_settings",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("recency_weeks", sa.Integer(), nullable=False),
        sa.Column("weight_organisation", sa.Float(), nullable=False),
        sa.Column("weight_hours", sa.Float(), nullable=False),
        sa.Column("weight_lived_experience", sa.Float(), nullable=False),
        sa.Column("weight_theme", sa.Float(), nullable=False),
        sa.Column("weight_org_size", sa.Float(), nullable=False),
        sa.Column("weight_role_level", sa.Float(), nullable=False),
        sa.Column("blend", sa.String(length=8), nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        _fk("pairing_settings", "community_id", "communities.id", "CASCADE"),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_pairing_settings")),
    )
    op.create_table(
        "pairing_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", Instant, nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("unplaced", sa.Integer(), nullable=False),
        _fk("pairing_rounds", "community_id", "communities.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_rounds")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_pairing_rounds_community_id")),
    )
    op.create_index(
        "ix_pairing_rounds_community_started", "pairing_rounds", ["community_id", "started_at"]
    )
    op.create_table(
        "pairing_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("cross_organisation", sa.Boolean(), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_at", Instant, nullable=True),
        sa.Column("opener_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        _fk("pairing_groups", "round_id", "pairing_rounds.id", "CASCADE"),
        _fk("pairing_groups", "community_id", "communities.id", "CASCADE"),
        _fk("pairing_groups", "opener_member_id", "members.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_groups")),
    )
    op.create_index("ix_pairing_groups_round", "pairing_groups", ["round_id"])
    op.create_table(
        "pairing_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("third", sa.Boolean(), nullable=False),
        _fk("pairing_group_members", "group_id", "pairing_groups.id", "CASCADE"),
        _fk("pairing_group_members", "member_id", "members.id", "CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_pairing_group_members")),
    )
    op.create_index("ix_pairing_group_members_member", "pairing_group_members", ["member_id"])
    op.create_table(
        "pairing_avoids",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("avoided_member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        _fk("pairing_avoids", "member_id", "members.id", "CASCADE"),
        _fk("pairing_avoids", "avoided_member_id", "members.id", "CASCADE"),
        sa.PrimaryKeyConstraint("member_id", "avoided_member_id", name=op.f("pk_pairing_avoids")),
    )
    op.create_table(
        "pairing_preferences",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("paused_until", Instant, nullable=True),
        sa.Column("skip_next", sa.Boolean(), nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        _fk("pairing_preferences", "member_id", "members.id", "CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_pairing_preferences")),
    )


def downgrade() -> None:
    op.drop_table("pairing_preferences")
    op.drop_table("pairing_avoids")
    op.drop_index("ix_pairing_group_members_member", table_name="pairing_group_members")
    op.drop_table("pairing_group_members")
    op.drop_index("ix_pairing_groups_round", table_name="pairing_groups")
    op.drop_table("pairing_groups")
    op.drop_index("ix_pairing_rounds_community_started", table_name="pairing_rounds")
    op.drop_table("pairing_rounds")
    op.drop_table("pairing_settings")
