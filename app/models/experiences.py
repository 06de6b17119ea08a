"""An experience's optional structured facts, and the rows each tag's report is counted from.

`ExperienceFact` (one row per post) and `ExperienceSideEffect` are the member's own data.
`experience_report_rows` is derived from them: one row per (tag, reported value, post), kept
by app.experiences.services whenever a post's facts or tags are saved. Its foreign key to
`post_tags` deletes a row with the tag it was counted under, and whether it counts is decided
at read time through the listing index (`post_tags.published_at`), never stored here.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
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
    Column("tag_id", Integer, nullable=False),
    Column("facet", String(16), nullable=False),
    Column("value", String(80), nullable=False),
    Column("author_id", Integer, nullable=False),
    Column(
        "post_id",
        ForeignKey("experience_facts.post_id", ondelete="CASCADE"),
        nullable=False,
    ),
    # one tag's report reads this key in order: facet, value, then the distinct authors
    PrimaryKeyConstraint("tag_id", "facet", "value", "author_id", "post_id"),
    ForeignKeyConstraint(
        ["post_id", "tag_id"], ["post_tags.post_id", "post_tags.tag_id"], ondelete="CASCADE"
    ),
    CheckConstraint(in_list("facet", REPORTED_FACETS), name="facet"),
    # what the cascades from a post's facts and tags look up
    Index("ix_experience_report_rows_post_id", "post_id", "tag_id"),
)
