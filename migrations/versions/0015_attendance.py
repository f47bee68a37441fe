"""Attendance after a session (who came: a facilitator's tick or the member's own answer) and
anonymous counts of library searches, for the programme evaluation report.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "session_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("came", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("recorded_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["community_sessions.id"],
            name=op.f("fk_session_attendance_session_id_community_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_session_attendance_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_attendance")),
        sa.UniqueConstraint(
            "session_id", "member_id", name=op.f("uq_session_attendance_session_id")
        ),
    )
    op.create_index(op.f("ix_session_attendance_session_id"), "session_attendance", ["session_id"])
    op.create_index(op.f("ix_session_attendance_member_id"), "session_attendance", ["member_id"])
    op.create_table(
        "resource_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("searched_at", Instant, nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_resource_searches_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_searches")),
    )
    op.create_index(
        "ix_resource_searches_community_at", "resource_searches", ["community_id", "searched_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_resource_searches_community_at", table_name="resource_searches")
    op.drop_table("resource_searches")
    op.drop_index(op.f("ix_session_attendance_member_id"), table_name="session_attendance")
    op.drop_index(op.f("ix_session_attendance_session_id"), table_name="session_attendance")
    op.drop_table("session_attendance")
