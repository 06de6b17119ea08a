"""Search shows only what is public: a post that leaves (removed, hidden, erased, withdrawn) or
an edit that drops a word takes that word out of "did you mean", totals, snippets, related
posts and feeds in the very next request, with no rebuild in between.

The attacker's view: someone watches the search box for a rare word (a name, a place, a drug
trial code) that a member later took down, and types a near miss to see whether the site still
knows it.
"""

from __future__ import annotations

import pytest

from app.search import get_backend, outbox
from tests.conftest import make_user
from tests.helpers import PASSWORD, csrf_from, make_post, make_tag, post_form, sign_in, sign_out

RARE = "zorblaxine"
NEAR_MISS = "zorblexine"  # one letter off, and a different stem: it matches nothing itself
SHARED = "tacrolimus"


@pytest.fixture
def world(app, users):
    """A rare word in one post; a neighbour sharing its tag and another word."""
    tag = make_tag("trial-drugs", "topic", "Trial drugs")
    author = make_user(
        "zora",
        "provider",
        verification_state="verified",
        credentials="MD",
        specialty="Hepatology",
    )
    target = make_post(
        author,
        title=f"My week on {RARE} and {SHARED}",
        tags=[tag],
        body=f"The {RARE} trial nurse at the clinic switched me from {SHARED} last spring.",
        days_ago=1,
    )
    neighbour = make_post(
        users["patient"],
        title="Switching from tacrolimus to azathioprine",
        tags=[tag],
        body=f"I was on {SHARED} for years before azathioprine.",
        days_ago=2,
    )
    return {"author": author, "target": target, "neighbour": neighbour, "tag": tag}


def api(client, text: str) -> dict:
    response = client.get("/api/v1/search", query_string={"q": text})
    assert response.status_code == 200
    return response.get_json()


def page(client, url: str, **query) -> str:
    response = client.get(url, query_string=query)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def public_traces(client, world) -> dict[str, bool]:
    """Where an anonymous visitor can still see the rare word or the target post."""
    neighbour = world["neighbour"]
    suggestion = api(client, NEAR_MISS)["suggestion"] or ""
    found = api(client, RARE)
    shared = api(client, SHARED)
    return {
        "api suggestion": RARE in suggestion,
        "api total": found["total"] > 0,
        "api results": bool(found["results"]),
        "api snippets": any(RARE in hit["snippet"] for hit in shared["results"]),
        "api shared total": shared["total"] != len(shared["results"]),
        "page suggestion": RARE in page(client, "/search", q=NEAR_MISS),
        "page snippets": RARE in page(client, "/search", q=SHARED),
        "related box": RARE in page(client, f"/posts/{neighbour.id}/{neighbour.slug}"),
        "latest feed": RARE in page(client, "/feeds/latest.atom"),
        "tag feed": RARE in page(client, f"/tags/{world['tag'].slug}/feed.atom"),
    }


def assert_visible_before(client, world) -> None:
    traces = public_traces(client, world)
    assert api(client, NEAR_MISS)["suggestion"] == RARE
    assert traces["api total"] and traces["api snippets"] and traces["related box"]
    assert traces["latest feed"] and traces["tag feed"]


def assert_gone(client, world) -> None:
    sign_out(client)
    leaks = [where for where, seen in public_traces(client, world).items() if seen]
    assert leaks == [], f"{RARE!r} still shows in: {', '.join(leaks)}"


def moderate(client, users, post_id: int, action: str) -> None:
    sign_in(client, users["moderator"].email)
    token = csrf_from(client.get("/moderation/").get_data(as_text=True))
    response = client.post(
        f"/moderation/posts/{post_id}/{action}",
        data={"csrf_token": token, "reason": "Names a member of staff"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    sign_out(client)


def test_a_removed_post_leaves_suggestions_at_once(client, world, users):
    assert_visible_before(client, world)
    moderate(client, users, world["target"].id, "remove")
    assert_gone(client, world)


def test_a_hidden_post_leaves_suggestions_at_once(client, world, users):
    assert_visible_before(client, world)
    moderate(client, users, world["target"].id, "hide")
    assert_gone(client, world)


def test_an_erased_account_takes_its_words_with_it(client, world):
    assert_visible_before(client, world)
    sign_in(client, world["author"].email)
    response = post_form(client, "/me/delete", {"writing": "erase", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert_gone(client, world)


def test_a_withdrawn_post_leaves_suggestions_at_once(client, world):
    assert_visible_before(client, world)
    target = world["target"]
    sign_in(client, world["author"].email)
    response = post_form(
        client, f"/posts/{target.id}/{target.slug}", {}, f"/posts/{target.id}/withdraw"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert_gone(client, world)


def test_an_edit_that_drops_the_word_drops_its_suggestion(client, world):
    assert_visible_before(client, world)
    target = world["target"]
    sign_in(client, world["author"].email)
    response = post_form(
        client,
        f"/posts/{target.id}/edit",
        {
            "kind": "experience",
            "title": f"My week on a new drug and {SHARED}",
            "body": f"The trial nurse at the clinic switched me from {SHARED} last spring.",
            "tags": world["tag"].slug,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    sign_out(client)
    assert api(client, SHARED)["total"] == 2  # still published, only the word is gone
    assert_gone(client, world)


def test_a_word_stays_suggested_while_another_published_post_uses_it(client, world, users):
    """The live count, not a flag: one post leaving must not hide a word others still use."""
    make_post(users["other_patient"], title=f"Asked my doctor about {RARE}", body="No news yet.")
    client.get("/")  # any request applies what the setup queued
    moderate(client, users, world["target"].id, "remove")
    assert api(client, NEAR_MISS)["suggestion"] == RARE


@pytest.fixture
def index_lagging(app, world, monkeypatch):
    """The index misses changes after it is built, as when another worker holds its lock: the
    outbox keeps them queued for a later retry."""
    outbox.rebuild_from_database(get_backend(app))
    monkeypatch.setattr(outbox, "apply_pending", lambda backend, limit=0: 0)


def test_a_lagging_index_neither_counts_nor_titles_a_removed_post(
    client, world, users, index_lagging
):
    assert_visible_before(client, world)
    moderate(client, users, world["target"].id, "remove")

    found = api(client, RARE)
    assert (found["total"], found["results"]) == (0, [])
    assert api(client, SHARED)["total"] == 1
    assert RARE not in page(client, "/search", q=SHARED)


def test_a_lagging_index_never_shows_an_edited_out_title(client, world, index_lagging):
    assert RARE in page(client, "/search", q=SHARED)
    target = world["target"]
    sign_in(client, world["author"].email)
    response = post_form(
        client,
        f"/posts/{target.id}/edit",
        {
            "kind": "experience",
            "title": f"My week on a new drug and {SHARED}",
            "body": f"The trial nurse at the clinic switched me from {SHARED} last spring.",
            "tags": world["tag"].slug,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    sign_out(client)

    assert RARE not in page(client, "/search", q=SHARED)
