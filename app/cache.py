"""A cache of whole anonymous pages, exact to the last committed change.

Every transaction that touches public content bumps `site_state.content_version` (in the same
transaction, so every process and every node sees it at once). A cached page is served only
while the version it was rendered at is still current, and only to a visitor who has no
session cookie at all, so nothing personal can be in it or come out of it.

Engagement is the exception: a helpful mark or a follow changes only a count, so it does not
bump the version and empty every cached page. A post page is valid only while its post's
helpful count, and an author page while the author's follower count, is what it was rendered
with (read in the same query as the version). A tag's "most helpful" listing may show the old
order for up to ENGAGEMENT_LAG_SECONDS (as Discourse serves anonymous pages up to a minute
old). Bookmarks and tag follows are private and change no cached page.

The same anonymous pages answer conditional requests. Every one carries an ETag (a hash of
its body), so If-None-Match gets a 304 whether or not the cache is on. A page served from the
cache once the second it was rendered in has passed also carries Last-Modified: that second.
Its version was still current when it was served, so no other content can share that date,
and If-Modified-Since is exact too. A fresh render carries no Last-Modified, since a change
later in the same second could not be told apart by a date.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import ScalarSelect, event, func, literal, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Comment, Follow, MemberCondition, Post, SiteState, Tag, User

# Posts are app.posts.changes' to judge: it knows a helpful count from a change a reader sees.
PUBLIC_MODELS = (Comment, Tag, User, MemberCondition)
CACHEABLE_ENDPOINTS = frozenset(
    {"main.home", "tags.index", "tags.show", "posts.show", "authors.show"}
    | {"feeds.latest", "feeds.tag", "feeds.author", "feeds.sitemap", "feeds.post_sitemap"}
    | {"feeds.robots"}
    | {"api.list_posts", "api.show_post", "api.list_tags", "api.show_tag", "api.show_author"}
)
ENGAGEMENT_LAG_SECONDS = 60
MAX_ENTRIES = 2000
MAX_BODY_BYTES = 512 * 1024
CHANGED_KEY = "public_content_changed"


@dataclass(frozen=True)
class CachedPage:
    version: tuple
    body: bytes
    content_type: str
    stored_at: float = 0.0
    etag: str = ""
    rendered_at: float = 0.0


def now() -> float:
    return time.monotonic()


def wall_clock() -> float:
    return time.time()


class PageCache:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: str, version: tuple, max_age: float | None = None) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.version != version:
                return None
            if max_age is not None and now() - page.stored_at > max_age:
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._max_entries:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def mark_public_content_changed(session: Session) -> None:
    """For changes to posts (app.posts.changes calls it), and bulk statements the flush hook
    below cannot see."""
    session.info[CHANGED_KEY] = True


@event.listens_for(Session, "before_flush")
def _note_public_changes(session: Session, flush_context, instances) -> None:
    if any(
        isinstance(obj, PUBLIC_MODELS) for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info[CHANGED_KEY] = True


@event.listens_for(Session, "before_commit")
def _bump_version(session: Session) -> None:
    session.flush()  # commit flushes only after this hook: changes still unflushed count too
    if not session.info.pop(CHANGED_KEY, False):
        return
    result = session.execute(
        update(SiteState)
        .where(SiteState.id == 1)
        .values(content_version=SiteState.content_version + 1)
    )
    if result.rowcount == 0:
        session.add(SiteState(id=1, content_version=1))
        session.flush()


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(CHANGED_KEY, None)


def content_version() -> int:
    return db.session.scalar(select(SiteState.content_version).where(SiteState.id == 1)) or 0


def page_version() -> tuple:
    """What a cached copy of this page must have been rendered at: the content version and,
    on a post or author page, its helpful or follower count; one query."""
    version = select(SiteState.content_version).where(SiteState.id == 1).scalar_subquery()
    shown = engagement_shown()
    row = db.session.execute(
        select(func.coalesce(version, 0), literal(None) if shown is None else shown)
    ).one()
    return tuple(row)


def engagement_shown() -> ScalarSelect | None:
    """The engagement count this page shows, if it shows one."""
    args = request.view_args or {}
    if request.endpoint == "posts.show":
        return select(Post.helpful_count).where(Post.id == args["post_id"]).scalar_subquery()
    if request.endpoint == "authors.show":
        return (
            select(func.count(Follow.id))
            .join(User, User.id == Follow.author_id)
            .where(User.username == str(args["username"]).lower())
            .scalar_subquery()
        )
    return None


def lags_behind_engagement() -> bool:
    """A listing ordered by helpful counts: re-rendered at most every ENGAGEMENT_LAG_SECONDS."""
    return request.endpoint == "tags.show" and request.args.get("sort") == "helpful"


def is_anonymous_page() -> bool:
    """A request for a page that is the same for every visitor: no cookie, a public endpoint."""
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in CACHEABLE_ENDPOINTS
        and not request.cookies
    )


def _cache_key() -> str | None:
    if request.method != "GET" or not is_anonymous_page():
        return None
    # pages carry absolute URLs (canonical, feeds, sitemap): one Host must not poison another's
    return request.host_url + request.full_path


def serve_from_cache():
    key = _cache_key()
    if key is None:
        return None
    version = page_version()
    max_age = ENGAGEMENT_LAG_SECONDS if lags_behind_engagement() else None
    page = current_app.extensions["page_cache"].get(key, version, max_age)
    if page is None:
        g.page_cache_key, g.page_cache_version = key, version
        return None
    response = Response(page.body, content_type=page.content_type)
    response.headers["X-Page-Cache"] = "hit"
    response.vary.add("Cookie")
    response.set_etag(page.etag)
    rendered_second = int(page.rendered_at)
    if int(wall_clock()) > rendered_second:
        response.last_modified = rendered_second
    return response.make_conditional(request)


def store_in_cache(response: Response) -> Response:
    key = g.get("page_cache_key")
    if key is None:
        return response
    response.vary.add("Cookie")
    if is_storable(response):
        page = CachedPage(
            g.page_cache_version,
            response.get_data(),
            response.content_type,
            now(),
            etag=response.get_etag()[0] or "",
            rendered_at=wall_clock(),
        )
        current_app.extensions["page_cache"].put(key, page)
        response.headers["X-Page-Cache"] = "miss"
    return response


def is_storable(response: Response) -> bool:
    return (
        response.status_code == 200
        and not session.modified
        and "Set-Cookie" not in response.headers
        and not response.direct_passthrough
        and response.content_length is not None
        and response.content_length <= MAX_BODY_BYTES
    )


def tag_with_etag(response: Response) -> Response:
    """Give an anonymous page its ETag; the cache stores it with the page."""
    if is_anonymous_page() and response.status_code == 200 and not response.direct_passthrough:
        response.vary.add("Cookie")
        response.add_etag()
    return response


def answer_conditionally(response: Response) -> Response:
    """304 for an anonymous page the visitor already has; after the cache took the body."""
    if is_anonymous_page() and response.get_etag()[0] is not None:
        return response.make_conditional(request)
    return response


def register(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache()
    # after_request hooks run last-registered first: tag, then store, then answer
    app.after_request(answer_conditionally)
    if app.config.get("PAGE_CACHE", True):
        app.before_request(serve_from_cache)
        app.after_request(store_in_cache)
    app.after_request(tag_with_etag)
