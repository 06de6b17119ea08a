"""A cache of whole anonymous pages, exact to the last committed change.

Every transaction that touches public content bumps `site_state.content_version` (in the same
transaction, so every process and every node sees it at once). A cached page is served only
while the version it was rendered at is still current, and only to a visitor who has no
cookie at all, so nothing personal can be in it or come out of it.

Engagement is the exception: a helpful mark or a follow changes only a count, so it does not
bump the version and empty every cached page. A post page is valid only while its post's
helpful count, and an author page while the author's follower count, is what it was rendered
with (read in the same query as the version). A tag's "most helpful" listing may show the old
order for up to ENGAGEMENT_LAG_SECONDS (as Discourse serves anonymous pages up to a minute
old). Bookmarks and tag follows are private and change no cached page.

Pages and feeds are served by the front door (`FrontDoor`), a WSGI layer in front of Flask:
a hit costs a dictionary lookup and the version check, with no request context, session,
routing or template. On SQLite the check is `PRAGMA data_version` on a connection of the
door's own, which changes whenever any other connection, in any process, commits; only then
is the version row read again. On PostgreSQL the door reads the version row on every hit,
through statements prepared on its connection (`PreparedQuery`).
API reads are cached too but answered through Flask, which counts their rate limit.

A page that changes by itself on a date (an article whose medical review falls due, when it
starts to say so) says when in its render (`expire_cached_page_at`); its cached copy is not
served from that moment on (`CachedPage.expires_at`, by the wall clock), so nobody is shown
the page as it was before the date.

The same anonymous pages answer conditional requests. Every one carries an ETag (a hash of
its body), so If-None-Match gets a 304 whether or not the cache is on. A page served from the
cache once the second it was rendered in has passed also carries Last-Modified: that second.
Its version was still current when it was served, so no other content can share that date,
and If-Modified-Since is exact too. A fresh render carries no Last-Modified, since a change
later in the same second could not be told apart by a date.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import Engine, Select, bindparam, event, func, literal, select, update
from sqlalchemy.orm import Session
from werkzeug.http import http_date, is_resource_modified, quote_etag
from werkzeug.wsgi import get_host

from app.db import read
from app.extensions import db
from app.models import (
    Comment,
    ExperienceFact,
    ExperienceSideEffect,
    Follow,
    MemberCondition,
    Post,
    SiteState,
    Tag,
    User,
)

# Posts are app.posts.changes' to judge: it knows a helpful count from a change a reader sees.
# An experience's facts show on its page and in its tags' reports.
PUBLIC_MODELS = (Comment, Tag, User, MemberCondition, ExperienceFact, ExperienceSideEffect)
PAGE_ENDPOINTS = frozenset(
    {"main.home", "tags.index", "tags.show", "posts.show", "authors.show"}
    | {"feeds.latest", "feeds.tag", "feeds.author", "feeds.sitemap", "feeds.post_sitemap"}
    | {"feeds.robots"}
)
API_ENDPOINTS = frozenset(
    {"api.list_posts", "api.show_post", "api.list_tags", "api.show_tag", "api.show_author"}
    | {"api.tag_reports"}
)
CACHEABLE_ENDPOINTS = PAGE_ENDPOINTS | API_ENDPOINTS
ENGAGEMENT_LAG_SECONDS = 60
ENGAGEMENT_KINDS = (None, "post", "author")
MAX_ENTRIES = 2000
MAX_BODY_BYTES = 512 * 1024
MEGABYTE = 1024 * 1024
DEFAULT_MAX_MB = 8
CHANGED_KEY = "public_content_changed"
# what a 304 leaves out (RFC 9110 15.4.5 keeps ETag, Vary, Date, Cache-Control)
ENTITY_HEADERS = frozenset({"content-type", "content-length", "last-modified"})


@dataclass(slots=True)
class CachedPage:
    version: tuple
    body: bytes
    content_type: str
    stored_at: float = 0.0
    etag: str = ""
    rendered_at: float = 0.0
    engagement: tuple | None = None  # ("post", id) or ("author", username)
    max_age: float | None = None
    front: bool = False
    checked_at: tuple | None = None  # (door connection, data_version) it was last found current
    expires_at: float | None = None  # wall-clock time from which the page reads differently

    def is_too_old(self) -> bool:
        if self.expires_at is not None and wall_clock() >= self.expires_at:
            return True
        return self.max_age is not None and now() - self.stored_at > self.max_age


def now() -> float:
    return time.monotonic()


def wall_clock() -> float:
    return time.time()


class PageCache:
    """Pages by key in one worker; the least recently used go first once the pages number more
    than `max_entries` or their bodies add up to more than `max_bytes` (PAGE_CACHE_MAX_MB), so
    a crawler walking every post of a large site cannot grow the worker without limit."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_MB * MEGABYTE):
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0

    def get(self, key: str, version: tuple) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.version != version or page.is_too_old():
                return None
            self._pages.move_to_end(key)
            return page

    def peek(self, key: str) -> CachedPage | None:
        """The page stored under key, whatever its version (the front door checks that)."""
        with self._lock:
            return self._pages.get(key)

    def put(self, key: str, page: CachedPage) -> None:
        if len(page.body) > self._max_bytes:
            return
        with self._lock:
            replaced = self._pages.pop(key, None)
            if replaced is not None:
                self._bytes -= len(replaced.body)
            self._pages[key] = page
            self._bytes += len(page.body)
            while len(self._pages) > self._max_entries or self._bytes > self._max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._bytes -= len(evicted.body)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    @property
    def body_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._pages)


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
    return db.session.scalar(select(content_version_column())) or 0


