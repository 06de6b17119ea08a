"""Listings build their many links from the models' paths (cheaper than url_for); the links must
be exactly what url_for gives, also when the site is mounted under a path prefix."""

from __future__ import annotations

import pytest
from flask import url_for

from app.extensions import db
from app.templating import SITE_LINKS, site_links, site_path, with_query
from tests.helpers import make_post, make_tag, sign_in


@pytest.mark.parametrize("base_url", ["http://localhost/", "http://example.org/community/"])
def test_model_paths_are_the_routes(app, users, base_url):
    tag = make_tag("lupus-nephritis")
    post = make_post(users["patient"], title="Kidneys and lupus: a first year", tags=[tag])
    author = users["patient"]
    with app.test_request_context("/", base_url=base_url):
        assert site_path(post.path) == url_for("posts.show", post_id=post.id, slug=post.slug)
        assert site_path(tag.path) == url_for("tags.show", slug=tag.slug)
        assert site_path(author.profile_path) == url_for("authors.show", username=author.username)


def test_listing_links_keep_the_mount_point(app, client, users):
    app.config["SITE_URL"] = "http://example.org/community"
    tag = make_tag("lupus-nephritis")
    post = make_post(users["patient"], title="Kidneys and lupus: a first year", tags=[tag])
    page = client.get("/", base_url="http://example.org/community/").get_data(as_text=True)
    assert f'href="/community{post.path}"' in page
    assert 'href="/community/tags/lupus-nephritis"' in page
    assert 'href="/community/authors/pat"' in page


@pytest.mark.parametrize("base_url", ["http://localhost/", "http://example.org/community/"])
def test_an_authors_pager_links_are_the_routes(app, users, base_url):
    author = users["patient"]
    with app.test_request_context("/", base_url=base_url):
        assert with_query(author.profile_path, page=3) == url_for(
            "authors.show", username=author.username, page=3
        )


@pytest.mark.parametrize("base_url", ["http://localhost/", "http://example.org/community/"])
def test_links_built_without_url_for_are_the_routes(app, base_url):
    tag = make_tag("lupus-nephritis")
    filters = [
        {},
        {"kind": "question"},
        {"kind": None, "answered": "no", "sort": "helpful"},
        {"page": 2, "kind": "article", "answered": None, "sort": "helpful"},  # the pager's
    ]
    with app.test_request_context("/", base_url=base_url):
        for args in filters:
            assert with_query(tag.path, **args) == url_for("tags.show", slug=tag.slug, **args)
        links = site_links()
        assert links == {name: url_for(endpoint, **a) for name, (endpoint, a) in SITE_LINKS.items()}
        assert links["home"] == url_for("main.home")


def test_the_header_links_of_one_mount_point_are_not_served_under_another(app, client):
    client.get("/", base_url="http://example.org/community/")
    page = client.get("/", base_url="http://localhost/").get_data(as_text=True)
    assert 'href="/tags/"' in page and "/community/" not in page


def test_a_members_own_list_pages_to_itself(app, client, users):
    """A member's lists (here their posts, 30 a page) page through request.path."""
    for number in range(31):
        make_post(users["patient"], title=f"Draft number {number}", status="draft")
    db.session.commit()
    sign_in(client, users["patient"].email)
    page = client.get("/me/posts").get_data(as_text=True)
    with app.test_request_context("/"):
        expected = url_for("account.my_posts", page=2)
    assert f'rel="next" href="{expected}"' in page
    assert "Draft number 0" in client.get(expected).get_data(as_text=True)
