"""The listing index (app.posts.listing_index) stays equal to a recount from the posts through
every way a post changes: moderation, edits, account erasure, direct ORM writes."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.account.privacy import erase_account
from app.extensions import db
from app.models import Post, TagKindCount, TagPairCount, User, post_tags
from app.moderation import service
from app.posts import services
from tests.helpers import make_post, make_tag


def recounted() -> dict:
    """What the index must hold, computed from scratch from posts and their tags."""
    rows = db.session.execute(
        select(
            *(Post.id, Post.status, Post.author_id, Post.kind, Post.published_at),
            *(Post.helpful_count, post_tags.c.tag_id),
        ).join(post_tags, post_tags.c.post_id == Post.id)
    ).all()
    public = [row for row in rows if row.status == "published"]
    tags_of: dict[int, set[int]] = {}
    for row in public:
        tags_of.setdefault(row.id, set()).add(row.tag_id)
    authors = Counter(db.session.scalars(select(Post.author_id).where(Post.status == "published")))
    return {
        "kinds": Counter((row.tag_id, row.kind) for row in public),
        "pairs": Counter((a, b) for ids in tags_of.values() for a in ids for b in ids if a != b),
        "authors": +authors,
        "listed": {  # a post's date and helpful count while it is public
            (row.id, row.tag_id): (row.published_at, row.helpful_count)
            if row.status == "published"
            else (None, 0)
            for row in rows
        },
    }


def stored() -> dict:
    """What the index holds (rows at zero count as absent)."""
    return {
        "kinds": +Counter(
            {(r.tag_id, r.kind): r.post_count for r in db.session.scalars(select(TagKindCount))}
        ),
        "pairs": +Counter(
            {
                (r.tag_id, r.other_tag_id): r.post_count
                for r in db.session.scalars(select(TagPairCount))
            }
        ),
        "authors": +Counter(
            dict(db.session.execute(select(User.id, User.published_post_count)).all())
        ),
        "listed": {
            (post_id, tag_id): (published_at, helpful_count)
            for post_id, tag_id, published_at, helpful_count in db.session.execute(
                select(post_tags)
            ).all()
        },
    }


def assert_index_matches() -> None:
    db.session.commit()
    db.session.expire_all()
    assert stored() == recounted()


@pytest.fixture
def tags(app):
    tags = {slug: make_tag(slug) for slug in ("aza", "aih", "liver")}
    db.session.commit()
    return tags


def published_count(tag) -> int:
    return sum(
        db.session.scalars(select(TagKindCount.post_count).where(TagKindCount.tag_id == tag.id))
    )


def loaded(post: Post) -> Post:
    """The post with its tags, as the pages that edit it load it."""
    return db.session.scalar(
        select(Post).where(Post.id == post.id).options(selectinload(Post.tags))
    )


def submit(author, tags, title="Tired on azathioprine", kind="question") -> Post:
    post = services.create_post(
        author=author,
        kind=kind,
        title=title,
        body="A first week of feeling tired; is that usual?",
        tags=tags,
        submit=True,
    )
    db.session.commit()
    return post


def test_every_moderation_step_moves_the_counts(users, tags):
    author, moderator = users["patient"], users["moderator"]
    aza, aih = tags["aza"], tags["aih"]
    post = submit(author, [aza, aih])  # a new member's post waits in the queue
    assert post.status == "pending"
    assert published_count(aza) == 0
    assert_index_matches()
    steps = [
        ("approve", 1),
        ("hide", 0),
        ("restore", 1),
        ("remove", 0),
    ]
    for action, expected in steps:
        service.apply(post, action, moderator, reason="checked")
        db.session.commit()
        assert published_count(aza) == expected, action
        assert_index_matches()


def test_withdrawing_a_published_post_takes_it_out(users, tags):
    author = users["provider"]  # verified providers publish at once
    post = submit(author, [tags["aza"]], kind="article")
    assert post.status == "published"
    assert published_count(tags["aza"]) == 1
    assert db.session.get(User, author.id).published_post_count == 1
    services.withdraw(post, author)
    db.session.commit()
    assert published_count(tags["aza"]) == 0
    assert db.session.get(User, author.id).published_post_count == 0
    assert_index_matches()


def test_edits_that_change_tags_or_kind_move_the_counts(users, tags):
    author = users["provider"]
    post = loaded(submit(author, [tags["aza"], tags["aih"]], kind="article"))
    services.update_post(
        post,
        editor=author,
        kind="experience",
        title=post.title,
        body=post.body_source,
        tags=[tags["aih"], tags["liver"]],
        submit=True,
    )
    db.session.commit()
    assert post.status == "published"
    assert published_count(tags["aza"]) == 0
    assert published_count(tags["liver"]) == 1
    kinds = dict(
        db.session.execute(
            select(TagKindCount.kind, TagKindCount.post_count).where(
                TagKindCount.tag_id == tags["aih"].id
            )
        ).all()
    )
    assert kinds == {"article": 0, "experience": 1}
    assert_index_matches()


def test_an_edit_sent_back_to_review_leaves_the_counts(users, tags):
    author = users["patient"]
    author.approved_post_count = 0
    post = loaded(make_post(author, tags=[tags["aza"]]))  # published; the author is not trusted
    services.update_post(
        post,
        editor=author,
        kind=post.kind,
        title="A changed title for review",
        body=post.body_source,
        tags=[tags["aza"]],
        submit=True,
    )
    db.session.commit()
    assert post.status == "pending"
    assert published_count(tags["aza"]) == 0
    assert_index_matches()


@pytest.mark.parametrize("keep_posts", [False, True])
def test_erasing_an_account_counts_only_the_posts_that_stay(users, tags, keep_posts):
    member = users["patient"]
    make_post(member, title="Kept or erased", tags=[tags["aza"], tags["aih"]])
    make_post(users["other_patient"], title="Someone else's", tags=[tags["aza"]])
    erase_account(member, keep_posts=keep_posts)
    db.session.commit()
    assert published_count(tags["aza"]) == (2 if keep_posts else 1)
    assert_index_matches()


def test_direct_changes_through_the_orm_are_caught(users, tags):
    post = make_post(users["patient"], tags=[tags["aza"], tags["aih"]])
    post.status = "hidden"
    db.session.commit()
    assert published_count(tags["aza"]) == 0
    assert_index_matches()
    post = loaded(post)
    post.status = "published"
    post.tags = [tags["liver"]]
    db.session.commit()
    assert published_count(tags["liver"]) == 1
    assert_index_matches()
    db.session.delete(post)
    db.session.commit()
    assert published_count(tags["liver"]) == 0
    assert_index_matches()


def test_a_hidden_post_keeps_its_date_but_leaves_the_tag_listing(users, tags):
    post = make_post(users["patient"], tags=[tags["aza"]])
    service.apply(post, "hide", users["moderator"], reason="checking")
    db.session.commit()
    assert post.published_at is not None
    assert db.session.scalar(select(post_tags.c.published_at)) is None
    assert_index_matches()


def test_counts_on_the_pages_come_from_the_index(client, users, tags):
    make_post(users["patient"], title="Counted once", tags=[tags["aza"], tags["aih"]])
    hidden = make_post(users["patient"], title="Hidden later", tags=[tags["aza"]])
    service.apply(hidden, "hide", users["moderator"], reason="checking")
    db.session.commit()
    page = client.get("/tags/aza").get_data(as_text=True)
    assert 'Posts about Aza <span class="count">1<' in page
    assert 'Aih <span class="count">1<' in page  # related tags, from the pair counts
    assert client.get("/api/v1/tags/aza").get_json()["post_count"] == 1
    assert client.get("/api/v1/authors/pat").get_json()["post_count"] == 1


def test_helpful_marks_move_the_most_helpful_listing(client, users, tags):
    from app.engagement.services import toggle_helpful

    older = make_post(users["provider"], title="Older and helpful", tags=[tags["aza"]], days_ago=3)
    make_post(users["provider"], title="Newer, not marked", tags=[tags["aza"]], days_ago=1)
    for member in (users["patient"], users["other_patient"]):
        toggle_helpful(db.session.get(Post, older.id), member)
        db.session.commit()
    assert_index_matches()
    client.set_cookie("returning", "1")
    page = client.get("/tags/aza?sort=helpful").get_data(as_text=True)
    listing = page[page.index('id="tag-posts-heading"') :]
    assert listing.index("Older and helpful") < listing.index("Newer, not marked")
    erase_account(users["patient"], keep_posts=True)  # takes back that member's mark
    db.session.commit()
    assert db.session.get(Post, older.id).helpful_count == 1
    assert_index_matches()