def content_version_column():
    """The content version as a column, to read it in the same statement as something else."""
    version = select(SiteState.content_version).where(SiteState.id == 1).scalar_subquery()
    return func.coalesce(version, 0)


@cache
def numbered_postgres():
    """PostgreSQL's dialect with libpq's $1, $2 placeholders (imported by PostgreSQL sites only)."""
    from sqlalchemy.dialects.postgresql.base import PGDialect

    return PGDialect(paramstyle="numeric_dollar")


@cache
def version_query(engagement_kind: str | None) -> Select:
    """The content version and the engagement count a page of this kind shows, in one row;
    the post id or username is the bound parameter `shown`. Built once: building it cost more
    than running it."""
    version = select(SiteState.content_version).where(SiteState.id == 1).scalar_subquery()
    shown = bindparam("shown")
    if engagement_kind == "post":
        count = select(Post.helpful_count).where(Post.id == shown).scalar_subquery()
    elif engagement_kind == "author":
        count = (
            select(func.count(Follow.id))
            .join(User, User.id == Follow.author_id)
            .where(User.username == shown)
            .scalar_subquery()
        )
    else:
        count = literal(None)
    return select(func.coalesce(version, 0), count)


def engagement_shown() -> tuple | None:
    """The engagement count this page shows, if it shows one, as (kind, post id or username)."""
    args = request.view_args or {}
    if request.endpoint == "posts.show":
        return ("post", args["post_id"])
    if request.endpoint == "authors.show":
        return ("author", str(args["username"]).lower())
    return None


def page_version() -> tuple:
    """What a cached copy of this page must have been rendered at: the content version and,
    on a post or author page, its helpful or follower count; one query."""
    engagement = engagement_shown()
    kind, shown = engagement or (None, None)
    return tuple(read(version_query(kind), {"shown": shown}).one())


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


def page_key(environ: dict) -> str:
    """Scheme, host, path and query: pages carry absolute URLs (canonical, feeds, sitemap), so
    one Host must not poison another's."""
    return (
        f"{environ['wsgi.url_scheme']}://{get_host(environ)}{environ.get('SCRIPT_NAME', '')}"
        f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
    )


def _cache_key() -> str | None:
    if request.method != "GET" or not is_anonymous_page():
        return None
    return page_key(request.environ)


def serve_from_cache():
    key = _cache_key()
    if key is None:
        return None
    version = page_version()
    page = current_app.extensions["page_cache"].get(key, version)
    if page is None:
        g.page_cache_key, g.page_cache_version = key, version
        return None
    response = Response(page.body, content_type=page.content_type)
    response.headers["X-Page-Cache"] = "hit"
    response.vary.add("Cookie")
    response.set_etag(page.etag)
    last_modified = last_modified_of(page)
    if last_modified is not None:
        response.last_modified = last_modified
    return response  # answer_conditionally makes it a 304 if the visitor has it


