"""The monthly newsletter: newsletters and the reflections they quote; when a community
drafts one; how each member wants it; whether a reflection may be quoted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

No reflection is quotable until its author says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (see 0008: batch mode would cascade on SQLite).
    op.add_column("communities", sa.Column("newsletter_day", sa.String(32), nullable=True))
    op.add_column(
        "members",
        sa.Column("newsletter", sa.String(16), nullable=False, server_default="dm"),
    )
    op.add_column(
        "reflections",
        sa.Column("quotable", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "newsletters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(150), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("covers_from", Instant, nullable=False),
        sa.Column("scheduled_for", Instant, nullable=True),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("sent_at", Instant, nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_newsletters_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletters")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_newsletters_community_id")),
    )
    op.create_index(
        "ix_newsletters_community_status", "newsletters", ["community_id", "status"], unique=False
    )
    op.create_table(
        "newsletter_quotes",
        sa.Column("newsletter_id", sa.Integer(), nullable=False),
        sa.Column("reflection_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["newsletter_id"],
            ["newsletters.id"],
            name=op.f("fk_newsletter_quotes_newsletter_id_newsletters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reflection_id"],
            ["reflections.id"],
            name=op.f("fk_newsletter_quotes_reflection_id_reflections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "newsletter_id", "reflection_id", name=op.f("pk_newsletter_quotes")
        ),
    )
    op.create_index(
        op.f("ix_newsletter_quotes_reflection_id"),
        "newsletter_quotes",
        ["reflection_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_newsletter_quotes_reflection_id"), table_name="newsletter_quotes")
    op.drop_table("newsletter_quotes")
    op.drop_index("ix_newsletters_community_status", table_name="newsletters")
    op.drop_table("newsletters")
    op.drop_column("reflections", "quotable")
    op.drop_column("members", "newsletter")
    op.drop_column("communities", "newsletter_day")
