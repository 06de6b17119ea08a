"""Unpublished content is seen by its author and moderators only, in every listing."""

import pytest

from app.extensions import db
from tests.conftest import make_user
from tests.helpers import add_comment, make_post, make_tag, sign_in

HIDDEN = ("draft", "pending", "rejected", "hidden", "removed", "deleted")
LISTINGS = ("/", "/tags/", "/tags/azathioprine", "/authors/writer", "/search?q=secret")
VIEWERS = ("anonymous", "other_member", "author", "moderator")


@pytest.fixture
def world(app):
    writer = make_user("writer")
    make_user("someone")
    make_user("mod_person", "moderator")
    tag = make_tag("azathioprine", "medication")
    public = make_post(writer, title="Public post", tags=[tag])
    posts = {
        state: make_post(writer, title=f"Secret {state} post", status=state, tags=[tag])
        for state in HIDDEN
    }
    for state in HIDDEN:
        add_comment(public, writer, f"secret {state} reply", state)
    db.session.commit()
    return {"public": public, "posts": posts}


def sees(viewer: str, state: str) -> bool:
    """Authors see all they did not withdraw; moderators what was submitted, not drafts."""
    if state == "deleted":
        return False
    return viewer == "author" or (viewer == "moderator" and state != "draft")


def view_as(client, viewer):
    emails = {
        "other_member": "someone@example.org",
        "author": "writer@example.org",
        "moderator": "mod_person@example.org",
    }
    if viewer != "anonymous":
        sign_in(client, emails[viewer])


@pytest.mark.parametrize("viewer", VIEWERS)
def test_listings_counts_and_search_show_published_posts_only(client, world, viewer):
    view_as(client, viewer)
    for url in LISTINGS:
        page = client.get(url).get_data(as_text=True)
        for state in HIDDEN:
            assert f"Secret {state} post" not in page, (viewer, url, state)
    assert "1 post<" in client.get("/tags/").get_data(as_text=True)
    assert 'Published posts <span class="count">1<' in client.get("/authors/writer").get_data(
        as_text=True
    )


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("state", HIDDEN)
def test_post_pages_by_state_and_viewer(client, world, viewer, state):
    view_as(client, viewer)
    post = world["posts"][state]
    assert client.get(post.path).status_code == (200 if sees(viewer, state) else 404)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_replies_by_state_and_viewer(client, world, viewer):
    view_as(client, viewer)
    page = client.get(world["public"].path).get_data(as_text=True)
    for state in HIDDEN:
        assert (f"secret {state} reply" in page) == sees(viewer, state), (viewer, state)