def last_modified_of(page: CachedPage) -> int | None:
    """The second the page was rendered in, once that second is over (see the module's doc)."""
    rendered_second = int(page.rendered_at)
    return rendered_second if int(wall_clock()) > rendered_second else None


EXPIRES_KEY = "page_cache_expires_at"


def expire_cached_page_at(moment: datetime) -> None:
    """The page being rendered reads differently from `moment` on: a cached copy ends then."""
    when = moment.timestamp()
    earlier = g.get(EXPIRES_KEY)
    setattr(g, EXPIRES_KEY, when if earlier is None else min(earlier, when))


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
            engagement=engagement_shown(),
            max_age=ENGAGEMENT_LAG_SECONDS if lags_behind_engagement() else None,
            front=request.endpoint in PAGE_ENDPOINTS,
            expires_at=g.get(EXPIRES_KEY),
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


# What makes a request conditional (RFC 9110, section 13) or partial: without any of them,
# make_conditional has nothing to decide.
CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
)


def answer_conditionally(response: Response) -> Response:
    """304 for an anonymous page the visitor already has; after the cache took the body."""
    environ = request.environ
    if not any(name in environ for name in CONDITIONAL_HEADERS):
        return response
    if is_anonymous_page() and response.get_etag()[0] is not None:
        return response.make_conditional(request)
    return response


class VersionCheck:
    """Whether a cached page is still current, on a database connection of its own.

    One connection per process (re-opened after a fork), used under a lock. Any error closes
    it and answers "not known", so Flask renders the page and reports the problem itself.
    """

    def __init__(self, app: Flask):
        self._app = app
        self._lock = threading.Lock()
        self._connection = None
        self._pid = 0
        self._generation = 0  # which connection a page's checked_at was read on
        self._queries: dict[str | None, DriverQuery] = {}
        self._sqlite = False
        self._closer: weakref.finalize | None = None

    def is_current(self, page: CachedPage) -> bool:
        with self._lock:
            try:
                return self._is_current(page)
            except Exception:
                self._close()
                return False

    def _is_current(self, page: CachedPage) -> bool:
        connection = self._connect()
        marker = None
        if self._sqlite:
            data_version = connection.execute("PRAGMA data_version").fetchone()[0]
            marker = (self._generation, data_version)
            if page.checked_at == marker:
                return True
        kind, shown = page.engagement or (None, None)
        if self._current(connection, kind, shown) != page.version:
            return False
        page.checked_at = marker
        return True

    def _connect(self):
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        with self._app.app_context():
            engine: Engine = db.engine
        self._sqlite = engine.dialect.name == "sqlite"
        pooled = engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()
        self._closer = weakref.finalize(self, close_in_this_process, connection, os.getpid())
        if self._sqlite:
            self._queries = {kind: DriverQuery(kind, engine) for kind in ENGAGEMENT_KINDS}
        else:
            connection.autocommit = True
            self._queries = {
                kind: PreparedQuery(kind, connection.pgconn) for kind in ENGAGEMENT_KINDS
            }
        self._connection, self._pid = connection, os.getpid()
        self._generation += 1
        return connection

    def _current(self, connection, kind: str | None, shown) -> tuple:
        """The version and engagement count the page must have been rendered at, read now."""
        if not self._sqlite:
            return self._queries[kind].run(connection.pgconn, shown)
        cursor = connection.cursor()
        try:
            cursor.execute(*self._queries[kind].with_shown(shown))
            return tuple(cursor.fetchone())
        finally:
            cursor.close()

    def _close(self) -> None:
        self._connection = None
        if self._closer is not None:
            self._closer()

    close = _close


def close_in_this_process(connection, pid: int) -> None:
    """Close a connection this process opened; a forked child leaves its parent's alone."""
    if pid != os.getpid():
        return
    try:
        connection.close()
    except Exception:  # noqa: S110 (already broken: nothing more to do with it)
        pass


