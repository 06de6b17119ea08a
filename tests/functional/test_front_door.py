"""The front door serves cached anonymous pages before Flask does any work, and stays exact."""

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from app import cache
from app.extensions import db
from app.models import Post
from tests.conftest import make_user
from tests.helpers import make_post, make_tag, sign_in

VARYING = {"X-Page-Cache", "Content-Security-Policy", "Date"}


def flask_requests(app) -> list[str]:
    """Paths of the requests that reached Flask (a before_request hook records them)."""
    seen: list[str] = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: seen.append(_path()))
    return seen


def _path() -> str:
    from flask import request

    return request.full_path


def other_process(app):
    return sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)


def test_a_second_anonymous_read_never_reaches_flask(client, app):
    post = make_post(make_user("door_author"), title="Served at the door", tags=[make_tag("aih")])
    paths = ["/", "/tags/aih", post.path, "/authors/door_author", "/feeds/latest.atom"]
    for path in paths:
        client.get(path)
    reached = flask_requests(app)
    hits = [client.get(path) for path in paths]
    assert reached == []
    assert [hit.status_code for hit in hits] == [200] * len(paths)
    assert all(hit.headers["X-Page-Cache"] == "hit" for hit in hits)


def test_a_hit_at_the_door_answers_as_flask_would(client, app):
    make_post(make_user("door_headers"), title="Same headers")
    rendered = client.get("/")
    at_the_door = client.get("/")
    assert at_the_door.data == rendered.data
    # A hit served once the second it was rendered in has passed also says when: that second
    # (a slow machine gets there between the two requests).
    ignored = VARYING | {"Last-Modified"}
    assert {k: v for k, v in at_the_door.headers.items() if k not in ignored} == {
        k: v for k, v in rendered.headers.items() if k not in ignored
    }
    assert "Last-Modified" not in rendered.headers
    policy = at_the_door.headers["Content-Security-Policy"]
    assert "nonce-" in policy and policy != rendered.headers["Content-Security-Policy"]


def test_api_reads_members_cookies_heads_and_queries_still_go_through_flask(client, app, users):
    make_post(make_user("door_api"), title="Through Flask", tags=[make_tag("aih")])
    for path in ("/api/v1/posts", "/tags/aih?page=1"):
        client.get(path)
    reached = flask_requests(app)
    assert client.get("/api/v1/posts").headers["X-Page-Cache"] == "hit"
    assert client.get("/tags/aih?page=1").headers["X-Page-Cache"] == "hit"
    client.get("/tags/aih?page=2")  # not cached yet (a page past the last is a 404)
    client.head("/tags/aih?page=1")
    assert reached == ["/api/v1/posts?", "/tags/aih?page=2", "/tags/aih?page=1"]

    client.set_cookie("anything", "x")
    assert "X-Page-Cache" not in client.get("/tags/aih?page=1").headers
    client.delete_cookie("anything")
    sign_in(client, "pat@example.org")
    member_view = client.get("/tags/aih?page=1")
    assert "X-Page-Cache" not in member_view.headers and b"@pat" in member_view.data


def test_a_removal_by_another_process_is_seen_at_the_door_on_the_next_request(client, app):
    post = make_post(make_user("door_removal"), title="Removed elsewhere")
    client.get(post.path)
    assert client.get(post.path).headers["X-Page-Cache"] == "hit"
    engine = other_process(app)
    with engine.begin() as other:
        other.execute(
            sa.text("UPDATE posts SET status = 'removed' WHERE id = :id"), {"id": post.id}
        )
        other.execute(sa.text("UPDATE site_state SET content_version = content_version + 1"))
    engine.dispose()
    response = client.get(post.path)
    assert response.headers.get("X-Page-Cache") != "hit"
    assert b"Removed elsewhere" not in response.data


def test_a_helpful_mark_elsewhere_is_seen_on_the_post_page_at_the_door(client, app):
    post = make_post(make_user("door_helpful"), title="Marked helpful elsewhere")
    client.get(post.path)
    client.get(post.path)
    engine = other_process(app)
    with engine.begin() as other:  # a count only: the content version does not move
        other.execute(sa.text("UPDATE posts SET helpful_count = 7 WHERE id = :id"), {"id": post.id})
    engine.dispose()
    response = client.get(post.path)
    assert response.headers["X-Page-Cache"] == "miss"
    assert client.get(post.path).headers["X-Page-Cache"] == "hit"


def test_a_most_helpful_listing_is_rendered_again_after_its_lag(client, app, monkeypatch):
    make_post(make_user("door_lag"), title="Listed by helpfulness", tags=[make_tag("aza")])
    client.get("/tags/aza?sort=helpful")
    assert client.get("/tags/aza?sort=helpful").headers["X-Page-Cache"] == "hit"
    later = cache.now() + cache.ENGAGEMENT_LAG_SECONDS + 1
    monkeypatch.setattr(cache, "now", lambda: later)
    assert client.get("/tags/aza?sort=helpful").headers["X-Page-Cache"] == "miss"


def test_a_broken_door_connection_falls_back_to_flask(client, app, monkeypatch):
    make_post(make_user("door_broken"), title="Still served")
    client.get("/")
    door = app.extensions["front_door"]

    def broken():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection lost"))

    monkeypatch.setattr(door.versions, "_connect", broken)
    reached = flask_requests(app)
    response = client.get("/")
    assert response.status_code == 200 and b"Still served" in response.data
    assert reached == ["/?"]


def test_a_forked_worker_opens_its_own_door_connection(client, app, monkeypatch):
    make_post(make_user("door_fork"), title="After a fork")
    client.get("/")
    client.get("/")
    versions = app.extensions["front_door"].versions
    first = versions._connection
    monkeypatch.setattr(cache.os, "getpid", lambda: -1)
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    second = versions._connection
    monkeypatch.undo()
    versions._connection = None
    for connection in (first, second):
        connection.close()
    assert second is not first


def test_a_removal_in_this_process_is_seen_at_the_door(client, app):
    post = make_post(make_user("door_local"), title="Removed here")
    client.get("/")
    client.get("/")
    db.session.get(Post, post.id).status = "removed"
    db.session.commit()
    assert b"Removed here" not in client.get("/").data


@pytest.mark.postgres_only
def test_a_door_whose_prepared_checks_vanish_falls_back_then_prepares_them_again(client, app):
    """A pooler or a server-side reset can drop the door's prepared statements."""
    post = make_post(make_user("door_prepared"), title="Checked by a prepared statement")
    paths = ["/", post.path, "/authors/door_prepared"]
    for path in paths:
        client.get(path)
    versions = app.extensions["front_door"].versions
    assert [client.get(path).headers["X-Page-Cache"] for path in paths] == ["hit"] * 3
    versions._connection.execute("DEALLOCATE ALL")
    reached = flask_requests(app)
    fallback = client.get("/")
    assert fallback.status_code == 200 and b"Checked by a prepared statement" in fallback.data
    assert reached == ["/?"]
    assert [client.get(path).headers["X-Page-Cache"] for path in paths] == ["hit"] * 3
    assert reached == ["/?"]
