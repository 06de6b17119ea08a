"""An abuser posts contact details spelled so that a screen of the Markdown source misses them.

Each payload is what a reader would see as an email address or a phone number once the post is
rendered. Through HTTP, from a new member and from a trusted one, as a post and as a reply: the
text is held for a moderator (never published), the finding is recorded for the queue and the
author sees it in the preview.
"""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, Post
from app.moderation.service import is_trusted
from tests.helpers import csrf_from, make_post, make_tag, post_form

PAYLOADS = {
    "entity-encoded at sign": ("Write to me: jane&#64;example.com", "email", "jane@example.com"),
    "zero-width split email": (
        "Write to me: jane.doe@exa\u200bmple.\u200bcom",
        "email",
        "jane.doe@example.com",
    ),
    "spelled-out email": (
        "Write to jane dot doe at example dot com",
        "email",
        "jane dot doe at example dot com",
    ),
    "innocent link text, mailto target": (
        "Here are [my notes](mailto:jane&#46;doe&#64;example.com) for you",
        "email",
        "jane.doe@example.com",
    ),
    "percent-encoded mailto target": (
        "Here are [my notes](mailto:jane%2Edoe%40example.com) for you",
        "email",
        "jane.doe@example.com",
    ),
    "phone split by fullwidth dots": ("Call me on 555．123．4567 any day", "phone", "555.123.4567"),
    "phone with an entity-encoded dot": (
        "Call me on 555&#46;123&#46;4567 any day",
        "phone",
        "555.123.4567",
    ),
}
CASES = pytest.mark.parametrize(("body", "kind", "shown"), PAYLOADS.values(), ids=list(PAYLOADS))
MEMBERS = pytest.mark.parametrize("trusted", [False, True], ids=["new member", "trusted member"])


@pytest.fixture
def author(users, trusted):
    member = users["patient"]
    if trusted:
        member.approved_post_count = 10
        db.session.commit()
    assert is_trusted(member) is trusted
    return member


def page(response) -> str:
    return response.get_data(as_text=True)


def write_post(client, body: str, intent: str = "submit"):
    make_tag("azathioprine", "medication")
    db.session.commit()
    data = {
        "title": "Notes from my clinic visit",
        "kind": "experience",
        "body": f"{body}. I kept notes from the hepatology clinic.",
        "tags": "azathioprine",
        "intent": intent,
    }
    return post_form(client, "/posts/new", data)


@MEMBERS
@CASES
def test_a_post_with_disguised_contact_details_is_held_with_the_finding(
    client, signed_in, author, trusted, body, kind, shown
):
    signed_in("patient")
    response = write_post(client, body)
    assert response.status_code == 302
    post = db.session.scalars(select(Post)).one()
    assert post.status == "pending"
    assert {"kind": kind, "text": shown} in [
        {"kind": f["kind"], "text": f["text"]} for f in post.finding_list
    ]
    client.post("/auth/logout", data={"csrf_token": csrf_from(page(client.get("/")))})
    assert client.get(post.path).status_code == 404


@MEMBERS
@CASES
def test_the_author_sees_the_finding_as_a_reader_would_before_sending(
    client, signed_in, author, trusted, body, kind, shown
):
    signed_in("patient")
    preview = page(write_post(client, body, intent="preview"))
    assert "Please check before you send" in preview
    assert f"<code>{html.escape(shown)}</code>" in preview
    assert db.session.scalars(select(Post)).all() == []


@MEMBERS
@CASES
def test_a_reply_with_disguised_contact_details_is_held_with_the_finding(
    client, signed_in, users, author, trusted, body, kind, shown
):
    target = make_post(users["provider"])
    signed_in("patient")
    token = csrf_from(page(client.get(target.path)))
    client.post(f"/posts/{target.id}/comments", data={"csrf_token": token, "body": body})
    comment = db.session.scalars(select(Comment)).one()
    assert comment.status == "pending"
    assert (kind, shown) in [(f["kind"], f["text"]) for f in comment.finding_list]
    client.post("/auth/logout", data={"csrf_token": csrf_from(page(client.get("/")))})
    assert "my notes" not in page(client.get(target.path))
    assert "Call me on" not in page(client.get(target.path))
