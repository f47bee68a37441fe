"""Action learning sets: who wants one, cycles, sets, meetings, slot votes, apologies,
actions and turn swaps (see core/sets/models.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "set_cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("min_size", sa.Integer(), nullable=False),
        sa.Column("max_size", sa.Integer(), nullable=False),
        sa.Column("grouping", sa.String(length=16), nullable=False),
        sa.Column("meetings", sa.Integer(), nullable=False),
        sa.Column("rhythm_weeks", sa.Integer(), nullable=False),
        sa.Column("meeting_minutes", sa.Integer(), nullable=False),
        sa.Column("space_kind", sa.String(length=16), nullable=False),
        sa.Column("advised", sa.Boolean(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("confirmed_at", Instant, nullable=True),
        sa.Column("closed_at", Instant, nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_set_cycles_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_set_cycles_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_set_cycles")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_set_cycles_community_id")),
    )
    op.create_table(
        "set_interest",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("since", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_set_interest_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_set_interest_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_set_interest")),
    )
    op.create_index(
        op.f("ix_set_interest_community_id"), "set_interest", ["community_id"], unique=False
    )
    op.create_table(
        "learning_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("space_kind", sa.String(length=16), nullable=True),
        sa.Column("space_id", sa.String(length=64), nullable=True),
        sa.Column("slot_weekday", sa.Integer(), nullable=True),
        sa.Column("slot_time", sa.String(length=5), nullable=True),
        sa.Column("slot_zone", sa.String(length=64), nullable=True),
        sa.Column("adviser_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["adviser_member_id"],
            ["members.id"],
            name=op.f("fk_learning_sets_adviser_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_learning_sets_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["set_cycles.id"],
            name=op.f("fk_learning_sets_cycle_id_set_cycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_sets")),
        sa.UniqueConstraint("cycle_id", "number", name=op.f("uq_learning_sets_cycle_id")),
    )
    op.create_index(
        op.f("ix_learning_sets_community_id"), "learning_sets", ["community_id"], unique=False
    )
    op.create_table(
        "set_waiting",
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("since", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["set_cycles.id"],
            name=op.f("fk_set_waiting_cycle_id_set_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_set_waiting_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cycle_id", "member_id", name=op.f("pk_set_waiting")),
    )
    op.create_table(
        "learning_set_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("starts_at", Instant, nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("presenter_member_id", sa.Integer(), nullable=True),
        sa.Column("moved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["presenter_member_id"],
            ["members.id"],
            name=op.f("fk_learning_set_meetings_presenter_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["learning_sets.id"],
            name=op.f("fk_learning_set_meetings_set_id_learning_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_set_meetings")),
        sa.UniqueConstraint("set_id", "number", name=op.f("uq_learning_set_meetings_set_id")),
    )
    op.create_index(
        op.f("ix_learning_set_meetings_set_id"), "learning_set_meetings", ["set_id"], unique=False
    )
    op.create_table(
        "learning_set_members",
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("joined_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_learning_set_members_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["learning_sets.id"],
            name=op.f("fk_learning_set_members_set_id_learning_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("set_id", "member_id", name=op.f("pk_learning_set_members")),
    )
    op.create_index(
        "ix_learning_set_members_member", "learning_set_members", ["member_id"], unique=False
    )
    op.create_table(
        "learning_set_turn_swaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_member_id", sa.Integer(), nullable=False),
        sa.Column("asked_of_member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["asked_by_member_id"],
            ["members.id"],
            name=op.f("fk_learning_set_turn_swaps_asked_by_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["asked_of_member_id"],
            ["members.id"],
            name=op.f("fk_learning_set_turn_swaps_asked_of_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["learning_sets.id"],
            name=op.f("fk_learning_set_turn_swaps_set_id_learning_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_set_turn_swaps")),
    )
    op.create_index(
        op.f("ix_learning_set_turn_swaps_set_id"),
        "learning_set_turn_swaps",
        ["set_id"],
        unique=False,
    )
    op.create_table(
        "set_slot_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("proposed_by_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["proposed_by_member_id"],
            ["members.id"],
            name=op.f("fk_set_slot_proposals_proposed_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["learning_sets.id"],
            name=op.f("fk_set_slot_proposals_set_id_learning_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_set_slot_proposals")),
        sa.UniqueConstraint(
            "set_id", "weekday", "local_time", name=op.f("uq_set_slot_proposals_set_id")
        ),
    )
    op.create_index(
        op.f("ix_set_slot_proposals_set_id"), "set_slot_proposals", ["set_id"], unique=False
    )
    op.create_table(
        "learning_set_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["learning_set_meetings.id"],
            name=op.f("fk_learning_set_actions_meeting_id_learning_set_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_learning_set_actions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["learning_sets.id"],
            name=op.f("fk_learning_set_actions_set_id_learning_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_set_actions")),
    )
    op.create_index(
        op.f("ix_learning_set_actions_member_id"),
        "learning_set_actions",
        ["member_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_learning_set_actions_set_id"), "learning_set_actions", ["set_id"], unique=False
    )
    op.create_table(
        "learning_set_apologies",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["learning_set_meetings.id"],
            name=op.f("fk_learning_set_apologies_meeting_id_learning_set_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_learning_set_apologies_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_learning_set_apologies")),
    )
    op.create_table(
        "set_slot_votes",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("voted_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_set_slot_votes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["set_slot_proposals.id"],
            name=op.f("fk_set_slot_votes_proposal_id_set_slot_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proposal_id", "member_id", name=op.f("pk_set_slot_votes")),
    )


def downgrade() -> None:
    op.drop_table("set_slot_votes")
    op.drop_table("learning_set_apologies")
    op.drop_index(op.f("ix_learning_set_actions_set_id"), table_name="learning_set_actions")
    op.drop_index(op.f("ix_learning_set_actions_member_id"), table_name="learning_set_actions")
    op.drop_table("learning_set_actions")
    op.drop_index(op.f("ix_set_slot_proposals_set_id"), table_name="set_slot_proposals")
    op.drop_table("set_slot_proposals")
    op.drop_index(op.f("ix_learning_set_turn_swaps_set_id"), table_name="learning_set_turn_swaps")
    op.drop_table("learning_set_turn_swaps")
    op.drop_index("ix_learning_set_members_member", table_name="learning_set_members")
    op.drop_table("learning_set_members")
    op.drop_index(op.f("ix_learning_set_meetings_set_id"), table_name="learning_set_meetings")
    op.drop_table("learning_set_meetings")
    op.drop_table("set_waiting")
    op.drop_index(op.f("ix_learning_sets_community_id"), table_name="learning_sets")
    op.drop_table("learning_sets")
    op.drop_index(op.f("ix_set_interest_community_id"), table_name="set_interest")
    op.drop_table("set_interest")
    op.drop_table("set_cycles")
