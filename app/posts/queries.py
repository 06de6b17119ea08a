"""Who may see which posts: the queries built on the public rule (`is_public`, owned by
app.models.visibility) and the exceptions for authors and moderators.

Every list, page, feed, sitemap, API response and search result builds on these helpers,
so content that is not published cannot leak through a forgotten filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import defer, joinedload, load_only, selectinload, undefer

from app.db import inline, inline_key, read
from app.extensions import db
from app.models import Comment, Post, Tag, TagKindCount, User, post_tags
from app.models.tags import tag_path
from app.posts.cards import CARD_COLUMNS, Card, cards_of

# What a post says: its Markdown, the HTML made of it, and the screening findings.
SOURCE_COLUMNS = (Post.body_source, Post.findings)
# What a byline shows of an account (name, role, the verified provider's badge). Nothing
# private is read, and on PostgreSQL every column fetched costs on every row of every page.
BYLINE_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.role,
    User.verification_state,
    User.credentials,
    User.specialty,
)
# What an author's public page shows, with the count of published posts it lists (which a
# read-only request can take from the row it loads; see published_count_by for writes).
PROFILE_COLUMNS = (*BYLINE_COLUMNS, User.bio_html, User.created_at, User.published_post_count)
# What a card or a post page shows of a tag.
TAG_LABEL_COLUMNS = (Tag.slug, Tag.name, Tag.kind)
# Statements derived from a listing built once (its window, its count, its tag or author
# filter) are kept per listing: one per filter combination, so the bound is generous.
LISTING_SHAPES = 256


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


# Statements are immutable, so each listing's shape is built once and shared; the values
# (a tag, an author) go in as bound parameters. Building them afresh cost more than running them.


@cache
def published_posts(*, with_tags: bool = True, with_bodies: bool = False) -> Select:
    """Published posts, newest first, with what a listing shows loaded up front (the author in
    the same query; the tags in one more, unless a short list shows none). A listing never
    reads the bodies: they stay in the database, and touching them raises. Feeds, snippets
    and the index ask for the HTML (`with_bodies`); nothing listed needs the Markdown."""
    tags = selectinload(Post.tags).load_only(*TAG_LABEL_COLUMNS)
    loads = [byline(Post.author), *([tags] if with_tags else [])]
    hidden = SOURCE_COLUMNS if with_bodies else (*SOURCE_COLUMNS, Post.body_html)
    loads += [defer(column, raiseload=True) for column in hidden]
    return (
        select(Post)
        .where(Post.is_public)
        .options(*loads)
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


@cache
def published_cards() -> Select:
    """published_posts as the rows of their cards (app.posts.cards): the public listings'
    pages show nothing else of a post, and rows cost a fraction of ORM objects."""
    return (
        select(*CARD_COLUMNS)
        .join_from(Post, User, User.id == Post.author_id)
        .where(Post.is_public)
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


def byline(relationship):
    """Load an author with a post, only as far as a byline needs (the rest loads if touched)."""
    return joinedload(relationship).load_only(*BYLINE_COLUMNS)


def author_named(username: str) -> User | None:
    """The account behind a public author page or feed, loaded as far as the page shows it."""
    return db.session.scalar(_author_named(), {"username": username})


@cache
def _author_named() -> Select:
    return (
        select(User)
        .where(User.username == bindparam("username"))
        .options(load_only(*PROFILE_COLUMNS))
    )


def can_view(post: Post, viewer: User | None) -> bool:
    """Published posts for everyone; a draft for its author alone; what was submitted (pending,
    rejected, hidden, removed) for its author and the moderators."""
    if post.is_public:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    if post.status == "deleted":
        return False
    if post.author_id == viewer.id:
        return True
    return viewer.is_moderator and post.status != "draft"


def viewable_post(post_id: int, viewer: User | None, *, with_tags: bool = True) -> Post | None:
    """The post if this viewer may see it; without `with_tags`, `post.tags` is not loaded
    (and raises if read): the post's page reads them as rows (tags_of)."""
    post = db.session.scalar(_post_page(with_tags), {"post_id": post_id})
    if post is None or not can_view(post, viewer):
        return None
    return post


@cache
def _post_page(with_tags: bool) -> Select:
    """A post with its author and reviewer joined; its tags in a second statement (SQLite
    would build the join of every post's tags before picking this post's)."""
    tags = [selectinload(Post.tags).load_only(*TAG_LABEL_COLUMNS)] if with_tags else []
    return (
        select(Post)
        .where(Post.id == bindparam("post_id"))
        .options(
            byline(Post.author),
            byline(Post.reviewed_by),
            *tags,
            *(defer(column) for column in SOURCE_COLUMNS),  # read only by the edit form
            undefer(Post.is_answered),  # a question's page says whether it is answered
        )
    )


