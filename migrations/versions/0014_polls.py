"""Co-design polls and the end-of-programme survey.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

Anonymous votes and answers are stored without a link to the member: `poll_voters` and
`survey_respondents` only say someone voted or answered; `poll_votes` (named polls) and a
named survey's `survey_answers.member_id` cascade with the member.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Instant = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def _community_and_author(table: str) -> list[sa.SchemaItem]:
    return [
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f(f"fk_{table}_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f(f"fk_{table}_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("members_add", sa.Boolean(), nullable=False),
        sa.Column("audience", Json, nullable=False),
        sa.Column("way", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("delivery_hours", sa.String(11), nullable=False),
        sa.Column("config_facilitators", Json, nullable=False),
        sa.Column("closes_at", Instant, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("redraws", sa.Integer(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("confirmed_at", Instant, nullable=True),
        sa.Column("closed_at", Instant, nullable=True),
        *_community_and_author("polls"),
    )
    op.create_index("ix_polls_community_status", "polls", ["community_id", "status"], unique=False)
    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_options_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_options")),
        sa.UniqueConstraint("poll_id", "position", name=op.f("uq_poll_options_poll_id")),
    )
    op.create_index(op.f("ix_poll_options_poll_id"), "poll_options", ["poll_id"], unique=False)
    op.create_table(
        "poll_voters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_voters_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_poll_voters_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_voters")),
        sa.UniqueConstraint("poll_id", "member_id", name=op.f("uq_poll_voters_poll_id")),
    )
    op.create_index(op.f("ix_poll_voters_poll_id"), "poll_voters", ["poll_id"], unique=False)
    op.create_table(
        "poll_votes",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_votes_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["poll_options.id"],
            name=op.f("fk_poll_votes_option_id_poll_options"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_poll_votes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("option_id", "member_id", name=op.f("pk_poll_votes")),
    )
    op.create_index(op.f("ix_poll_votes_poll_id"), "poll_votes", ["poll_id"], unique=False)
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("questions", Json, nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("audience", Json, nullable=False),
        sa.Column("delivery_hours", sa.String(11), nullable=False),
        sa.Column("config_facilitators", Json, nullable=False),
        sa.Column("closes_at", Instant, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("confirmed_at", Instant, nullable=True),
        *_community_and_author("surveys"),
    )
    op.create_index(
        "ix_surveys_community_status", "surveys", ["community_id", "status"], unique=False
    )
    op.create_table(
        "survey_respondents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_respondents_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_survey_respondents_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_respondents")),
        sa.UniqueConstraint("survey_id", "member_id", name=op.f("uq_survey_respondents_survey_id")),
    )
    op.create_index(
        op.f("ix_survey_respondents_survey_id"),
        "survey_respondents",
        ["survey_id"],
        unique=False,
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("answers", Json, nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_answers_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_survey_answers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    op.create_index(
        op.f("ix_survey_answers_survey_id"), "survey_answers", ["survey_id"], unique=False
    )


def downgrade() -> None:
    # Without these tables nothing can run a poll's close or answer a poll's buttons: what
    # is still waiting is cancelled, not left to fail as an unknown kind or sent dead.
    op.execute(
        "UPDATE scheduled_items SET status = 'cancelled' WHERE status = 'pending' "
        "AND kind IN ('poll_close', 'survey_close')"
    )
    op.execute(
        "UPDATE outbox SET status = 'cancelled' WHERE status = 'pending' AND kind IN "
        "('poll_post', 'poll_dm', 'poll_redraw', 'poll_result', 'survey_dm', 'survey_closed')"
    )
    op.drop_index(op.f("ix_survey_answers_survey_id"), table_name="survey_answers")
    op.drop_table("survey_answers")
    op.drop_index(op.f("ix_survey_respondents_survey_id"), table_name="survey_respondents")
    op.drop_table("survey_respondents")
    op.drop_index("ix_surveys_community_status", table_name="surveys")
    op.drop_table("surveys")
    op.drop_index(op.f("ix_poll_votes_poll_id"), table_name="poll_votes")
    op.drop_table("poll_votes")
    op.drop_index(op.f("ix_poll_voters_poll_id"), table_name="poll_voters")
    op.drop_table("poll_voters")
    op.drop_index(op.f("ix_poll_options_poll_id"), table_name="poll_options")
    op.drop_table("poll_options")
    op.drop_index("ix_polls_community_status", table_name="polls")
    op.drop_table("polls")
