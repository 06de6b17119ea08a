"""Every (state, action, actor) cell of the moderation table, allowed and refused."""

import itertools

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ModerationEvent, Post, SearchOutbox
from app.moderation import service
from app.moderation.service import ModerationError
from app.moderation.states import ACTIONS, ACTORS, STATES, actions_for, allowed
from tests.conftest import make_user
from tests.helpers import make_post

# The specification, written out by hand: (state, action) -> (new state, who may act).
EXPECTED = {
    ("draft", "submit"): ("pending", {"author"}),
    ("rejected", "submit"): ("pending", {"author"}),
    ("draft", "publish"): ("published", {"author"}),
    ("rejected", "publish"): ("published", {"author"}),
    ("published", "resubmit"): ("pending", {"author", "system"}),
    ("pending", "approve"): ("published", {"moderator"}),
    ("pending", "reject"): ("rejected", {"moderator"}),
    ("pending", "request_changes"): ("draft", {"moderator"}),
    ("published", "hide"): ("hidden", {"moderator", "system"}),
    ("hidden", "restore"): ("published", {"moderator"}),
    ("removed", "restore"): ("published", {"moderator"}),
    ("pending", "remove"): ("removed", {"moderator"}),
    ("published", "remove"): ("removed", {"moderator"}),
    ("hidden", "remove"): ("removed", {"moderator"}),
    ("draft", "withdraw"): ("deleted", {"author"}),
    ("pending", "withdraw"): ("deleted", {"author"}),
    ("published", "withdraw"): ("deleted", {"author"}),
    ("hidden", "withdraw"): ("deleted", {"author"}),
    ("rejected", "withdraw"): ("deleted", {"author"}),
}
CELLS = list(itertools.product(STATES, ACTIONS, ACTORS))


@pytest.mark.parametrize(("state", "action", "actor"), CELLS)
def test_table_matches_the_specification(state, action, actor):
    expected = EXPECTED.get((state, action))
    assert allowed(state, action, actor) == (expected is not None and actor in expected[1])


def test_deleted_is_final():
    for actor in ACTORS:
        assert actions_for("deleted", actor) == []


@pytest.fixture
def cast(app):
    return {
        "author": make_user("the_author"),
        "moderator": make_user("the_mod", "moderator"),
        "system": None,
        "stranger": make_user("stranger"),
    }


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [cell for cell in CELLS] + [(s, a, "stranger") for s, a in itertools.product(STATES, ACTIONS)],
)
def test_the_service_applies_exactly_the_table(cast, state, action, actor):
    post = make_post(cast["author"], status=state)
    expected = EXPECTED.get((state, action))
    may = expected is not None and actor in expected[1]
    before = db.session.scalar(select(ModerationEvent.id).order_by(ModerationEvent.id.desc()))
    if not may:
        with pytest.raises(ModerationError) as refused:
            service.apply(post, action, cast[actor], "a reason")
        assert refused.value.status in (403, 409)
        db.session.rollback()
        assert db.session.get(Post, post.id).status == state
        return
    outcome = service.apply(post, action, cast[actor], "a reason")
    db.session.commit()
    assert db.session.get(Post, post.id).status == expected[0] == outcome.to_state
    event = db.session.scalar(select(ModerationEvent).order_by(ModerationEvent.id.desc()))
    assert event.id != before
    assert (event.action, event.from_state, event.to_state) == (action, state, expected[0])
    assert event.actor_id == (cast[actor].id if cast[actor] else None)
    touches_public = "published" in (state, expected[0])
    outbox = db.session.scalars(
        select(SearchOutbox).where(SearchOutbox.post_id == post.id).order_by(SearchOutbox.id.desc())
    ).first()
    if touches_public:
        assert outbox.operation == ("index" if expected[0] == "published" else "remove")


def test_reasons_are_required_where_the_author_must_be_told(cast):
    post = make_post(cast["author"], status="pending")
    with pytest.raises(ModerationError, match="Please give a reason"):
        service.apply(post, "reject", cast["moderator"], "  ")
    assert db.session.get(Post, post.id).status == "pending"


def test_a_post_that_changed_meanwhile_is_not_acted_on(cast):
    post = make_post(cast["author"], status="pending")
    db.session.execute(Post.__table__.update().where(Post.id == post.id).values(status="deleted"))
    with pytest.raises(ModerationError, match="changed while you were looking") as error:
        service.apply(post, "approve", cast["moderator"])
    assert error.value.status == 409
