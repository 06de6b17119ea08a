"""articles carry references and a medical review due date

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 17:40:00.000000

An article's sources are rows of article_references (post, position from 1, kind pmid | doi |
url, the identifier or address, an optional label), deleted with their post. The next medical
review is posts.review_due_on when the author chose it, NULL for the default (12 months after
the last review or publication, computed by the app). Both start empty; the downgrade drops
them, and with them every reference and chosen date.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "article_references",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "kind IN ('pmid', 'doi', 'url')", name=op.f("ck_article_references_kind")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_article_references_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "position", name=op.f("pk_article_references")),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_due_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("review_due_on")
    op.drop_table("article_references")
