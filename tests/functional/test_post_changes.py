"""A new way of writing a post reaches search, the listing index and the page cache by itself:
through the ORM with nothing more, or around a bulk statement with app.posts.changes."""

from __future__ import annotations

import threading

import pytest
from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from app.cache import content_version
from app.extensions import db
from app.models import Post, SearchOutbox, User, post_tags
from app.moderation import service
from app.posts import changes
from app.posts.queries import published_counts_by_tag
from app.search import get_backend
from app.search.outbox import drain
from tests.conftest import make_user
from tests.helpers import make_post, make_tag

TITLE = "Methotrexate wobbles while tapering prednisolone"


@pytest.fixture
def post(app, client):
    post = make_post(make_user("writer"), title=TITLE, tags=[make_tag("tapering")])
    client.get("/healthz")  # a worker's first request builds the index
    return post


def set_status_with_the_orm(post_id: int, status: str) -> None:
    db.session.get(Post, post_id).status = status
    db.session.commit()


def set_status_in_bulk(post_id: int, status: str) -> None:
    with changes.bulk_change(db.session, Post, [post_id]):
        db.session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def add_helpful_in_bulk(post_id: int) -> None:
    with changes.bulk_change(db.session, Post, [post_id]):
        db.session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(helpful_count=Post.helpful_count + 1, updated_at=Post.updated_at)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def found(words: str) -> list[int]:
    drain(get_backend(current_app))
    answer = current_app.test_client().get(f"/api/v1/search?q={words}")
    return [hit["id"] for hit in answer.get_json()["results"]]


def listed() -> tuple[int, int]:
    """The one tag's count and the one author's count, as the listing index has them."""
    tag_count = sum(published_counts_by_tag().values())
    return tag_count, db.session.scalar(select(func.sum(User.published_post_count)))


@pytest.mark.parametrize("write", [set_status_with_the_orm, set_status_in_bulk])
def test_a_new_write_path_needs_no_call_for_search_listings_and_cache(client, post, write):
    post_id = post.id
    assert found("methotrexate") == [post_id] and listed() == (1, 1)
    client.get("/tags/tapering")
    assert client.get("/tags/tapering").headers["X-Page-Cache"] == "hit"
    version = content_version()

    write(post_id, "removed")
    assert content_version() > version
    assert found("methotrexate") == []
    assert listed() == (0, 0)
    page = client.get("/tags/tapering")
    assert page.headers["X-Page-Cache"] == "miss" and TITLE.encode() not in page.data

    write(post_id, "published")
    assert found("methotrexate") == [post_id]
    assert listed() == (1, 1)
    assert TITLE.encode() in client.get("/tags/tapering").data


def test_an_orm_edit_of_the_text_is_reindexed(post):
    db.session.get(Post, post.id).title = "Azathioprine and sunscreen in summer"
    db.session.commit()
    assert found("sunscreen") == [post.id] and found("methotrexate") == []


def test_a_count_moved_in_bulk_leaves_the_index_and_cache_alone(post):
    version = content_version()
    add_helpful_in_bulk(post.id)
    assert content_version() == version
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
    assert db.session.scalar(select(func.max(post_tags.c.helpful_count))) == 1


@pytest.mark.postgres_only
def test_a_removal_during_an_edit_moves_the_counts_once(app, post):
    """The author's edit reads the post; a moderator removes it before the edit's UPDATE.

    Without a lock on what the edit read, both transactions moved the listing index by the
    post's publication: the author's count and the tag's went to -1."""
    post_id, author_id = post.id, post.author_id
    tag_id = db.session.scalar(select(post_tags.c.tag_id).where(post_tags.c.post_id == post_id))
    moderator_id = make_user("moderator_on_duty", role="moderator").id
    db.session.commit()
    editing = Session(db.engine)
    editing.get(Post, post_id).title = "An edited title about tapering"
    removal = threading.Thread(target=remove_as_moderator, args=(app, post_id, moderator_id))

    def moderator_acts_meanwhile(session, flush_context, instances):
        if removal.ident is None:
            removal.start()
            removal.join(timeout=2)  # blocks on the edit's lock: the edit commits first

    event.listen(editing, "before_flush", moderator_acts_meanwhile)
    editing.commit()
    editing.close()
    removal.join()
    db.session.expire_all()
    assert db.session.get(Post, post_id).status == "removed"
    assert db.session.get(User, author_id).published_post_count == 0
    assert published_counts_by_tag().get(tag_id, 0) == 0


def remove_as_moderator(app, post_id: int, moderator_id: int) -> None:
    with app.app_context():
        moderator = db.session.get(User, moderator_id)
        service.apply(db.session.get(Post, post_id), "remove", moderator, "spam")
        db.session.commit()
        db.session.remove()
