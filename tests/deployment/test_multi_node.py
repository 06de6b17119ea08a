"""Two web nodes, one PostgreSQL, one Redis: whatever one node does, the other sees at once."""

from __future__ import annotations

import re

from tests.deployment.conftest import Browser

WORD = "quillwort"


def test_a_post_approved_on_one_node_is_found_on_the_other_at_once(cluster, start_node):
    writer = cluster.create_member("node_writer")
    moderator = cluster.create_member("node_moderator", "moderator")
    node_a, node_b = start_node("a"), start_node("b")
    reader = Browser()
    assert reader.get(node_b.url + "/", timeout=10).headers.get("X-Page-Cache") in ("miss", "hit")

    author = Browser()
    author.sign_in(node_a, writer)
    created = author.submit(
        node_a.url + "/posts/new",
        node_a.url + "/posts/new",
        {
            "title": f"My {WORD} notebook of blood results",
            "body": f"I keep every result in a {WORD} notebook and bring it to clinic.",
            "kind": "experience",
            "tags": "",
        },
    )
    assert created.status_code in (302, 303), created.text[:500]
    post_id = int(re.search(r"/posts/(\d+)/", created.headers["Location"])[1])
    assert reader.get(f"{node_b.url}/api/v1/search?q={WORD}", timeout=10).json()["total"] == 0

    checker = Browser()
    checker.sign_in(node_a, moderator)
    approved = checker.submit(
        node_a.url + "/moderation/",
        f"{node_a.url}/moderation/posts/{post_id}/approve",
        {"reason": "fine"},
    )
    assert approved.status_code in (302, 303), approved.text[:500]

    found = reader.get(f"{node_b.url}/api/v1/search?q={WORD}", timeout=10).json()
    assert [hit["id"] for hit in found["results"]] == [post_id]
    assert WORD in reader.get(node_b.url + "/", timeout=10).text
    assert reader.get(f"{node_b.url}/posts/{post_id}", timeout=10).status_code == 200


def test_a_rate_limit_counted_on_one_node_applies_on_the_other(cluster, start_node):
    email = cluster.create_member("limited_member")
    node_a, node_b = start_node("a"), start_node("b")
    statuses = []
    for attempt in range(12):
        node = node_a if attempt % 2 == 0 else node_b
        browser = Browser()
        response = browser.submit(
            node.url + "/auth/login",
            node.url + "/auth/login",
            {"email": email, "password": "not the password at all"},
        )
        statuses.append((node.name, response.status_code))
    refused = [status for status in statuses if status[1] == 429]
    assert statuses[:10] == [("a" if n % 2 == 0 else "b", 400) for n in range(10)], statuses
    assert refused == [("a", 429), ("b", 429)], statuses
