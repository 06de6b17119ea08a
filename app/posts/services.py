"""Writing posts and comments. Functions change the session and flush; the caller commits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.content import MARKUP_VERSION, render_markdown, slugify, summarize
from app.db import today, utcnow
from app.experiences.facts import Facts
from app.experiences.services import save_facts
from app.extensions import db
from app.models import Comment, ModerationEvent, Post, Revision, Tag, User
from app.models.enums import POST_KINDS
from app.moderation import gate, service
from app.moderation.service import ModerationError
from app.posts.references import (
    Reference,
    ReferenceInputError,
    latest_review_date,
    parse_references,
    parse_review_date,
    replace_references,
)

TITLE_MIN, TITLE_MAX = 5, 200
BODY_MIN, BODY_MAX = 20, 50_000
COMMENT_MIN, COMMENT_MAX = 2, 10_000
MAX_TAGS = 6
DUPLICATE_WINDOW = timedelta(minutes=10)


class PostInputError(ValueError):
    """Input that cannot be saved, keyed by the form field it concerns."""

    def __init__(self, field: str, message: str, messages: list[str] | None = None):
        super().__init__(message)
        self.field = field
        self.messages = messages or [message]


@dataclass(frozen=True)
class ArticleExtras:
    """What only an article carries: its references and the review date its author chose."""

    references: list[Reference]
    review_due_on: date | None


@dataclass(frozen=True)
class Rendered:
    html: str
    summary: str
    findings: list[dict]


def ensure_can_write(user: User) -> None:
    """Refuse a suspended member (for writes the gate does not count, such as flags)."""
    gate.ensure_not_suspended(user)


def parse_tag_slugs(raw: str) -> list[str]:
    slugs = []
    for part in (raw or "").split(","):
        slug = part.strip().lower()
        if slug and slug not in slugs:
            slugs.append(slug)
    return slugs


def resolve_tags(raw: str) -> list[Tag]:
    slugs = parse_tag_slugs(raw)
    if len(slugs) > MAX_TAGS:
        raise PostInputError("tags", f"Choose at most {MAX_TAGS} tags.")
    tags = {tag.slug: tag for tag in db.session.scalars(select(Tag).where(Tag.slug.in_(slugs)))}
    unknown = [slug for slug in slugs if slug not in tags]
    if unknown:
        raise PostInputError(
            "tags", "Unknown tags: " + ", ".join(unknown[:10]) + ". Choose from the existing tags."
        )
    return [tags[slug] for slug in slugs]


def check_post_input(author: User, kind: str, title: str, body: str) -> None:
    if kind not in POST_KINDS:
        raise PostInputError("kind", "Choose experience, question or article.")
    if kind == "article" and not (author.is_verified_provider or author.is_moderator):
        raise PostInputError(
            "kind",
            "Articles are for verified providers. Share it as an "
            "experience or a question, or apply for verification.",
        )
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise PostInputError("title", f"Use {TITLE_MIN} to {TITLE_MAX} characters for the title.")
    if not BODY_MIN <= len(body) <= BODY_MAX:
        raise PostInputError("body", f"Write {BODY_MIN} to {BODY_MAX:,} characters.")


def check_article_extras(
    kind: str, references: str, review_due: str, post: Post | None = None
) -> ArticleExtras:
    """The references and review date from the form (for a new post, or an edit of `post`), or
    PostInputError saying what is wrong."""
    try:
        parsed = parse_references(references)
    except ReferenceInputError as error:
        raise PostInputError("references", str(error), error.messages) from None
    try:
        on = today()
        stored = post.review_due_on if post is not None else None
        due = parse_review_date(review_due, stored, on, latest_review_date(post, on))
    except ValueError as error:
        raise PostInputError("review_due_on", str(error)) from None
    if kind != "article" and parsed:
        raise PostInputError(
            "references", "Only articles list references: choose Article, or remove them."
        )
    if kind != "article" and due is not None:
        raise PostInputError(
            "review_due_on", "Only articles have a review date: choose Article, or clear it."
        )
    return ArticleExtras(parsed, due)


def render_for(author: User, title: str, body: str) -> Rendered:
    """The stored HTML and the findings a moderator should see, from one pass."""
    html = render_markdown(body)
    findings = gate.rendered_findings(author, title, html)
    return Rendered(html=html, summary=summarize(html), findings=findings)


def unique_post_slug(title: str) -> str:
    base = slugify(title)
    # A range, not LIKE, so the unique index on slug is used (slugs are [a-z0-9-]; "." > "-").
    taken = set(
        db.session.scalars(
            select(Post.slug).where(
                (Post.slug == base) | ((Post.slug >= f"{base}-") & (Post.slug < f"{base}."))
            )
        )
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def recent_duplicate(author: User, title: str, body: str) -> Post | None:
    """The same post sent twice (a double click, a resent form) within a few minutes."""
    return db.session.scalar(
        select(Post)
        .where(
            Post.author_id == author.id,
            Post.title == title,
            Post.body_source == body,
            Post.created_at >= utcnow() - DUPLICATE_WINDOW,
            Post.status != "deleted",
        )
        .limit(1)
    )


def create_post(
    *,
    author: User,
    kind: str,
    title: str,
    body: str,
    tags: list[Tag],
    submit: bool,
    references: str = "",
    review_due: str = "",
    facts: Facts | None = None,
) -> Post:
    """A new post: kept as a draft, or submitted (published at once when trusted). An article
    may list references and choose its first review date (app.posts.references); facts are
    kept for an experience only."""
    gate.admit(author, "post")
    title, body = title.strip(), body.strip()
    check_post_input(author, kind, title, body)
    extras = check_article_extras(kind, references, review_due)
    rendered = render_for(author, title, body)
    post = Post(
        author=author,
        kind=kind,
        title=title,
        slug=unique_post_slug(title),
        summary=rendered.summary,
        body_source=body,
        body_html=rendered.html,
        markup_version=MARKUP_VERSION,
        status="draft",
        tags=tags,
        findings=json.dumps(rendered.findings),
        review_due_on=extras.review_due_on,
    )
    db.session.add(post)
    db.session.flush()
    if extras.references:  # a new post has none stored to compare with
        replace_references(post, extras.references)
    save_facts(post, facts)
    if submit:
        submit_post(post, author)
    return post


def submit_post(post: Post, author: User) -> None:
    """Publish directly when the author is trusted and nothing needs a look; else queue it."""
    gate.ensure_not_suspended(author)
    needs_review = gate.needs_review(author, post.finding_list)
    service.apply(post, "submit" if needs_review else "publish", author)


def update_post(
    post: Post,
    *,
    editor: User,
    kind: str,
    title: str,
    body: str,
    tags: list[Tag],
    submit: bool,
    references: str = "",
    review_due: str = "",
    facts: Facts | None = None,
) -> Post:
    """Edit by the author: keep a revision, re-render, and re-queue when it needs a look.
    The facts replace the post's (none given, or a post that is no longer an experience,
    leaves it none)."""
    gate.ensure_not_suspended(editor)
    if editor.id != post.author_id:
        raise ModerationError("Only the author can edit a post.", 403)
    if post.status in ("removed", "deleted", "hidden"):
        raise ModerationError(f"This post is {post.status} and can no longer be edited.", 409)
    gate.count_write(editor, "post_edit")
    title, body = title.strip(), body.strip()
    check_post_input(editor, kind, title, body)
    extras = check_article_extras(kind, references, review_due, post)
    if (title, body) != (post.title, post.body_source):
        db.session.add(
            Revision(
                post_id=post.id, editor_id=editor.id, title=post.title, body_source=post.body_source
            )
        )
        if post.published_at is not None:
            post.edited_at = utcnow()
    rendered = render_for(editor, title, body)
    if slugify(title) != slugify(post.title):  # words edited out of a title leave its URL too
        post.slug = unique_post_slug(title)
    post.kind, post.title, post.body_source, post.tags = kind, title, body, tags
    post.body_html, post.summary = rendered.html, rendered.summary
    post.markup_version = MARKUP_VERSION
    post.findings = json.dumps(rendered.findings)
    post.review_due_on = extras.review_due_on
    if replace_references(post, extras.references):
        post.updated_at = utcnow()  # readers see the change: the post's page and index follow
        if post.published_at is not None:
            post.edited_at = post.updated_at
    db.session.flush()
    save_facts(post, facts)
    if post.is_public and gate.needs_review(editor, rendered.findings):
        service.apply(post, "resubmit", editor)
    elif submit and post.status in ("draft", "rejected"):
        submit_post(post, editor)
    return post


def withdraw(item: Post | Comment, author: User) -> None:
    if item.author_id != author.id:
        raise ModerationError("Only the author can withdraw this.", 403)
    service.apply(item, "withdraw", author)


def create_comment(*, post: Post, author: User, body: str) -> Comment:
    gate.admit(author, "reply")
    if not post.is_public:
        raise ModerationError("Comments are open on published posts only.", 409)
    body = body.strip()
    if not COMMENT_MIN <= len(body) <= COMMENT_MAX:
        raise PostInputError("body", f"Write {COMMENT_MIN} to {COMMENT_MAX:,} characters.")
    rendered = render_for(author, "", body)
    comment = Comment(
        post_id=post.id,
        author_id=author.id,
        body_source=body,
        body_html=rendered.html,
        markup_version=MARKUP_VERSION,
        status="draft",
        findings=json.dumps(rendered.findings),
    )
    db.session.add(comment)
    db.session.flush()
    needs_review = gate.needs_review(author, rendered.findings)
    service.apply(comment, "submit" if needs_review else "publish", author)
    return comment


def create_published_post(
    *,
    author: User,
    kind: str,
    title: str,
    body: str,
    tags: list[Tag],
    published_at: datetime,
    reviewed_by: User | None = None,
    external_id: str | None = None,
) -> Post:
    """A post that is public at once: for demo content and imports, not member submissions."""
    title, body = title.replace("\x00", ""), body.replace("\x00", "")
    html = render_markdown(body)
    post = Post(
        author=author,
        kind=kind,
        title=title,
        slug=unique_post_slug(title),
        summary=summarize(html),
        body_source=body,
        body_html=html,
        markup_version=MARKUP_VERSION,
        status="published",
        tags=tags,
        created_at=published_at,
        updated_at=published_at,
        published_at=published_at,
        reviewed_by=reviewed_by,
        last_reviewed_at=published_at if reviewed_by else None,
        external_id=external_id,
    )
    db.session.add(post)
    db.session.flush()
    return post


def record_medical_review(post: Post, reviewer: User) -> None:
    """A verified provider other than the author vouches for a published article."""
    gate.ensure_not_suspended(reviewer)
    if not reviewer.is_verified_provider:
        raise ModerationError("Only verified providers can review articles.", 403)
    if post.kind != "article" or not post.is_public:
        raise ModerationError("Only published articles carry a medical review.", 409)
    if post.author_id == reviewer.id:
        raise ModerationError("An article is reviewed by someone other than its author.", 400)
    gate.count_write(reviewer, "medical_review")
    post.reviewed_by_id = reviewer.id
    post.last_reviewed_at = utcnow()
    post.review_due_on = None  # the next review falls due the default interval from this one
    db.session.add(
        ModerationEvent(
            actor_id=reviewer.id,
            action="medical_review",
            target_type="post",
            target_id=post.id,
            from_state=post.status,
            to_state=post.status,
        )
    )
    db.session.flush()
