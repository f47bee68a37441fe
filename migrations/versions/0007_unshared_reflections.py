"""Reflections called "shared" that were never shared become facilitators-only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Until now a reflection written in the form on a prompt without a thread (a stand-alone
question sent by DM, or a channel question not posted yet) could be stored as "shared":
nothing was posted anywhere, the member was told only the facilitators would read it, yet
`/cop reflections` and the export said "shared". Sharing is now offered only where there is
a thread. Here the stored rows are made to tell the truth: a form reflection marked shared
whose post in the thread was never queued (no `reflection:<id>:share` outbox row; those rows
are kept) was read by the facilitators only, so that is what it now says. Thread replies and
shares that were posted are untouched. No schema change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

reflections = sa.table(
    "reflections",
    sa.column("id", sa.Integer),
    sa.column("visibility", sa.String),
    sa.column("source", sa.String),
)
outbox = sa.table("outbox", sa.column("key", sa.String))


def upgrade() -> None:
    share_key = (
        sa.literal("reflection:", sa.String)
        + sa.cast(reflections.c.id, sa.String)
        + sa.literal(":share", sa.String)
    )
    never_posted = ~sa.exists().where(outbox.c.key == share_key)
    op.execute(
        reflections.update()
        .where(reflections.c.visibility == "shared", reflections.c.source == "form", never_posted)
        .values(visibility="facilitators")
    )


def downgrade() -> None:
    # Nothing to undo: "facilitators" is what the earlier code stores for a facilitators-only
    # choice too, so it reads these rows correctly, and restoring "shared" would restore the
    # very mislabel this revision corrects (nor could those rows be told apart any more).
    pass
