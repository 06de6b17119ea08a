"""An experience's optional structured facts, and the rows each tag's report is counted from.

`ExperienceFact` (one row per post) and `ExperienceSideEffect` are the member's own data.
`experience_report_rows` is derived from them: one row per (post, tag, reported value), kept
by app.experiences.services whenever a post's facts or tags are saved. Its foreign key to
`post_tags` deletes a row with the tag it was counted under, and its `listed` is the listing
index's copy of whether the post is listed in that tag (app.posts.listing_index). No figure is
stored: they are counted from these rows when read.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin
from app.experiences.facts import (
    CHANGES,
    DOSE_BANDS,
    DURATIONS,
    MEDICATIONS,
    OUTCOMES,
    REPORTED_FACETS,
    SIDE_EFFECTS,
)
from app.models.enums import in_list


class ExperienceFact(TimestampMixin, Base):
    __tablename__ = "experience_facts"
    __table_args__ = (
        CheckConstraint(in_list("medication", tuple(MEDICATIONS)), name="medication"),
        CheckConstraint(in_list("change", tuple(CHANGES)), name="change"),
        CheckConstraint(in_list("switched_to", tuple(MEDICATIONS)), name="switched_to"),
        CheckConstraint(in_list("dose_band", tuple(DOSE_BANDS)), name="dose_band"),
        CheckConstraint(in_list("duration", tuple(DURATIONS)), name="duration"),
        CheckConstraint(in_list("outcome", tuple(OUTCOMES)), name="outcome"),
        CheckConstraint("change IS NULL OR medication IS NOT NULL", name="change_medication"),
        CheckConstraint(
            "(change = 'switched' AND switched_to IS NOT NULL AND switched_to <> medication)"
            " OR (change IS NULL AND switched_to IS NULL)"
            " OR (change <> 'switched' AND switched_to IS NULL)",
            name="switch",
        ),
    )

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    medication: Mapped[str | None] = mapped_column(String(32))
    change: Mapped[str | None] = mapped_column(String(16))
    switched_to: Mapped[str | None] = mapped_column(String(32))
    dose_band: Mapped[str | None] = mapped_column(String(16))
    duration: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))


class ExperienceSideEffect(Base):
    __tablename__ = "experience_side_effects"
    __table_args__ = (CheckConstraint(in_list("effect", tuple(SIDE_EFFECTS)), name="effect"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("experience_facts.post_id", ondelete="CASCADE"), primary_key=True
    )
    effect: Mapped[str] = mapped_column(String(32), primary_key=True)


experience_report_rows = Table(
    "experience_report_rows",
    Base.metadata,
    Column("post_id", Integer, nullable=False),
    Column("tag_id", Integer, nullable=False),
    Column("facet", String(16), nullable=False),
    Column("value", String(80), nullable=False),
    Column("author_id", Integer, nullable=False),
    # Whether the listing index lists the post in this tag (post_tags.published_at is set):
    # a copy app.posts.listing_index keeps in the same transaction as every change.
    Column("listed", Boolean, nullable=False, default=False, server_default=false()),
    PrimaryKeyConstraint("post_id", "tag_id", "facet", "value"),
    ForeignKeyConstraint(["post_id"], ["experience_facts.post_id"], ondelete="CASCADE"),
    ForeignKeyConstraint(
        ["post_id", "tag_id"], ["post_tags.post_id", "post_tags.tag_id"], ondelete="CASCADE"
    ),
    CheckConstraint(in_list("facet", REPORTED_FACETS), name="facet"),
    # one tag's report reads this index alone, in order: the listed rows of each value, then
    # their distinct authors
    Index(
        "ix_experience_report_rows_tag_id_listed",
        "tag_id",
        "listed",
        "facet",
        "value",
        "author_id",
    ),
)