class TagLink(NamedTuple):
    """A tag as a page links it, read as a row (a post's tags: a third of selectinload's
    cost; the index of tags)."""

    id: int
    slug: str
    name: str
    kind: str

    @property
    def path(self) -> str:
        return tag_path(self.slug)


def tags_of(post_id: int) -> list[TagLink]:
    """A post's tags in Post.tags' order."""
    return [TagLink(*row) for row in read(_tags_of(), {"post_id": post_id})]


@cache
def _tags_of() -> Select:
    return (
        select(Tag.id, Tag.slug, Tag.name, Tag.kind)
        .join(post_tags, post_tags.c.tag_id == Tag.id)
        .where(post_tags.c.post_id == bindparam("post_id"))
        .order_by(Tag.name, Tag.id)
    )


def paginate(query: Select, page: int, per_page: int, total: int | None = None) -> Page:
    """One page of a query; `total` when the caller knows it (a counter), else COUNT(*)."""
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    window = query.limit(inline(per_page)).offset(inline((page - 1) * per_page))
    items = db.session.scalars(window).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)


def paginate_cards(
    listing: Select,
    values: dict,
    page: int,
    per_page: int,
    total: int | None = None,
    items_of: Callable[[Select, dict], list] = cards_of,
) -> Page:
    """paginate for a listing built once on published_cards and run with `values` (so the
    statement, its window and their compiled SQL are reused): the page's items are Cards, or
    what `items_of` makes of the window's rows."""
    window = {**values, "window_size": per_page, "window_start": (page - 1) * per_page}
    items = items_of(windowed(listing), window)
    if total is None:
        total = read(counting(listing), values).scalar()
    return Page(items=items, page=page, per_page=per_page, total=total or 0)


@lru_cache(maxsize=LISTING_SHAPES)
def windowed(listing: Select) -> Select:
    return listing.limit(inline_key("window_size")).offset(inline_key("window_start"))


@lru_cache(maxsize=LISTING_SHAPES)
def counting(listing: Select) -> Select:
    return select(func.count()).select_from(listing.order_by(None).subquery())


def latest_cards(limit: int) -> list[Card]:
    """The cards of the newest published posts (the home page's listing)."""
    return cards_of(windowed(published_cards()), {"window_size": limit, "window_start": 0})


def published_in_tag(tag: Tag, *, with_tags: bool = True, with_bodies: bool = False) -> Select:
    """The tag's published posts, newest first, read in order from the listing index."""
    return in_a_tag(with_tags=with_tags, with_bodies=with_bodies).params(listed_tag_id=tag.id)


def cards_in_a_tag() -> Select:
    """published_in_tag as the rows of their cards: run it with `listed_tag_id`."""
    return listed_in_a_tag(published_cards())


@cache
def in_a_tag(*, with_tags: bool = True, with_bodies: bool = False) -> Select:
    """published_in_tag's shape, for statements built once: run it with `listed_tag_id`."""
    return listed_in_a_tag(published_posts(with_tags=with_tags, with_bodies=with_bodies))


@lru_cache(maxsize=LISTING_SHAPES)
def listed_in_a_tag(published: Select) -> Select:
    """Published posts (or their cards) in the tag `listed_tag_id`, from the listing index."""
    return (
        published.join(post_tags, post_tags.c.post_id == Post.id)
        .where(
            post_tags.c.tag_id == inline_key("listed_tag_id"),
            post_tags.c.published_at.is_not(None),
        )
        .order_by(None)
        .order_by(post_tags.c.published_at.desc(), post_tags.c.post_id.desc())
    )


def published_by(author: User, *, with_bodies: bool = False) -> Select:
    return by_an_author(published_posts(with_bodies=with_bodies)).params(listed_author_id=author.id)


def cards_by_an_author() -> Select:
    """published_by as the rows of their cards: run it with `listed_author_id`."""
    return by_an_author(published_cards())


@lru_cache(maxsize=LISTING_SHAPES)
def by_an_author(published: Select) -> Select:
    return published.where(Post.author_id == inline_key("listed_author_id"))


def published_with_ids(post_ids: list[int]) -> dict[int, Post]:
    """The published ones of these posts by id, with their bodies and tags (for snippets and
    the search index)."""
    if not post_ids:
        return {}
    statement = _published_with_ids(db.engine.dialect.name == "postgresql")
    found = db.session.scalars(statement, {"post_ids": list(post_ids)}).unique()
    return {post.id: post for post in found}


