from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from app.extensions import db
from app.models import AppendOnlyError, Flag, ModerationEvent, Post, Tag, User
from tests.conftest import make_user
from tests.helpers import make_post


def test_sqlite_is_set_up_for_several_processes(app):
    connection = db.session.connection()
    assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


@pytest.mark.sqlite_only
def test_a_reading_request_on_sqlite_reads_one_snapshot(app):
    """A GET's reads share one transaction (a plain BEGIN, which takes no lock): a post
    another process publishes between two of them is not seen half-way through the page."""
    import sqlite3

    make_user("snapshot_author", display_name="Before")
    with app.test_request_context("/", method="GET"):
        name = select(User.display_name).where(User.username == "snapshot_author")
        assert db.session.execute(name).scalar() == "Before"
        connection = db.session.connection().connection.dbapi_connection
        assert connection.in_transaction
        other = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        other.execute("UPDATE users SET display_name = 'After' WHERE username = 'snapshot_author'")
        other.commit()
        other.close()
        assert db.session.execute(name).scalar() == "Before"
        db.session.remove()
        assert db.session.execute(name).scalar() == "After"


def test_timestamps_are_timezone_aware_utc(app):
    user = make_user("clock")
    db.session.expire_all()
    reloaded = db.session.get(User, user.id)
    assert reloaded.created_at.tzinfo is not None
    assert reloaded.created_at.utcoffset() == timedelta(0)


def test_other_timezones_are_stored_as_utc(app):
    user = make_user("tzone")
    user.suspended_until = datetime(2030, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).suspended_until == datetime(2030, 1, 1, 10, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused(app):
    user = make_user("naive")
    user.suspended_until = datetime(2030, 1, 1)
    with pytest.raises(StatementError, match="naive datetime refused"):
        db.session.commit()
    db.session.rollback()


def test_default_timestamps_are_taken_per_row(app):
    first = make_user("first")
    second = make_user("second")
    assert second.created_at > first.created_at


def test_usernames_are_unique(app):
    make_user("twin")
    db.session.add(User(email="b@example.org", username="twin", display_name="B"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_email_is_unique_whatever_the_case(app):
    make_user("casey")
    db.session.add(User(email="CASEY@example.org", username="casey2", display_name="C"))
    with pytest.raises(IntegrityError, match="email_lowercase"):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    ("model", "fields", "constraint"),
    [
        (
            User,
            {"email": "x@example.org", "username": "x1", "display_name": "X", "role": "superuser"},
            "ck_users_role",
        ),
        (Tag, {"slug": "t", "name": "T", "kind": "color"}, "ck_tags_kind"),
    ],
)
def test_check_constraints_keep_enums_honest(app, model, fields, constraint):
    db.session.add(model(**fields))
    with pytest.raises(IntegrityError, match=constraint):
        db.session.commit()
    db.session.rollback()


def test_post_status_and_kind_are_checked(app):
    author = make_user("writer")
    post = make_post(author)
    post.status = "vanished"
    with pytest.raises(IntegrityError, match="ck_posts_status"):
        db.session.commit()
    db.session.rollback()
    post = db.session.get(Post, post.id)
    post.kind = "poem"
    with pytest.raises(IntegrityError, match="ck_posts_kind"):
        db.session.commit()
    db.session.rollback()


def test_tag_and_post_slugs_are_unique(app):
    db.session.add_all(
        [Tag(slug="same", name="A", kind="topic"), Tag(slug="same", name="B", kind="topic")]
    )
    with pytest.raises(IntegrityError, match="tags.slug"):
        db.session.commit()
    db.session.rollback()
    author = make_user("slugger")
    first = make_post(author, title="Same title")
    second = make_post(author, title="Same title")
    assert (first.slug, second.slug) == ("same-title", "same-title-2")


def test_foreign_keys_are_enforced(app):
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        db.session.execute(text("INSERT INTO post_tags (post_id, tag_id) VALUES (999, 999)"))
    db.session.rollback()


def test_a_flag_targets_exactly_one_thing(app):
    reporter = make_user("reporter")
    db.session.add(Flag(reporter_id=reporter.id, reason="spam"))
    with pytest.raises(IntegrityError, match="exactly_one_target"):
        db.session.commit()
    db.session.rollback()


def test_a_member_flags_a_post_once(app):
    reporter = make_user("reporter")
    post = make_post(make_user("poster"))
    db.session.add(Flag(reporter_id=reporter.id, post_id=post.id, reason="spam"))
    db.session.commit()
    db.session.add(Flag(reporter_id=reporter.id, post_id=post.id, reason="other"))
    with pytest.raises(IntegrityError, match="flags.reporter_id, flags.post_id"):
        db.session.commit()
    db.session.rollback()


def test_the_moderation_log_is_append_only(app):
    event = ModerationEvent(
        action="approve",
        target_type="post",
        target_id=1,
        from_state="pending",
        to_state="published",
    )
    db.session.add(event)
    db.session.commit()
    event.reason = "rewritten history"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(ModerationEvent)))
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(ModerationEvent)).reason == ""
