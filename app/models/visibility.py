"""What the public may see: the one rule, for posts and replies, in SQL and in Python.

Every listing, feed, sitemap, API response, search index, related-posts query and template asks
`is_public` (a hybrid: `Post.is_public` in a query, `post.is_public` on a loaded object); the
listing index and the standing counters derive their copies from it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement
from sqlalchemy.ext.hybrid import hybrid_property

if TYPE_CHECKING:
    from sqlalchemy.orm import Mapped

PUBLIC_STATUS = "published"


def status_is_public(status: str | None) -> bool:
    """Whether content in this moderation status is shown to everyone."""
    return status == PUBLIC_STATUS


class Publishable:
    """Content with a moderation status (posts, replies): `is_public` in SQL and in Python."""

    if TYPE_CHECKING:
        status: Mapped[str]

    @hybrid_property
    def is_public(self) -> bool:
        return status_is_public(self.status)

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls) -> ColumnElement[bool]:
        return cls.status == PUBLIC_STATUS
