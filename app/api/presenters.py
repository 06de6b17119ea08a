"""The JSON shapes of the API: what a client may see of a post, a tag and an author.

Each function lists its fields explicitly, so nothing private (email, licence number,
suspension, consent, password hash) can reach a response by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from app.api.listing import ListedPost
from app.experiences.facts import Facts
from app.models import ArticleReference, Post, Tag, User
from app.models.posts import post_path
from app.models.users import is_verified_provider
from app.posts.queries import Page


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def author_json(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "verified": user.is_verified_provider,
    }


def author_profile_json(user: User, post_count: int) -> dict:
    verified = user.is_verified_provider
    return {
        **author_json(user),
        "credentials": user.credentials if verified else None,
        "specialty": user.specialty if verified else None,
        "bio_html": user.bio_html,
        "member_since": user.created_at.date().isoformat(),
        "post_count": post_count,
    }


def post_json(post: Post) -> dict:
    return {
        "id": post.id,
        "url": post.path,
        "title": post.title,
        "kind": post.kind,
        "summary": post.summary,
        "tags": [tag.slug for tag in post.tags],
        "author": author_json(post.author),
        "published_at": iso(post.published_at),
        "answered": bool(post.is_answered),
        "accepted_comment_id": post.accepted_reply_id,
    }


def listed_post_json(post: ListedPost) -> dict:
    """post_json of a post read as a row for a list."""
    return {
        "id": post.id,
        "url": post_path(post.id, post.slug),
        "title": post.title,
        "kind": post.kind,
        "summary": post.summary,
        "tags": list(post.tags),
        "author": {
            "username": post.username,
            "display_name": post.display_name,
            "role": post.role,
            "verified": is_verified_provider(post.role, post.verification_state),
        },
        "published_at": iso(post.published_at),
        "answered": bool(post.is_answered),
        "accepted_comment_id": post.accepted_reply_id,
    }


def reference_json(reference: ArticleReference) -> dict:
    return {
        "kind": reference.kind,
        "value": reference.value,
        "url": reference.url,
        "label": reference.label or None,
    }


def post_detail_json(
    post: Post, references: Iterable[ArticleReference] = (), facts: Facts | None = None
) -> dict:
    """A post with its stored (sanitized) HTML; articles also say who reviewed them and when,
    their references and when the next review is due; an experience with facts carries them
    (`facts`, only the ones given)."""
    article = post.kind == "article"
    reviewer = post.reviewed_by if article else None
    due = post.review_due if article else None
    extra = {"facts": facts.as_json()} if facts is not None and not facts.is_empty else {}
    return {
        **extra,
        **post_json(post),
        "body_html": post.body_html,
        "reviewed_by": author_json(reviewer) if reviewer is not None else None,
        "last_reviewed_at": iso(post.last_reviewed_at) if article else None,
        "references": [reference_json(reference) for reference in references] if article else [],
        "review_due": due.isoformat() if due is not None else None,
    }


def tag_json(tag: Tag, post_count: int) -> dict:
    return {"slug": tag.slug, "name": tag.name, "kind": tag.kind, "post_count": post_count}


def tag_detail_json(tag: Tag, post_count: int) -> dict:
    return {
        **tag_json(tag, post_count),
        "description_html": tag.description_html,
        "synonyms": tag.synonym_list,
    }


def page_json(page: Page, item_json: Callable, next_url: str | None) -> dict:
    """The one shape every list shares."""
    return {
        "results": [item_json(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "next": next_url,
    }