class DriverQuery:
    """The version query compiled once for SQLite's driver: its SQL and its bound values, in
    the order of its `?` placeholders."""

    def __init__(self, kind: str | None, engine: Engine):
        statement = version_query(kind).compile(dialect=engine.dialect)
        self.sql = statement.string
        self.values = statement.construct_params({"shown": None} if kind else None)
        self.positions = statement.positiontup

    def with_shown(self, shown) -> tuple[str, tuple]:
        values = {**self.values, "shown": shown}
        return self.sql, tuple(values[name] for name in self.positions)


class PreparedQuery:
    """The version query prepared on the door's PostgreSQL connection and run through libpq.

    A hit's check is one round trip; psycopg's cursor would add about a third to it (92 against
    71 µs on loopback), so the door speaks to libpq directly, in text format.
    """

    def __init__(self, kind: str | None, pgconn):
        from psycopg import pq  # here, not at the top: a SQLite worker is 10 MB lighter without

        self.answered = pq.ExecStatus.TUPLES_OK
        compiled = version_query(kind).compile(dialect=numbered_postgres())
        self.name = f"door_version_{kind or 'page'}".encode()
        self.values = compiled.construct_params({"shown": None} if kind else None)
        self.positions = compiled.positiontup
        result = pgconn.prepare(self.name, compiled.string.encode())
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise RuntimeError(f"could not prepare the door's version query: {result.status}")

    def run(self, pgconn, shown) -> tuple:
        values = {**self.values, "shown": shown}
        result = pgconn.exec_prepared(self.name, [as_text(values[name]) for name in self.positions])
        if result.status != self.answered or result.ntuples != 1:
            raise RuntimeError(f"the door's version query failed: {result.status}")
        return tuple(as_int(result.get_value(0, column)) for column in range(result.nfields))


def as_text(value) -> bytes | None:
    return None if value is None else str(value).encode()


def as_int(value: bytes | None) -> int | None:
    return None if value is None else int(value)


class FrontDoor:
    """Serves a cached anonymous page before Flask does any work; passes everything else on."""

    def __init__(self, app: Flask, wsgi_app):
        self.wsgi_app = wsgi_app
        self.pages: PageCache = app.extensions["page_cache"]
        self.versions = VersionCheck(app)

    def __call__(self, environ, start_response):
        page = self.current_page(environ)
        if page is None:
            return self.wsgi_app(environ, start_response)
        return self.serve(page, environ, start_response)

    def current_page(self, environ) -> CachedPage | None:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_COOKIE"):
            return None
        page = self.pages.peek(page_key(environ))
        if page is None or not page.front or page.is_too_old():
            return None
        return page if self.versions.is_current(page) else None

    def serve(self, page: CachedPage, environ, start_response):
        from app.security import security_headers

        last_modified = last_modified_of(page)
        headers = [
            ("Content-Type", page.content_type),
            ("Content-Length", str(len(page.body))),
            ("X-Page-Cache", "hit"),
            ("Vary", "Cookie"),
            ("ETag", quote_etag(page.etag)),
            ("Date", http_date()),
        ]
        if last_modified is not None:
            headers.append(("Last-Modified", http_date(last_modified)))
        nonce = secrets.token_urlsafe(16)
        headers += security_headers(nonce, environ["wsgi.url_scheme"] == "https")
        modified_at = None if last_modified is None else datetime.fromtimestamp(last_modified, UTC)
        if is_resource_modified(environ, etag=page.etag, last_modified=modified_at):
            start_response("200 OK", headers)
            return [page.body]
        start_response("304 Not Modified", not_modified(headers))
        return []


def not_modified(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers if name.lower() not in ENTITY_HEADERS]


def close_front_door(app: Flask) -> None:
    door = app.extensions.get("front_door")
    if door is not None:
        door.versions.close()


def register(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache(
        max_bytes=app.config.get("PAGE_CACHE_MAX_MB", DEFAULT_MAX_MB) * MEGABYTE
    )
    # after_request hooks run last-registered first: tag, then store, then answer
    app.after_request(answer_conditionally)
    if app.config.get("PAGE_CACHE", True):
        app.before_request(serve_from_cache)
        app.after_request(store_in_cache)
        door = FrontDoor(app, app.wsgi_app)
        app.extensions["front_door"] = door
        app.wsgi_app = door
    app.after_request(tag_with_etag)
