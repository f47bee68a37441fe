"""Broadcasts: facilitators' messages with audiences, runs and delivery reports; when DMs may
arrive (per community); members' broadcast choice and when they were last heard from.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

`members.last_seen_at` starts from what is already known: the latest of joining, an RSVP
and a reflection.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Instant = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (see 0008: batch mode would cascade on SQLite).
    op.add_column("communities", sa.Column("delivery_hours", sa.String(11), nullable=True))
    op.add_column(
        "members",
        sa.Column("broadcasts_enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column("members", sa.Column("last_seen_at", Instant, nullable=True))
    op.execute(
        """
        UPDATE members SET last_seen_at = (
            SELECT MAX(t) FROM (
                SELECT members.joined_at AS t
                UNION ALL SELECT MAX(r.answered_at) FROM session_rsvps r
                    WHERE r.member_id = members.id
                UNION ALL SELECT MAX(f.created_at) FROM reflections f
                    WHERE f.member_id = members.id
            ) AS seen
        )
        """
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("asks_question", sa.Boolean(), nullable=False),
        sa.Column("audience", Json, nullable=False),
        sa.Column("way", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("delivery_hours", sa.String(11), nullable=False),
        sa.Column("config_facilitators", Json, nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("notify_channel", sa.Boolean(), nullable=False),
        sa.Column("starts_at", Instant, nullable=False),
        sa.Column("repeat", sa.String(16), nullable=False),
        sa.Column("repeat_until", Instant, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("edits", sa.Integer(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.Column("confirmed_at", Instant, nullable=True),
        sa.Column("cancelled_at", Instant, nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_broadcasts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_broadcasts_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index(
        "ix_broadcasts_community_status", "broadcasts", ["community_id", "status"], unique=False
    )
    op.create_table(
        "broadcast_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", Instant, nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("excluded", Json, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", Instant, nullable=False),
        sa.Column("finished_at", Instant, nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_runs_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_broadcast_runs_prompt_id_prompts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_runs")),
        sa.UniqueConstraint(
            "broadcast_id", "occurrence", name=op.f("uq_broadcast_runs_broadcast_id")
        ),
    )
    op.create_index(
        op.f("ix_broadcast_runs_broadcast_id"), "broadcast_runs", ["broadcast_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_broadcast_runs_broadcast_id"), table_name="broadcast_runs")
    op.drop_table("broadcast_runs")
    op.drop_index("ix_broadcasts_community_status", table_name="broadcasts")
    op.drop_table("broadcasts")
    op.drop_column("members", "last_seen_at")
    op.drop_column("members", "broadcasts_enabled")
    op.drop_column("communities", "delivery_hours")
