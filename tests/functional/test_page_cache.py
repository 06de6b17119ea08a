import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from app.extensions import db
from app.models import Post
from app.search import close_backend
from tests.conftest import make_user
from tests.helpers import make_post, make_tag, sign_in


def test_anonymous_pages_are_served_from_cache_until_content_changes(client, app):
    author = make_user("cached_author")
    tag = make_tag("azathioprine")
    post = make_post(author, title="First cached title", tags=[tag])
    first = client.get("/tags/azathioprine")
    second = client.get("/tags/azathioprine")
    assert first.headers["X-Page-Cache"] == "miss"
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.data == first.data
    assert "Cookie" in second.headers["Vary"]

    db.session.get(Post, post.id).status = "removed"
    db.session.commit()
    after = client.get("/tags/azathioprine")
    assert after.headers["X-Page-Cache"] == "miss"
    assert b"First cached title" not in after.data


def test_a_change_made_by_another_process_invalidates_the_cache(client, app, tmp_path):
    author = make_user("other_proc")
    make_post(author, title="Seen by everyone")
    client.get("/")
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    other_process = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with other_process.begin() as other:
        other.execute(sa.text("UPDATE posts SET status = 'hidden'"))
        other.execute(sa.text("UPDATE site_state SET content_version = content_version + 1"))
    other_process.dispose()
    response = client.get("/")
    assert response.headers["X-Page-Cache"] == "miss"
    assert b"Seen by everyone" not in response.data


def test_signed_in_members_never_get_or_fill_cached_pages(client, users):
    client.get("/")
    sign_in(client, "pat@example.org")
    response = client.get("/")
    assert "X-Page-Cache" not in response.headers
    assert b"@pat" in response.data


def test_visitors_with_any_cookie_bypass_the_cache(client, app):
    client.get("/")
    client.set_cookie("session", "something")
    assert "X-Page-Cache" not in client.get("/").headers


def test_error_pages_are_not_cached(client, app):
    client.get("/tags/missing")
    assert "X-Page-Cache" not in client.get("/tags/missing").headers


def test_the_cache_can_be_switched_off(tmp_path):
    from app import create_app
    from tests.conftest import test_config

    app = create_app(test_config(tmp_path, PAGE_CACHE=False))
    with app.app_context():
        db.create_all()
        client = app.test_client()
        client.get("/")
        assert "X-Page-Cache" not in client.get("/").headers
        db.session.remove()
        close_backend(app)
        db.engine.dispose()


def test_anonymous_readers_of_a_post_get_no_cookie_and_a_cached_page(client, app):
    post = make_post(make_user("cookie_free"), title="A post read anonymously")
    first = client.get(post.path)
    assert "Set-Cookie" not in first.headers
    assert client.get(post.path).headers["X-Page-Cache"] == "hit"


def test_a_response_that_starts_a_session_is_never_cached(app, client):
    from flask import session

    @app.get("/sets-session-for-test")
    def sets_session():
        session["x"] = 1
        return "personal"

    from app import cache

    cache.CACHEABLE_ENDPOINTS = cache.CACHEABLE_ENDPOINTS | {"sets_session"}
    try:
        client.get("/sets-session-for-test")
        client.delete_cookie("session")
        assert client.get("/sets-session-for-test").headers.get("X-Page-Cache") != "hit"
    finally:
        cache.CACHEABLE_ENDPOINTS = cache.CACHEABLE_ENDPOINTS - {"sets_session"}


def test_api_reads_are_cached_and_keep_their_cors_headers(client, app):
    make_post(make_user("api_cached"), title="Cached through the API")
    first = client.get("/api/v1/posts")
    second = client.get("/api/v1/posts")
    assert first.headers["X-Page-Cache"] == "miss" and second.headers["X-Page-Cache"] == "hit"
    assert second.get_json() == first.get_json()
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    assert second.content_type == "application/json"


def test_each_worker_keeps_only_page_cache_max_mb_of_pages(tmp_path):
    """A crawler reading every post cannot grow a worker past the configured budget: the pages
    read longest ago are rendered again, the latest stay cached."""
    from app.cache import MEGABYTE
    from tests.conftest import app_with

    for app in app_with(tmp_path, PAGE_CACHE_MAX_MB=1):
        with app.app_context():
            author = make_user("long_writer")
            paragraph = "Notes on thiopurine levels and liver tests, written at length. " * 8
            paths = [
                make_post(author, title=f"Long post {n}", body=(paragraph + "\n\n") * 30).path
                for n in range(60)
            ]
            db.session.commit()
        client = app.test_client()
        sizes = [len(client.get(path).data) for path in paths]
        assert sum(sizes) > 1.2 * MEGABYTE  # more than the budget holds
        assert app.extensions["page_cache"].body_bytes <= MEGABYTE
        assert client.get(paths[-1]).headers["X-Page-Cache"] == "hit"
        assert client.get(paths[0]).headers["X-Page-Cache"] == "miss"
