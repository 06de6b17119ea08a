"""experiences carry structured facts; tags count what members report

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 17:45:00.000000

experience_facts (one row per experience post: medication, change, switched_to, dose band,
duration, outcome, each from its vocabulary in app/experiences/facts.py or NULL) and
experience_side_effects (one row per side effect) hold what members give; they start empty.
experience_report_rows is derived from them (one row per tag of the post and reported value),
deleted with the post's facts or with the post_tags row it was counted under; `listed` is the
listing index's copy of whether the post is listed in that tag. The vocabularies
are copied here as they are today, so this revision builds the same CHECKs whatever the
module says later. The downgrade drops the three tables, and with them every fact.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MEDICATIONS = (
    "azathioprine",
    "mercaptopurine",
    "mycophenolate",
    "tacrolimus",
    "prednisolone",
    "budesonide",
    "allopurinol",
    "other",
)
CHANGES = ("started", "stopped", "switched")
DOSE_BANDS = ("low", "usual", "high", "not_sure")
DURATIONS = ("under_1_month", "1_to_6_months", "6_to_12_months", "1_to_5_years", "over_5_years")
OUTCOMES = ("better", "no_change", "worse", "too_early")
SIDE_EFFECTS = (
    "nausea",
    "hair_thinning",
    "low_white_count",
    "raised_liver_enzymes",
    "rash",
    "fatigue",
    "infections",
    "pancreatitis",
    "other",
)
REPORTED_FACETS = ("change", "side_effect", "outcome")


def in_list(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def upgrade():
    op.create_table(
        "experience_facts",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("medication", sa.String(length=32), nullable=True),
        sa.Column("change", sa.String(length=16), nullable=True),
        sa.Column("switched_to", sa.String(length=32), nullable=True),
        sa.Column("dose_band", sa.String(length=16), nullable=True),
        sa.Column("duration", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(in_list("medication", MEDICATIONS), name=op.f("ck_experience_facts_medication")),
        sa.CheckConstraint(in_list("change", CHANGES), name=op.f("ck_experience_facts_change")),
        sa.CheckConstraint(in_list("switched_to", MEDICATIONS), name=op.f("ck_experience_facts_switched_to")),
        sa.CheckConstraint(in_list("dose_band", DOSE_BANDS), name=op.f("ck_experience_facts_dose_band")),
        sa.CheckConstraint(in_list("duration", DURATIONS), name=op.f("ck_experience_facts_duration")),
        sa.CheckConstraint(in_list("outcome", OUTCOMES), name=op.f("ck_experience_facts_outcome")),
        sa.CheckConstraint(
            "change IS NULL OR medication IS NOT NULL",
            name=op.f("ck_experience_facts_change_medication"),
        ),
        sa.CheckConstraint(
            "(change = 'switched' AND switched_to IS NOT NULL AND switched_to <> medication)"
            " OR (change IS NULL AND switched_to IS NULL)"
            " OR (change <> 'switched' AND switched_to IS NULL)",
            name=op.f("ck_experience_facts_switch"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_experience_facts_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_experience_facts_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_experience_facts")),
    )
    op.create_index(
        op.f("ix_experience_facts_author_id"), "experience_facts", ["author_id"], unique=False
    )
    op.create_table(
        "experience_side_effects",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("effect", sa.String(length=32), nullable=False),
        sa.CheckConstraint(in_list("effect", SIDE_EFFECTS), name=op.f("ck_experience_side_effects_effect")),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["experience_facts.post_id"],
            name=op.f("fk_experience_side_effects_post_id_experience_facts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "effect", name=op.f("pk_experience_side_effects")),
    )
    op.create_table(
        "experience_report_rows",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint(
            in_list("facet", REPORTED_FACETS), name=op.f("ck_experience_report_rows_facet")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["experience_facts.post_id"],
            name=op.f("fk_experience_report_rows_post_id_experience_facts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id", "tag_id"],
            ["post_tags.post_id", "post_tags.tag_id"],
            name=op.f("fk_experience_report_rows_post_id_post_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "post_id", "tag_id", "facet", "value", name=op.f("pk_experience_report_rows")
        ),
    )
    op.create_index(
        "ix_experience_report_rows_tag_id_listed",
        "experience_report_rows",
        ["tag_id", "listed", "facet", "value", "author_id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_experience_report_rows_tag_id_listed", table_name="experience_report_rows")
    op.drop_table("experience_report_rows")
    op.drop_table("experience_side_effects")
    op.drop_index(op.f("ix_experience_facts_author_id"), table_name="experience_facts")
    op.drop_table("experience_facts")
