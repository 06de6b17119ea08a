"""Hostile payloads as every kind of member text, on every page that shows it, stay inert.

For each sampled payload (every fifth curated one) a new member whose display name and bio are
the payload sends a post whose title and body are the payload, tagged with a tag whose name and
description are the payload, through the real form with its CSRF token. A moderator finds it in
the queue and approves it; the member replies with the payload; the moderator finds the reply
in the queue and approves it. The member, the moderator and an anonymous reader fetch the
pages; each must be free of script, event handlers and script URLs
(tests/xss_checks.page_problems), and must show the text, escaped.
"""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.content.render import render_markdown
from app.extensions import db
from app.models import Comment, Post, Tag
from app.posts.services import BODY_MIN, COMMENT_MIN, TITLE_MAX, TITLE_MIN
from tests.conftest import make_user
from tests.helpers import make_post, post_form, sign_in
from tests.xss_checks import curated_payloads, page_problems

SAMPLE = [row["payload"] for row in curated_payloads()[::5]]
CHUNK = 7  # payloads per test: one app (and one template compilation) serves several payloads
CHUNKS = [list(enumerate(SAMPLE))[i : i + CHUNK] for i in range(0, len(SAMPLE), CHUNK)]
CHUNK_IDS = [f"sample{chunk[0][0]:02d}-{chunk[-1][0]:02d}" for chunk in CHUNKS]


def fit(payload: str, shortest: int, longest: int, pad: str) -> str:
    """The payload, padded or cut only as far as the length rules demand."""
    text = payload.strip()[:longest].strip()
    while len(text) < shortest:
        text = f"{text}{pad}".strip()
    return text


def checked(response, who: str, url: str, payload: str, status: int = 200) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == status, f"{who} GET {url}: {response.status_code}\n{page}"
    problems = page_problems(page)
    assert not problems, f"payload {payload!r}: {who} GET {url} carries active content: {problems}"
    return page


@pytest.mark.parametrize("chunk", CHUNKS, ids=CHUNK_IDS)
def test_payloads_are_inert_wherever_they_are_shown(app, client, chunk):
    moderator = make_user("queue_mod", "moderator")
    mod_client, reader = client, app.test_client()
    sign_in(mod_client, moderator.email)
    for index, payload in chunk:
        exercise(app, index, payload, mod_client, reader)


def exercise(app, index: int, payload: str, mod_client, reader) -> None:
    member = make_user(
        f"hostile{index}",
        display_name=payload[:80],
        bio_source=payload,
        bio_html=render_markdown(payload),
    )
    tag = Tag(
        slug=f"hostile-{index}",
        name=payload[:80],
        kind="topic",
        description_source=payload,
        description_html=render_markdown(payload),
    )
    db.session.add(tag)
    db.session.commit()
    title = fit(payload, TITLE_MIN, TITLE_MAX, " (xss)")
    body = payload if len(payload.strip()) >= BODY_MIN else f"{payload}\n\nPadding to the minimum."
    reply = payload if len(payload.strip()) >= COMMENT_MIN else f"{payload} (reply)"
    member_client = app.test_client()

    sign_in(member_client, member.email)
    checked(member_client.get("/posts/new"), "member", "/posts/new", payload)
    sent = post_form(
        member_client,
        "/posts/new",
        {"kind": "experience", "title": title, "body": body, "tags": tag.slug, "intent": "submit"},
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    post = db.session.scalar(select(Post).where(Post.author_id == member.id))
    assert post is not None and post.status == "pending"
    post_url = sent.headers["Location"]
    page = checked(member_client.get(post_url), "member", post_url, payload)
    assert str(escape(post.title)) in page

    queue = checked(mod_client.get("/moderation/"), "moderator", "/moderation/", payload)
    assert f'href="{post_url}"' in queue, "the pending post is not in the queue"
    approved = post_form(
        mod_client, "/moderation/", {}, action_url=f"/moderation/posts/{post.id}/approve"
    )
    assert approved.status_code == 302, approved.get_data(as_text=True)

    replied = post_form(
        member_client, post_url, {"body": reply}, action_url=f"/posts/{post.id}/comments"
    )
    assert replied.status_code == 302, replied.get_data(as_text=True)
    comment = db.session.scalar(select(Comment).where(Comment.post_id == post.id))
    assert comment is not None and comment.status == "pending"
    queue = checked(mod_client.get("/moderation/"), "moderator", "/moderation/", payload)
    assert f"#comment-{comment.id}" in queue, "the pending reply is not in the queue"
    checked(mod_client.get(post_url), "moderator", post_url, payload)
    approved = post_form(
        mod_client, "/moderation/", {}, action_url=f"/moderation/comments/{comment.id}/approve"
    )
    assert approved.status_code == 302, approved.get_data(as_text=True)

    shown = {
        post_url: [post.title, member.display_name, tag.name],
        f"/tags/{tag.slug}": [post.title, tag.name],
        f"/authors/{member.username}": [post.title, member.display_name],
        "/": [post.title],
    }
    for url, texts in shown.items():
        page = checked(reader.get(url), "reader", url, payload)
        for text in texts:
            assert str(escape(text)) in page, f"{text!r} is not shown on {url}"
    checked(mod_client.get(post_url), "moderator", post_url, payload)
    search = reader.get("/search", query_string={"q": payload[:200]})
    assert search.status_code in (200, 400)
    checked(search, "reader", "/search", payload, status=search.status_code)


def test_the_page_check_catches_markup_that_skipped_the_pipeline(app, client):
    """Positive control: stored HTML that did not go through render_markdown is caught."""
    author = make_user("bypass_author")
    post = make_post(author, title="A post with raw stored HTML", body="Harmless body text here.")
    post.body_html = (
        '<p><img src=x onerror="alert(1)"><a href="java&#x09;script:alert(2)">x</a></p>'
        "<svg><script>alert(3)</script></svg>"
    )
    db.session.commit()
    page = client.get(f"/posts/{post.id}/{post.slug}").get_data(as_text=True)
    problems = "\n".join(page_problems(page))
    assert "event handler onerror='alert(1)' on <img>" in problems
    assert "href='java\\tscript:alert(2)' on <a> has a forbidden scheme" in problems
    assert "<svg> on the page" in problems and "<script> on the page" in problems
    assert "'<script' in the page source" in problems


def test_an_event_handler_as_text_in_an_attribute_value_is_not_a_problem(app, client):
    """The summary in <meta name=description> quotes ` onerror=` as text; that is inert."""
    author = make_user("quoting_author")
    post = make_post(author, title="Quoting markup", body="<img src=x onerror=alert(1)> is text.")
    page = client.get(f"/posts/{post.id}/{post.slug}").get_data(as_text=True)
    assert 'content="&lt;img src=x onerror=alert(1)&gt; is text."' in page
    assert page_problems(page) == []
