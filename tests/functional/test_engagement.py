"""Helpful marks, saved posts, follows and the personal feed."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app.db import utcnow
from app.extensions import db
from app.models import Bookmark, Follow, Post, Reaction
from tests.conftest import make_user
from tests.helpers import csrf_from, make_post, make_tag


def token(client) -> str:
    return csrf_from(client.get("/").get_data(as_text=True))


def send(client, url: str, **data):
    return client.post(url, data={"csrf_token": token(client), **data})


def helpful_count(post_id: int) -> int:
    return db.session.scalar(select(Post.helpful_count).where(Post.id == post_id))


def reactions(post_id: int) -> int:
    return db.session.scalar(select(func.count()).where(Reaction.post_id == post_id))


def pressed(html: str, label: str) -> str:
    match = re.search(rf'aria-pressed="(true|false)">{label}', html)
    assert match, f"no {label} toggle on the page"
    return match.group(1)


@contextmanager
def counting_statements():
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def post(users):
    return make_post(users["patient"], title="Keeping track of my blood tests")


# Helpful ------------------------------------------------------------------------------------


def test_helpful_toggles_on_and_off_and_keeps_the_count_exact(client, post, signed_in):
    signed_in("other_patient")
    first = send(client, f"/posts/{post.id}/helpful")
    assert first.status_code == 302
    assert first.headers["Location"] == f"{post.path}#helpful"
    assert (helpful_count(post.id), reactions(post.id)) == (1, 1)
    page = client.get(post.path).get_data(as_text=True)
    assert pressed(page, "Helpful") == "true"
    assert "1 member found this helpful" in page

    second = send(client, f"/posts/{post.id}/helpful")
    assert second.status_code == 302
    assert (helpful_count(post.id), reactions(post.id)) == (0, 0)
    page = client.get(post.path).get_data(as_text=True)
    assert pressed(page, "Helpful") == "false"
    assert "0 members found this helpful" in page


def test_helpful_counts_one_per_member(client, post, signed_in):
    for role in ("other_patient", "provider", "moderator"):
        signed_in(role)
        send(client, f"/posts/{post.id}/helpful")
    assert (helpful_count(post.id), reactions(post.id)) == (3, 3)
    signed_in("provider")
    send(client, f"/posts/{post.id}/helpful")
    assert (helpful_count(post.id), reactions(post.id)) == (2, 2)


def test_helpful_count_never_goes_below_zero(client, post, users, signed_in):
    db.session.add(Reaction(user_id=users["other_patient"].id, post_id=post.id))
    db.session.commit()  # a reaction the stored count (0) does not know about
    signed_in("other_patient")
    send(client, f"/posts/{post.id}/helpful")
    assert (helpful_count(post.id), reactions(post.id)) == (0, 0)


def test_a_helpful_mark_is_not_an_edit(client, post, signed_in):
    before = db.session.get(Post, post.id).updated_at
    signed_in("other_patient")
    send(client, f"/posts/{post.id}/helpful")
    db.session.expire_all()
    assert db.session.get(Post, post.id).updated_at == before


def test_members_cannot_mark_their_own_post_helpful(client, post, signed_in):
    signed_in("patient")
    page = client.get(post.path).get_data(as_text=True)
    assert "engagement.helpful" not in page and f"/posts/{post.id}/helpful" not in page
    response = send(client, f"/posts/{post.id}/helpful")
    assert response.status_code == 403
    assert "your own post" in response.get_data(as_text=True)
    assert helpful_count(post.id) == 0


def test_unpublished_posts_cannot_be_marked_helpful(client, users, signed_in):
    pending = make_post(users["patient"], title="Still waiting for review", status="pending")
    hidden = make_post(users["patient"], title="Hidden for now", status="hidden")
    signed_in("other_patient")
    assert send(client, f"/posts/{pending.id}/helpful").status_code == 404
    assert send(client, f"/posts/{hidden.id}/helpful").status_code == 404
    signed_in("moderator")  # moderators can see the post, but it is not published
    response = send(client, f"/posts/{hidden.id}/helpful")
    assert response.status_code == 409
    assert "not published" in response.get_data(as_text=True)
    assert reactions(pending.id) + reactions(hidden.id) == 0


def test_helpful_on_an_unknown_post_is_404(client, signed_in):
    signed_in("other_patient")
    assert send(client, "/posts/999999/helpful").status_code == 404


def test_helpful_without_csrf_token_is_refused(client, post, signed_in):
    signed_in("other_patient")
    response = client.post(f"/posts/{post.id}/helpful")
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert helpful_count(post.id) == 0


def test_suspended_members_cannot_mark_helpful(client, post, users, signed_in):
    users["other_patient"].suspended_until = utcnow() + timedelta(days=3)
    users["other_patient"].suspension_reason = "cooling off"
    db.session.commit()
    signed_in("other_patient")
    response = send(client, f"/posts/{post.id}/helpful")
    assert response.status_code == 403
    assert "suspended" in response.get_data(as_text=True)
    assert helpful_count(post.id) == 0


def test_anonymous_visitors_see_the_count_but_no_button(client, post, users, signed_in):
    signed_in("other_patient")
    send(client, f"/posts/{post.id}/helpful")
    anonymous = client.application.test_client()
    page = anonymous.get(post.path).get_data(as_text=True)
    assert "1 member found this helpful" in page
    assert "aria-pressed" not in page
    assert f"/posts/{post.id}/helpful" not in page
    assert anonymous.post(f"/posts/{post.id}/helpful").status_code == 400


def test_a_helpful_mark_refreshes_the_cached_anonymous_page(app, client, post, signed_in):
    def anonymous_get(url):  # a new visitor each time: no cookie, so the cache may answer
        return app.test_client().get(url)

    anonymous_get(post.path)
    assert anonymous_get(post.path).headers["X-Page-Cache"] == "hit"
    signed_in("other_patient")
    send(client, f"/posts/{post.id}/helpful")
    fresh = anonymous_get(post.path)
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "1 member found this helpful" in fresh.get_data(as_text=True)


# Bookmarks ----------------------------------------------------------------------------------


def test_bookmarks_toggle_and_appear_under_saved(client, post, users, signed_in):
    signed_in("other_patient")
    response = send(client, f"/posts/{post.id}/bookmark")
    assert response.status_code == 302
    assert pressed(client.get(post.path).get_data(as_text=True), "Saved") == "true"
    saved = client.get("/me/saved").get_data(as_text=True)
    assert post.title in saved

    send(client, f"/posts/{post.id}/bookmark")
    assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 0
    assert post.title not in client.get("/me/saved").get_data(as_text=True)
    assert pressed(client.get(post.path).get_data(as_text=True), "Save for later") == "false"


def test_saved_posts_are_private_to_each_member(client, post, signed_in):
    signed_in("other_patient")
    send(client, f"/posts/{post.id}/bookmark")
    signed_in("provider")
    assert post.title not in client.get("/me/saved").get_data(as_text=True)


def test_saved_lists_only_posts_that_are_still_published(client, post, signed_in):
    signed_in("other_patient")
    send(client, f"/posts/{post.id}/bookmark")
    db.session.get(Post, post.id).status = "hidden"
    db.session.commit()
    page = client.get("/me/saved").get_data(as_text=True)
    assert post.title not in page
    assert "Nothing saved yet" in page


def test_bookmarking_unpublished_or_unknown_posts_is_refused(client, users, signed_in):
    pending = make_post(users["patient"], title="Still waiting for review", status="pending")
    signed_in("other_patient")
    assert send(client, f"/posts/{pending.id}/bookmark").status_code == 404
    assert send(client, "/posts/999999/bookmark").status_code == 404
    signed_in("patient")  # the author sees it, but it is not published
    assert send(client, f"/posts/{pending.id}/bookmark").status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 0


def test_bookmark_without_csrf_token_is_refused(client, post, signed_in):
    signed_in("other_patient")
    assert client.post(f"/posts/{post.id}/bookmark").status_code == 400


def test_toggles_return_to_a_safe_next_page_only(client, post, signed_in):
    signed_in("other_patient")
    ok = send(client, f"/posts/{post.id}/bookmark", next="/me/saved")
    assert ok.headers["Location"] == "/me/saved"
    hostile = send(client, f"/posts/{post.id}/bookmark", next="https://evil.example/")
    assert hostile.headers["Location"] == post.path


# Follows ------------------------------------------------------------------------------------


def test_following_a_tag_toggles(client, users, signed_in):
    tag = make_tag("blood-tests")
    db.session.commit()
    signed_in("other_patient")
    page = client.get("/tags/blood-tests").get_data(as_text=True)
    assert pressed(page, "Follow") == "false"
    assert send(client, "/tags/blood-tests/follow").status_code == 302
    assert pressed(client.get("/tags/blood-tests").get_data(as_text=True), "Following") == "true"
    follows = db.session.scalars(select(Follow)).all()
    assert [(f.follower_id, f.tag_id, f.author_id) for f in follows] == [
        (users["other_patient"].id, tag.id, None)
    ]
    send(client, "/tags/blood-tests/follow")
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


def test_following_an_unknown_tag_is_404(client, signed_in):
    signed_in("other_patient")
    assert send(client, "/tags/no-such-tag/follow").status_code == 404


def test_following_an_author_shows_on_their_page(app, client, post, users, signed_in):
    signed_in("other_patient")
    page = client.get("/authors/pat").get_data(as_text=True)
    assert "0 followers" in page and pressed(page, "Follow") == "false"
    assert send(client, "/authors/pat/follow").status_code == 302
    page = client.get("/authors/pat").get_data(as_text=True)
    assert "1 follower" in page and pressed(page, "Following") == "true"
    assert users["patient"].email not in page

    anonymous = app.test_client().get("/authors/pat").get_data(as_text=True)
    assert "1 follower" in anonymous
    assert "/authors/pat/follow" not in anonymous

    send(client, "/authors/pat/follow")
    assert "0 followers" in client.get("/authors/pat").get_data(as_text=True)


def test_a_follow_refreshes_the_cached_author_page(app, client, post, signed_in):
    def anonymous_get(url):
        return app.test_client().get(url)

    anonymous_get("/authors/pat")
    assert anonymous_get("/authors/pat").headers["X-Page-Cache"] == "hit"
    signed_in("other_patient")
    send(client, "/authors/pat/follow")
    fresh = anonymous_get("/authors/pat")
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "1 follower" in fresh.get_data(as_text=True)


def test_members_cannot_follow_themselves(client, post, signed_in):
    signed_in("patient")
    page = client.get("/authors/pat").get_data(as_text=True)
    assert "/authors/pat/follow" not in page
    response = send(client, "/authors/pat/follow")
    assert response.status_code == 400
    assert "cannot follow yourself" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


def test_following_unknown_or_private_members_is_404(client, users, signed_in):
    make_user("silent")  # no published posts: no public page, so nothing to follow
    signed_in("other_patient")
    assert send(client, "/authors/nobody-here/follow").status_code == 404
    assert send(client, "/authors/silent/follow").status_code == 404


def test_follow_without_csrf_token_is_refused(client, post, signed_in):
    signed_in("other_patient")
    assert client.post("/authors/pat/follow").status_code == 400
    make_tag("diet")
    db.session.commit()
    assert client.post("/tags/diet/follow").status_code == 400


# Feed ---------------------------------------------------------------------------------------


def test_feed_shows_published_posts_from_followed_tags_and_authors(client, users, signed_in):
    liver = make_tag("liver")
    diet = make_tag("diet")
    by_followed = make_post(users["provider"], title="Article by a followed author", days_ago=3)
    in_tag = make_post(users["patient"], title="In a followed tag", tags=[liver], days_ago=2)
    both = make_post(users["provider"], title="Author and tag at once", tags=[liver], days_ago=1)
    make_post(users["patient"], title="Unfollowed tag post", tags=[diet])
    make_post(users["patient"], title="Pending in followed tag", tags=[liver], status="pending")
    make_post(users["provider"], title="Hidden by followed author", status="hidden")
    signed_in("other_patient")
    send(client, "/tags/liver/follow")
    send(client, "/authors/prov/follow")

    page = client.get("/me/feed").get_data(as_text=True)
    titles = [both.title, in_tag.title, by_followed.title]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions), "newest first"
    assert page.count(both.title) == 1
    for absent in ("Unfollowed tag post", "Pending in followed tag", "Hidden by followed author"):
        assert absent not in page


def test_feed_is_paginated(client, users, signed_in):
    tag = make_tag("liver")
    for number in range(25):
        make_post(users["patient"], title=f"Liver post number {number:02d}", tags=[tag])
    signed_in("other_patient")
    send(client, "/tags/liver/follow")
    first = client.get("/me/feed").get_data(as_text=True)
    second = client.get("/me/feed?page=2").get_data(as_text=True)
    assert first.count("Liver post number") == 20
    assert second.count("Liver post number") == 5
    assert "Page 2 of 2" in second
    assert client.get("/me/feed?page=zero").status_code == 400


def test_empty_feed_suggests_tags_to_follow(client, users, signed_in):
    make_tag("aih", kind="condition", name="Autoimmune hepatitis")
    make_tag("diet")
    db.session.commit()
    signed_in("other_patient")
    page = client.get("/me/feed").get_data(as_text=True)
    assert "You do not follow anything yet" in page
    assert "Topics you could follow" in page
    assert page.index("Autoimmune hepatitis") < page.index("Diet"), "conditions first"
    assert 'action="/tags/aih/follow"' in page

    response = send(client, "/tags/aih/follow", next="/me/feed")
    assert response.headers["Location"] == "/me/feed"
    page = client.get("/me/feed").get_data(as_text=True)
    assert "Nothing has been published yet by the people and topics you follow" in page
    assert 'action="/tags/aih/follow"' in page  # now listed under "You follow", to unfollow


def test_feed_runs_a_fixed_number_of_queries(client, users, signed_in):
    def statements_for_feed(count: int) -> int:
        db.session.execute(Follow.__table__.delete())
        db.session.execute(Post.__table__.delete())
        db.session.commit()
        authors = [users["patient"], users["provider"], users["moderator"]]
        tags = [make_tag(f"topic-{count}-{n}") for n in range(3)]
        for number in range(count):
            make_post(
                authors[number % 3], title=f"Post {number} of {count}", tags=[tags[number % 3]]
            )
        signed_in("other_patient")
        for tag in tags:
            send(client, f"/tags/{tag.slug}/follow")
        send(client, "/authors/prov/follow")
        with counting_statements() as statements:
            page = client.get("/me/feed")
        assert page.status_code == 200
        assert f"Post {count - 1} of {count}" in page.get_data(as_text=True)
        return len(statements)

    small, large = statements_for_feed(3), statements_for_feed(30)
    assert small == large
    assert small <= 10, "signed-in page chrome, follows, one count and one page query"


def test_nav_links_for_members_only(client, users, signed_in):
    anonymous = client.get("/").get_data(as_text=True)
    assert 'href="/me/saved"' not in anonymous and 'href="/me/feed"' not in anonymous
    signed_in("other_patient")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/me/saved">Saved<' in page
    assert 'href="/me/feed">Following<' in page


def test_personal_pages_need_an_account(client):
    for url in ("/me/saved", "/me/feed"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")
