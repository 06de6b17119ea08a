"""questions get answered: the reply the asker accepted

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 04:25:00.000000

A question's asker may mark one reply as the one that answered it: posts.accepted_comment_id,
NULL until then and set back to NULL when that reply's row is erased (ON DELETE SET NULL).
Whether a question is answered is not stored: it is derived from the replies (Post.is_answered).
The column starts NULL everywhere; the downgrade drops it, and with it which replies were
accepted.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_posts_accepted_comment_id_comments"


def upgrade():
    column = sa.Column("accepted_comment_id", sa.Integer(), nullable=True)
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(column)
        batch_op.create_foreign_key(
            batch_op.f(FOREIGN_KEY),
            "comments",
            ["accepted_comment_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(FOREIGN_KEY), type_="foreignkey")
        batch_op.drop_column("accepted_comment_id")
