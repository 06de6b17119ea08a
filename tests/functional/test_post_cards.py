"""Listing cards are kept per worker as HTML made from what they show (app.posts.cards):
they must match the card the macro makes of the post, and never outlive a change."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import select

from app.extensions import db
from app.models import Post, Tag, User
from app.posts import cards
from app.posts.queries import (
    cards_by_an_author,
    cards_in_a_tag,
    latest_cards,
    paginate_cards,
    published_posts,
    tags_of,
)
from tests.conftest import make_user
from tests.helpers import make_post, make_tag


def latest_published(limit: int) -> list[Post]:
    """The newest published posts as ORM objects, as listings loaded them before cards."""
    return list(db.session.scalars(published_posts().limit(limit)))


def a_verified_provider_and_a_member(app):
    provider = make_user(
        "dr_cards", "provider", verification_state="verified", display_name="Dr <Cards>"
    )
    member = make_user("card_member", display_name="Member & Co")
    tags = [make_tag("aza-cards", "medication", "Azathioprine"), make_tag("liver-cards")]
    make_post(provider, title="TPMT <before> dosing", kind="article", tags=tags, days_ago=2)
    make_post(member, title="No tags at all", tags=[], days_ago=1)
    db.session.commit()


def test_a_card_made_of_its_values_is_the_card_the_macro_makes_of_the_post(app):
    a_verified_provider_and_a_member(app)
    with app.test_request_context("/"):
        posts = latest_published(10)
        assert len(posts) == 2
        for post in posts:
            for heading in ("h2", "h3"):
                made_of_post = cards.render_card(post, heading)
                assert cards.post_card(post, heading) == made_of_post
                assert post.title.replace("<", "&lt;").replace(">", "&gt;") in made_of_post
            compact = cards.render_compact(post)
            assert cards.compact_item(post) == compact == cards.compact_item(cards.card_of(post))
            assert post.title.replace("<", "&lt;").replace(">", "&gt;") in compact


def test_a_list_of_cards_is_its_cards_in_order_whichever_were_kept(app, monkeypatch):
    """post_list and compact_list join each post's HTML in the listing's order, whether the
    worker kept it already (here the middle one) or makes it now."""
    monkeypatch.setattr(cards, "_cards", type(cards._cards)())
    posts_by_one_author("listed", [f"Listed <{number}>" for number in range(3)])
    with app.test_request_context("/"):
        posts = latest_published(10)
        rows = cards_of_rows(posts)
        cards.post_card(posts[1], "h2")
        cards.compact_item(posts[1])
        for _ in range(2):  # made, then all kept
            made = "".join(cards.render_card(post, "h2") for post in posts)
            assert cards.post_list(rows, "h2") == f'<div class="post-list">\n{made}</div>'
            lines = "".join(f"  {cards.render_compact(post)}\n" for post in posts)
            assert cards.compact_list(rows) == f'<ul class="compact-posts">\n{lines}</ul>'
        assert cards.post_list([]) == '<div class="post-list">\n</div>'
        assert "Listed &lt;0&gt;" in cards.post_list(posts)


def posts_by_one_author(username: str, titles: list[str]) -> None:
    """Published posts by a new member, a day apart, the first title the newest."""
    author = make_user(username)
    for number, title in enumerate(titles):
        make_post(author, title=title, days_ago=number + 1)
    db.session.commit()


def cards_of_rows(posts: list[Post]) -> list[cards.Card]:
    return [cards.card_of(post) for post in posts]


def test_cards_read_as_rows_are_the_cards_of_the_loaded_posts(app):
    """The public listings read cards from rows: every value must be the one the post, its
    author and its tags give (tags in the post's order), on every listing's statement."""
    a_verified_provider_and_a_member(app)
    unverified = make_user("dr_pending", "provider", verification_state="unverified")
    make_post(unverified, title="Awaiting checks", tags=[make_tag("zeta-tag"), make_tag("alpha")])
    db.session.commit()
    with app.test_request_context("/"):
        from_posts = [cards.card_of(post) for post in latest_published(10)]
        assert latest_cards(10) == from_posts
        assert [tag.name for tag in from_posts[0].tags] == ["Alpha", "Zeta Tag"]
        assert [card.author.is_verified_provider for card in from_posts] == [False, False, True]
        tag = db.session.scalar(select(Tag).where(Tag.slug == "aza-cards"))
        in_tag = paginate_cards(cards_in_a_tag(), {"listed_tag_id": tag.id}, 1, 20)
        assert (in_tag.items, in_tag.total) == ([from_posts[2]], 1)
        member = db.session.scalar(select(User).where(User.username == "card_member"))
        by_member = paginate_cards(cards_by_an_author(), {"listed_author_id": member.id}, 1, 20)
        assert (by_member.items, by_member.total) == ([from_posts[1]], 1)


def listing(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers.get("X-Page-Cache") != "hit"
    return response.get_data(as_text=True)


def test_a_card_changes_with_the_post_its_author_and_its_tags(app, client, monkeypatch):
    monkeypatch.setattr(cards, "_cards", type(cards._cards)())
    a_verified_provider_and_a_member(app)
    client.set_cookie("returning", "1")  # a cookie keeps the whole-page cache out of it
    assert "Dr &lt;Cards&gt;" in listing(client)
    assert "No tags at all" in {card.title for _, _, card in cards._cards}  # the home page's
    db.session.scalar(select(User).where(User.username == "dr_cards")).display_name = "Dr Renamed"
    db.session.scalar(select(Tag).where(Tag.slug == "liver-cards")).name = "Liver health"
    post = db.session.scalar(select(Post).where(Post.title == "No tags at all"))
    post.title = "A retitled post"
    db.session.commit()
    page = listing(client)
    assert "Dr Renamed" in page and "Dr &lt;Cards&gt;" not in page
    assert "Liver health" in page
    assert "A retitled post" in page and "No tags at all" not in page


VERIFIED_BADGE = 'title="Credentials checked by moderators">Verified</span>'


def test_a_providers_verification_withdrawn_drops_the_badge_from_the_card(app, client):
    a_verified_provider_and_a_member(app)
    client.set_cookie("returning", "1")
    assert VERIFIED_BADGE in listing(client)
    provider = db.session.scalar(select(User).where(User.username == "dr_cards"))
    provider.verification_state = "unverified"
    db.session.commit()
    assert VERIFIED_BADGE not in listing(client)


def test_a_worker_keeps_at_most_max_cards(app, monkeypatch):
    monkeypatch.setattr(cards, "MAX_CARDS", 3)
    monkeypatch.setattr(cards, "_cards", type(cards._cards)())
    posts_by_one_author("prolific", [f"Post number {number}" for number in range(6)])
    with app.test_request_context("/"):
        for post in latest_published(10):
            cards.post_card(post)
    assert len(cards._cards) == 3


def test_a_card_pushed_out_by_another_thread_while_it_is_read_is_no_error(app, monkeypatch):
    """A threaded server (flask run, gunicorn --threads): one request reads a card while
    another request's new card pushes it out. The second thread gets its turn exactly there."""
    reading, pushed_out = threading.Event(), threading.Event()

    class PausingCards(OrderedDict):
        def move_to_end(self, key, last=True):
            reading.set()
            pushed_out.wait(timeout=0.5)  # the other thread's turn, if it can take it
            super().move_to_end(key, last)

    monkeypatch.setattr(cards, "MAX_CARDS", 1)
    monkeypatch.setattr(cards, "_cards", PausingCards())
    author = make_user("threaded")
    make_post(author, title="Read by one request", days_ago=2)
    make_post(author, title="Pushes it out", days_ago=1)
    db.session.commit()
    with app.test_request_context("/"):
        newer, older = latest_published(2)
        cards.post_card(older)
    errors = []

    def in_a_request(work):
        with app.test_request_context("/"):
            try:
                work()
            except Exception as error:  # noqa: BLE001 (any failure is the finding)
                errors.append(error)

    def push_out():
        reading.wait(timeout=5)
        cards.post_card(newer)
        pushed_out.set()

    threads = [
        threading.Thread(target=in_a_request, args=(lambda: cards.post_card(older),)),
        threading.Thread(target=in_a_request, args=(push_out,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [card.title for _, _, card in cards._cards] == ["Pushes it out"]


def test_cards_read_past_the_orm_see_changes_the_session_has_not_flushed(app):
    """A request that changes a post and then shows a listing (in its transaction) sees it."""
    a_verified_provider_and_a_member(app)
    db.session.remove()
    with app.test_request_context("/", method="POST"):
        post = db.session.scalar(select(Post).where(Post.title == "No tags at all"))
        post.title = "Retitled, not flushed yet"
        assert post in db.session.dirty
        assert "Retitled, not flushed yet" in [card.title for card in latest_cards(10)]
        db.session.rollback()


def test_a_post_pages_tags_read_as_rows_are_the_posts_tags_in_order(app, client):
    author = make_user("tag_order")
    tags = [make_tag("zinc", name="Zinc"), make_tag("alpha-one", name="Alpha"), make_tag("mid")]
    post = make_post(author, title="Three tags, out of order", tags=tags)
    db.session.commit()
    by_name = sorted(tags, key=lambda tag: tag.name)  # Post.tags' order
    assert [(t.id, t.slug, t.name, t.kind) for t in tags_of(post.id)] == [
        (tag.id, tag.slug, tag.name, tag.kind) for tag in by_name
    ]
    page = client.get(post.path).get_data(as_text=True)
    assert page.index('href="/tags/alpha-one"') < page.index('href="/tags/mid"')
    assert page.index('href="/tags/mid"') < page.index('href="/tags/zinc"')
    assert '"keywords": ["Alpha", "Mid", "Zinc"]' in page
