"""GET /api/v1/tags, /api/v1/tags/<slug> and /api/v1/authors/<username>."""

import pytest

from tests.api.contract import get_json


def test_tags_are_listed_by_name_with_published_counts(client, community):
    body = get_json(client, "/api/v1/tags", "TagList")
    assert [tag["slug"] for tag in body["results"]] == [
        "azathioprine",
        "diet",
        "lupus",
        "only-unpublished",
        "unused-topic",
    ]
    counts = {tag["slug"]: tag["post_count"] for tag in body["results"]}
    assert counts == {
        "azathioprine": 3,
        "diet": 2,
        "lupus": 2,
        "only-unpublished": 0,
        "unused-topic": 0,
    }
    assert body["results"][0] == {
        "slug": "azathioprine",
        "name": "Azathioprine",
        "kind": "medication",
        "post_count": 3,
    }
    assert body["total"] == 5 and body["next"] is None


def test_tags_filter_by_kind_and_page(client, community):
    topics = get_json(client, "/api/v1/tags?kind=topic&per_page=2", "TagList")
    assert [tag["slug"] for tag in topics["results"]] == ["diet", "only-unpublished"]
    assert topics["total"] == 3
    assert topics["next"] == "/api/v1/tags?page=2&per_page=2&kind=topic"
    rest = get_json(client, topics["next"], "TagList")
    assert [tag["slug"] for tag in rest["results"]] == ["unused-topic"] and rest["next"] is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=colour", "kind must be one of condition, medication, topic"),
        ("page=-1", "page must be a whole number"),
        ("per_page=101", "per_page must be a whole number from 1 to 100"),
        ("per_page=0", "per_page must be a whole number"),
    ],
)
def test_bad_tag_list_parameters_are_a_400(client, community, query, message):
    body = get_json(client, "/api/v1/tags?" + query, "Error", status=400)
    assert message in body["message"]


def test_a_tag_has_its_description_and_synonyms(client, community):
    body = get_json(client, "/api/v1/tags/azathioprine", "TagDetail")
    assert body == {
        "slug": "azathioprine",
        "name": "Azathioprine",
        "kind": "medication",
        "post_count": 3,
        "description_html": "<p>About azathioprine.</p>",
        "synonyms": ["imuran", "aza"],
    }
    assert get_json(client, "/api/v1/tags/only-unpublished", "TagDetail")["post_count"] == 0


@pytest.mark.parametrize("slug", ["no-such-tag", "Azathioprine", "%E2%98%83"])
def test_unknown_tags_are_a_json_404(client, community, slug):
    assert get_json(client, f"/api/v1/tags/{slug}", "Error", status=404)["status"] == 404


def test_a_verified_provider_shows_credentials(client, community):
    prov = community["users"]["provider"]
    body = get_json(client, "/api/v1/authors/prov", "AuthorProfile")
    assert body == {
        "username": "prov",
        "display_name": "Prov",
        "role": "provider",
        "verified": True,
        "credentials": "MD",
        "specialty": "Hepatology",
        "bio_html": "",
        "member_since": prov.created_at.date().isoformat(),
        "post_count": 1,
    }


def test_an_unverified_provider_shows_no_credentials(client, community):
    body = get_json(client, "/api/v1/authors/claimant", "AuthorProfile")
    assert body["verified"] is False
    assert body["credentials"] is None and body["specialty"] is None
    assert body["bio_html"] == "<p>Says they are a doctor.</p>" and body["post_count"] == 1


@pytest.mark.parametrize(
    ("username", "post_count"),
    [("pat", 2), ("other", 1), ("suspended", 1), ("reviewer", 0), ("modi", 0), ("root-admin", 0)],
)
def test_public_profiles(client, community, username, post_count):
    body = get_json(client, f"/api/v1/authors/{username}", "AuthorProfile")
    assert body["username"] == username and body["post_count"] == post_count


@pytest.mark.parametrize("username", ["nobody", "silent", "drafter", "PAT", "%E2%98%83"])
def test_unknown_or_silent_members_are_a_json_404(client, community, username):
    body = get_json(client, f"/api/v1/authors/{username}", "Error", status=404)
    assert body["status"] == 404


def test_a_silent_member_looks_exactly_like_a_missing_one(client, community):
    silent = client.get("/api/v1/authors/silent").get_json()
    missing = client.get("/api/v1/authors/nosuchone").get_json()
    assert silent["message"].replace("silent", "X") == missing["message"].replace("nosuchone", "X")
    silent = client.get("/api/v1/posts?author=silent").get_json()
    missing = client.get("/api/v1/posts?author=nosuchone").get_json()
    assert silent["message"].replace("silent", "X") == missing["message"].replace("nosuchone", "X")
