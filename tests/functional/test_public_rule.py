"""`is_public` (app.models.visibility) answers the same in SQL as in Python, for every status."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, Post
from app.models.enums import CONTENT_STATES
from tests.conftest import make_user
from tests.helpers import add_comment, make_post


@pytest.fixture
def one_of_each_status(app):
    """A post and a reply in every status (on one published post, which holds the replies)."""
    writer = make_user("writer")
    posts = [make_post(writer, title=f"A {state} post", status=state) for state in CONTENT_STATES]
    holder = next(post for post in posts if post.status == "published")
    comments = [add_comment(holder, writer, f"A {state} reply", state) for state in CONTENT_STATES]
    db.session.commit()
    return {Post: posts, Comment: comments}


@pytest.mark.parametrize("model", [Post, Comment], ids=["posts", "comments"])
def test_sql_and_python_agree_on_every_status(one_of_each_status, model):
    items = one_of_each_status[model]
    assert sorted(item.status for item in items) == sorted(CONTENT_STATES)
    in_python = {item.status: item.is_public for item in items}
    db.session.expunge_all()
    filtered = set(db.session.scalars(select(model.status).where(model.is_public)))
    selected = dict(db.session.execute(select(model.status, model.is_public)).all())
    assert {status for status, public in in_python.items() if public} == filtered
    assert selected == in_python
    assert in_python == {status: status == "published" for status in CONTENT_STATES}
