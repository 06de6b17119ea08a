"""stored body length: listings read a post's length instead of counting its body

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 14:45:00.000000

A listing shows each post's reading time. It used to come from length(body_source) in every
listing query, which reads the whole body (on PostgreSQL, fetches and decompresses it) for
each post listed. The length is now kept with the post when its body is written (Post's
validator), and the upgrade counts it once for the posts already there, in characters, as
before. The downgrade drops the column.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("body_length", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE posts SET body_length = length(body_source)")


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("body_length")
