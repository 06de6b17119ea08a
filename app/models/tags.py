from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin, UTCDateTime
from app.models.enums import POST_KINDS, TAG_KINDS, in_list

post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The post's published_at and helpful_count while it is published, else NULL and 0 (kept by
    # app.posts.listing_index): a tag's listings, newest or most helpful first, its previous/next
    # and related posts each read one index in order.
    Column("published_at", UTCDateTime(), nullable=True),
    Column("helpful_count", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_post_tags_tag_id_published_at", "tag_id", "published_at", "post_id"),
    Index(
        "ix_post_tags_tag_id_helpful_count", "tag_id", "helpful_count", "published_at", "post_id"
    ),
)


def tag_path(slug: str) -> str:
    """A tag's page, as url_for("tags.show") builds it (slugs need no quoting)."""
    return f"/tags/{slug}"


def synonym_list(synonyms: str) -> list[str]:
    return [s.strip() for s in synonyms.split(",") if s.strip()]


class TagNaming:
    """A tag's address and synonym list, made of its slug and synonyms: for the model and for
    the rows that stand in for it on public pages."""

    __slots__ = ()

    @property
    def path(self) -> str:
        return tag_path(self.slug)

    @property
    def synonym_list(self) -> list[str]:
        return synonym_list(self.synonyms)


class Tag(TagNaming, TimestampMixin, Base):
    __tablename__ = "tags"
    __table_args__ = (CheckConstraint(in_list("kind", TAG_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    description_source: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    synonyms: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"


class TagKindCount(Base):
    """How many published posts of one kind carry a tag (kept by app.posts.listing_index)."""

    __tablename__ = "tag_kind_counts"
    __table_args__ = (CheckConstraint(in_list("kind", POST_KINDS), name="kind"),)

    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    post_count: Mapped[int] = mapped_column(default=0)


class TagPairCount(Base):
    """Published posts carrying both tags, stored both ways (kept by app.posts.listing_index)."""

    __tablename__ = "tag_pair_counts"

    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    other_tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    post_count: Mapped[int] = mapped_column(default=0)
