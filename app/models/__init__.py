"""Every model, imported here so Alembic and the app see one complete metadata."""

from app.models.engagement import Bookmark, Follow, MemberCondition, Reaction
from app.models.experiences import (
    ExperienceFact,
    ExperienceSideEffect,
    experience_report_rows,
)
from app.models.insights import SearchMiss
from app.models.mailing import DigestDelivery, EmailSettings
from app.models.moderation import (
    AppendOnlyError,
    Flag,
    ModerationEvent,
    Notification,
    SearchOutbox,
    SiteState,
)
from app.models.posts import ArticleReference, Comment, Post, Revision
from app.models.tags import Tag, TagKindCount, TagPairCount, post_tags
from app.models.tokens import PasswordResetToken, PendingRegistration
from app.models.users import ProfileChange, User

__all__ = [
    "ArticleReference",
    "AppendOnlyError",
    "Bookmark",
    "Follow",
    "MemberCondition",
    "PasswordResetToken",
    "PendingRegistration",
    "Reaction",
    "Comment",
    "DigestDelivery",
    "EmailSettings",
    "ExperienceFact",
    "ExperienceSideEffect",
    "Flag",
    "ModerationEvent",
    "Notification",
    "Post",
    "ProfileChange",
    "Revision",
    "SearchMiss",
    "SearchOutbox",
    "SiteState",
    "Tag",
    "TagKindCount",
    "TagPairCount",
    "User",
    "experience_report_rows",
    "post_tags",
]
