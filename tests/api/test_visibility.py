"""Only published posts exist for the API: every other state is absent everywhere."""

import pytest

from tests.api.conftest import UNPUBLISHED_STATES


def api_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("state", UNPUBLISHED_STATES)
def test_an_unpublished_post_is_nowhere(client, community, state):
    post = community["hidden"][state]
    alone = community["hidden"][f"{state}-alone"]
    for url in (
        "/api/v1/posts?per_page=100",
        "/api/v1/posts?per_page=100&tag=azathioprine",
        "/api/v1/posts?per_page=100&tag=only-unpublished",
        "/api/v1/posts?per_page=100&author=pat",
        "/api/v1/posts?per_page=100&kind=article",
        "/api/v1/search?q=unpublished+quiet+member+azathioprine",
    ):
        text = api_text(client, url)
        assert post.title not in text and alone.title not in text, url
        assert f'"id":{post.id},' not in text.replace(" ", ""), url

    for unpublished in (post, alone):
        response = client.get(f"/api/v1/posts/{unpublished.id}")
        assert response.status_code == 404
        assert response.get_json()["message"] == "There is no published post with that id."


def test_unpublished_posts_are_not_counted(client, community):
    tags = {
        tag["slug"]: tag["post_count"] for tag in client.get("/api/v1/tags").get_json()["results"]
    }
    assert tags["only-unpublished"] == 0 and tags["azathioprine"] == 3 and tags["lupus"] == 2
    assert client.get("/api/v1/tags/only-unpublished").get_json()["post_count"] == 0
    assert client.get("/api/v1/tags/lupus").get_json()["post_count"] == 2
    assert client.get("/api/v1/authors/pat").get_json()["post_count"] == 2
    assert client.get("/api/v1/posts?author=pat").get_json()["total"] == 2
    assert client.get("/api/v1/posts?tag=only-unpublished").get_json()["total"] == 0
    assert client.get("/api/v1/authors/drafter").status_code == 404


def test_an_owner_signed_in_still_sees_only_published_posts(client, community, signed_in):
    signed_in("patient")
    pending = community["hidden"]["pending"]
    assert client.get(f"/api/v1/posts/{pending.id}").status_code == 404
    assert pending.title not in api_text(client, "/api/v1/posts?author=pat")
