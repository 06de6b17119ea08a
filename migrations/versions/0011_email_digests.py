"""email digests and reply emails: a member's email settings and the digests sent

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 17:40:00

email_settings holds a member's choices (digest off, daily or weekly; reply emails on or
off); no row means both off. digest_deliveries records one row per member, period and window
with its state (sending, sent, uncertain, failed), so `flask digests send` never sends a
window twice. Both tables start empty; the downgrade drops them with the choices and the
record of what was sent.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "email_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=10), nullable=False),
        sa.Column("reply_emails", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "digest IN ('off', 'daily', 'weekly')", name=op.f("ck_email_settings_digest_choice")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_email_settings")),
    )
    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("post_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "period IN ('daily', 'weekly')", name=op.f("ck_digest_deliveries_period_choice")
        ),
        sa.CheckConstraint(
            "state IN ('sending', 'sent', 'uncertain', 'failed')",
            name=op.f("ck_digest_deliveries_state_choice"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_digest_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_deliveries")),
        sa.UniqueConstraint(
            "user_id", "period", "window_start", name=op.f("uq_digest_deliveries_window")
        ),
    )
    op.create_index(
        "ix_digest_deliveries_period_window_start",
        "digest_deliveries",
        ["period", "window_start"],
    )


def downgrade():
    op.drop_index("ix_digest_deliveries_period_window_start", table_name="digest_deliveries")
    op.drop_table("digest_deliveries")
    op.drop_table("email_settings")
