"""Values no database column can hold are answered with a 4xx, on SQLite and PostgreSQL alike."""

import pytest

from app.extensions import db
from app.models import Post
from tests.helpers import csrf_from, make_post


@pytest.mark.parametrize(
    "url",
    [
        "/posts/99999999999/a-slug",
        "/posts/99999999999999999999999/a-slug",
        "/api/v1/posts/99999999999",
        "/api/v1/posts/999999999999999999999999",
    ],
)
def test_ids_beyond_the_integer_range_are_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/tags/aza%00thioprine",
        "/authors/pat%00",
        "/search?q=imuran&tag=aza%00thioprine",
        "/api/v1/search?q=imuran&tag=aza%00",
        "/api/v1/posts?tag=aza%00",
    ],
)
def test_nul_characters_in_urls_are_a_client_error(client, users, url):
    assert 400 <= client.get(url).status_code < 500


def test_nul_characters_are_dropped_from_submitted_text(client, signed_in, users):
    make_post(users["patient"])
    signed_in("provider")
    token = csrf_from(client.get("/posts/new").get_data(as_text=True))
    response = client.post(
        "/posts/new",
        data={
            "csrf_token": token,
            "title": "Missed a\x00 dose of azathioprine",
            "body": "I forgot\x00 my tablet yesterday and took it this morning instead.",
            "kind": "question",
            "tags": "",
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    post = db.session.scalars(db.select(Post).order_by(Post.id.desc())).first()
    assert post.title == "Missed a dose of azathioprine"
    assert "\x00" not in post.body_source
