"""Anonymous pages, feeds and the sitemap answer If-None-Match and If-Modified-Since with 304."""

import pytest
from werkzeug.http import http_date

from app import cache
from app.extensions import db
from app.models import Post
from tests.conftest import app_with, make_user
from tests.helpers import make_post, make_tag, sign_in

PAGES = ("/", "/tags/azathioprine", "/authors/cond_author", "/feeds/latest.atom", "/sitemap.xml")


@pytest.fixture
def site(app):
    author = make_user("cond_author")
    tag = make_tag("azathioprine")
    return make_post(author, title="Missed a dose of azathioprine", tags=[tag])


@pytest.fixture
def uncached_client(tmp_path):
    for app in app_with(tmp_path, PAGE_CACHE=False):
        make_post(make_user("cond_author"), title="Read without the cache")
        yield app.test_client()


class Clock:
    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    wall = Clock(1_767_225_600.25)
    monkeypatch.setattr(cache, "wall_clock", wall)
    return wall


@pytest.mark.parametrize("path", [*PAGES, "/posts/1"])
def test_a_page_the_visitor_already_has_is_answered_304_from_render_and_cache(client, site, path):
    path = site.path if path == "/posts/1" else path
    fresh = client.get(path)
    etag = fresh.headers["ETag"]
    rendered = client.get(path, headers={"If-None-Match": etag})
    cached = client.get(path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["X-Page-Cache"] == "miss"
    assert (rendered.status_code, rendered.data, rendered.headers["ETag"]) == (304, b"", etag)
    assert (cached.status_code, cached.data, cached.headers["X-Page-Cache"]) == (304, b"", "hit")
    assert "Cookie" in cached.headers["Vary"]


def test_an_etag_from_before_a_change_gets_the_new_page(client, site):
    etag = client.get("/tags/azathioprine").headers["ETag"]
    db.session.get(Post, site.id).status = "removed"
    db.session.commit()
    response = client.get("/tags/azathioprine", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b"Missed a dose" not in response.data
    assert response.headers["ETag"] != etag


def test_a_made_up_or_weak_etag_is_compared_by_value(client, site):
    etag = client.get("/").headers["ETag"]
    assert client.get("/", headers={"If-None-Match": '"not-this-page"'}).status_code == 200
    assert client.get("/", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get("/", headers={"If-None-Match": f'"x", {etag}'}).status_code == 304


def test_conditional_requests_work_with_the_page_cache_off(uncached_client):
    first = uncached_client.get("/")
    second = uncached_client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert "X-Page-Cache" not in first.headers
    assert (second.status_code, second.data) == (304, b"")


def test_last_modified_is_sent_once_the_second_of_rendering_is_over(client, site, clock):
    fresh = client.get("/")
    same_second = client.get("/")
    clock.now += 1
    later = client.get("/")
    assert "Last-Modified" not in fresh.headers
    assert "Last-Modified" not in same_second.headers
    assert later.headers["Last-Modified"] == http_date(int(clock.now) - 1)

    since = {"If-Modified-Since": later.headers["Last-Modified"]}
    assert client.get("/", headers=since).status_code == 304

    db.session.get(Post, site.id).status = "removed"
    db.session.commit()
    changed = client.get("/", headers=since)
    assert changed.status_code == 200
    assert b"Missed a dose" not in changed.data


def test_a_change_within_the_rendered_second_is_never_hidden_by_its_date(client, site, clock):
    client.get("/")
    db.session.get(Post, site.id).status = "removed"
    db.session.commit()
    client.get("/")  # the new page, rendered in the same second as the old one
    clock.now += 1
    response = client.get("/", headers={"If-Modified-Since": http_date(int(clock.now) - 1)})
    assert response.status_code == 304  # the date names only the page rendered after the change
    old_copy_date = http_date(int(clock.now) - 2)
    assert client.get("/", headers={"If-Modified-Since": old_copy_date}).status_code == 200


def test_members_get_no_etag_and_never_a_304(client, site, users):
    etag = client.get("/").headers["ETag"]
    sign_in(client, "pat@example.org")
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert b"@pat" in response.data


def test_a_head_request_carries_the_etag_and_a_query_string_its_own(client, site):
    head = client.head("/tags/azathioprine")
    page = client.get("/tags/azathioprine")
    other = client.get("/tags/azathioprine?sort=helpful")
    assert head.status_code == 200 and head.headers["ETag"] == page.headers["ETag"]
    assert (
        client.head("/", headers={"If-None-Match": client.get("/").headers["ETag"]}).status_code
        == 304
    )
    assert other.status_code == 200 and "ETag" in other.headers


def test_a_missing_page_is_never_conditional(client, site):
    missing = client.get("/tags/no-such-tag", headers={"If-None-Match": "*"})
    assert missing.status_code == 404
    assert "ETag" not in missing.headers


def test_the_api_answers_304_exactly_where_its_document_says(client, site):
    from app.api.openapi import openapi_document

    concrete = {"{post_id}": str(site.id), "{slug}": "azathioprine", "{username}": "cond_author"}
    for path, item in openapi_document()["paths"].items():
        if "{" not in path and not path.endswith(("/posts", "/tags", "/search")):
            continue
        for name, value in concrete.items():
            path = path.replace(name, value)
        url = path + ("?q=azathioprine" if path.endswith("/search") else "")
        first = client.get(url)
        again = client.get(url, headers={"If-None-Match": first.headers.get("ETag", '"none"')})
        documented = "304" in item["get"]["responses"]
        assert first.status_code == 200, url
        assert again.status_code == (304 if documented else 200), url
        if documented:
            assert again.headers["Access-Control-Allow-Origin"] == "*"