@cache
def _published_with_ids(tags_joined: bool) -> Select:
    """Looked up by key, with no ORDER BY (which would walk the listing index over every
    published post). On PostgreSQL the tags come in the same statement, joined: a page of
    search results is ten posts (the outbox asks for a few), and a second statement for their
    tags cost more than the extra rows. SQLite would build the whole tag join before using the
    ids, so there they come in a second statement, which costs no round trip."""
    tags = (joinedload if tags_joined else selectinload)(Post.tags).load_only(*TAG_LABEL_COLUMNS)
    return (
        published_posts(with_tags=False, with_bodies=True)
        .options(tags)
        .where(Post.id.in_(bindparam("post_ids", expanding=True)))
        .order_by(None)
    )


def published_counts_by_tag() -> dict[int, int]:
    """Published posts per tag, from the counters app.posts.listing_index keeps."""
    rows = db.session.execute(
        select(TagKindCount.tag_id, func.sum(TagKindCount.post_count)).group_by(TagKindCount.tag_id)
    )
    return {tag_id: int(count) for tag_id, count in rows if count}


def published_count_in_tag(tag: Tag, kind: str | None = None) -> int:
    """Published posts with this tag (of one kind, if given), from the counters."""
    return int(db.session.scalar(count_in_tag(tag.id, kind)) or 0)


def count_in_tag(tag_id, kind: str | None = None) -> Select:
    """The statement behind published_count_in_tag; `tag_id` may be a column, to correlate."""
    query = select(func.sum(TagKindCount.post_count)).where(TagKindCount.tag_id == tag_id)
    if kind is not None:
        query = query.where(TagKindCount.kind == kind)
    return query


def counted_total(tag: Tag | None, author: User | None, kind: str | None) -> int | None:
    """How many published posts match these filters, when the counters know it; else None, and
    the caller counts the rows."""
    if tag is not None and author is None:
        return published_count_in_tag(tag, kind)
    if author is not None and tag is None and kind is None:
        return published_count_by(author)
    if tag is None and author is None and kind is None:
        return int(db.session.scalar(select(func.sum(User.published_post_count))) or 0)
    return None


def published_count_by(author: User) -> int:
    """The author's published posts, from the counter app.posts.listing_index keeps (read from
    the row, not the loaded object, which a change earlier in the transaction leaves stale)."""
    return db.session.scalar(select(User.published_post_count).where(User.id == author.id)) or 0


def visible_comments(post: Post, viewer: User | None) -> list[Comment]:
    """Published replies, plus the viewer's own unpublished ones (and, for moderators, every
    submitted one: drafts stay their author's)."""
    signed_in = viewer is not None and viewer.is_authenticated
    reader = ("moderator" if viewer.is_moderator else "member") if signed_in else "anonymous"
    values = {"post_id": post.id, "viewer_id": viewer.id if signed_in else None}
    return list(db.session.scalars(_replies_shown_to(reader), values))


@cache
def _replies_shown_to(reader: str) -> Select:
    query = (
        select(Comment)
        .where(Comment.post_id == bindparam("post_id"))
        .options(byline(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )
    own = (Comment.author_id == bindparam("viewer_id")) & (Comment.status != "deleted")
    if reader == "moderator":
        return query.where(Comment.status.not_in(("deleted", "draft")) | own)
    if reader == "member":
        return query.where(Comment.is_public | own)
    return query.where(Comment.is_public)


def posts_by_author_any_status(author: User) -> Select:
    """Everything a member wrote except what they withdrew: their own posts page."""
    return (
        select(Post)
        .where(Post.author_id == author.id, Post.status != "deleted")
        .options(selectinload(Post.tags), selectinload(Post.author))
        .order_by(Post.updated_at.desc(), Post.id.desc())
    )


def published_between(start, end) -> list:
    """Rows (id, title, author_id, published_at) of the posts published in [start, end) and
    public now, newest first: one statement for every reader of a digest."""
    return list(
        db.session.execute(
            select(Post.id, Post.title, Post.author_id, Post.published_at)
            .where(Post.is_public, Post.published_at >= start, Post.published_at < end)
            .order_by(Post.published_at.desc(), Post.id.desc())
        )
    )


def tags_of_published_between(start, end) -> list:
    """Rows (post_id, tag_id) of the same posts, from the listing index (which holds a post's
    tags only while it is public)."""
    return list(
        db.session.execute(
            select(post_tags.c.post_id, post_tags.c.tag_id)
            .join(Post, Post.id == post_tags.c.post_id)
            .where(Post.is_public, Post.published_at >= start, Post.published_at < end)
            .where(post_tags.c.published_at.is_not(None))
        )
    )
