"""search insights: searches that found nothing or little, counted per day

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:30:00

One row per day and normalised query, with the band of its result count ("none" or "few")
and how often it was searched. No account, address, session or time finer than the day.
The table starts empty; the downgrade drops it and the counts with it.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_misses",
        sa.PrimaryKeyConstraint("day", "query", name=op.f("pk_search_misses")),
        sa.CheckConstraint("band IN ('none', 'few')", name=op.f("ck_search_misses_band")),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("query", sa.String(length=100), nullable=False),
        sa.Column("band", sa.String(length=8), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
    )


def downgrade():
    op.drop_table("search_misses")
