"""derived standing: a member's figure is their posts and replies published now

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 13:30:00.000000

users.approved_post_count used to be bumped on every "approve" event, so approving the same
edited post again and again made a member trusted, and removing a post never lowered it.
It now means the member's distinct posts and replies that are published now, recounted from
the data whenever one of their items changes status (app.moderation.standing). The upgrade
recounts it for every member. The downgrade leaves the recounted figures: the old event
counts cannot be rebuilt and are not wanted back.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE users SET approved_post_count = "
        "(SELECT count(*) FROM posts "
        " WHERE posts.author_id = users.id AND posts.status = 'published') + "
        "(SELECT count(*) FROM comments "
        " WHERE comments.author_id = users.id AND comments.status = 'published')"
    )


def downgrade():
    pass
