"""Data rights: export everything about me (nothing about others), erase my account."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, Flag, Post, User
from tests.conftest import make_user
from tests.helpers import PASSWORD, csrf_from, make_post, post_form, sign_in

CANARY_TITLE = "Canary title zq7xv about my liver"
CANARY_BODY = "Canary body kw9plm: my hepatologist Dr Example at St Canary Hospital"


@pytest.fixture
def member_with_history(app, users):
    post = make_post(users["patient"], title=CANARY_TITLE, body=CANARY_BODY)
    other = make_post(users["other_patient"], title="Someone else's post here")
    db.session.add_all(
        [
            Comment(
                post_id=other.id,
                author_id=users["patient"].id,
                body_source="My canary reply",
                body_html="<p>My canary reply</p>",
                markup_version=2,
                status="published",
            ),
            Comment(
                post_id=post.id,
                author_id=users["other_patient"].id,
                body_source="Reply by another member",
                body_html="<p>Reply by another</p>",
                markup_version=2,
                status="published",
            ),
            Flag(reporter_id=users["patient"].id, post_id=other.id, reason="spam", note="my note"),
        ]
    )
    db.session.commit()
    return {"post": post, "other": other}


def test_export_has_everything_about_me_and_nothing_about_others(
    client, member_with_history, users
):
    sign_in(client, "pat@example.org")
    response = client.get("/me/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["profile"]["email"] == "pat@example.org"
    assert [p["title"] for p in data["posts"]] == [CANARY_TITLE]
    assert [c["body"] for c in data["comments"]] == ["My canary reply"]
    assert data["flags_made"][0]["note"] == "my note"
    text = response.get_data(as_text=True)
    assert "argon2" not in text and "password" not in text.lower()
    assert "other@example.org" not in text and "Reply by another member" not in text
    assert "Someone else's post here" not in text


def test_export_and_delete_need_a_fresh_sign_in(client, users):
    sign_in(client, "pat@example.org")
    with client.session_transaction() as session:
        session["_fresh"] = False
    assert client.get("/me/export").status_code == 302
    assert client.get("/me/delete").status_code == 302


def database_bytes(app) -> bytes:
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def index_bytes(app) -> bytes:
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


@pytest.mark.sqlite_only  # reads the database file; docs/operations.md: erasure on PostgreSQL
def test_erasing_an_account_with_its_writing_leaves_no_trace(
    client, member_with_history, users, app
):
    other_id = users["other_patient"].id
    post_path = member_with_history["post"].path
    sign_in(client, "pat@example.org")
    assert client.get("/api/v1/search?q=canary").get_json()["total"] == 1
    assert b"zq7xv" in index_bytes(app)
    response = post_form(client, "/me/delete", {"writing": "erase", "password": PASSWORD})
    assert response.status_code == 302
    user = db.session.get(User, users["patient"].id)
    assert user.email is None and user.password_hash is None
    assert user.username.startswith("former-member-") and user.display_name == "Former member"
    post = db.session.get(Post, member_with_history["post"].id)
    assert post.status == "deleted" and "Canary" not in post.title + post.body_source
    db.session.remove()
    db.engine.dispose()
    stored = database_bytes(app)
    for canary in (b"zq7xv", b"kw9plm", b"My canary reply", b"pat@example.org", b"my note"):
        assert canary not in stored, canary
    assert client.get("/api/v1/search?q=kw9plm").get_json()["total"] == 0
    assert client.get(post_path).status_code == 404
    assert (
        "Reply by another member"
        in db.session.scalars(
            select(Comment.body_source).where(Comment.author_id == other_id)
        ).one()
    )
    for canary in (b"zq7xv", b"kw9plm"):
        assert canary not in index_bytes(app), canary


def test_keeping_posts_under_an_anonymous_name(client, member_with_history, users):
    sign_in(client, "pat@example.org")
    post_form(client, "/me/delete", {"writing": "keep", "password": PASSWORD})
    post = db.session.get(Post, member_with_history["post"].id)
    assert post.status == "published" and post.title == CANARY_TITLE
    page = client.get(post.path).get_data(as_text=True)
    assert "Former member" in page and "pat@example.org" not in page
    assert "Pat" not in page.split("<main", 1)[1].split("</main>", 1)[0].split("By", 1)[1][:200]
    assert sign_in_fails(client)


def sign_in_fails(client) -> bool:
    response = post_form(client, "/auth/login", {"email": "pat@example.org", "password": PASSWORD})
    return response.status_code == 400


def test_erasure_needs_the_password_and_a_choice(client, member_with_history, users):
    sign_in(client, "pat@example.org")
    wrong = post_form(client, "/me/delete", {"writing": "erase", "password": "not it at all"})
    assert wrong.status_code == 400 and "That is not your password." in wrong.get_data(as_text=True)
    missing = post_form(client, "/me/delete", {"password": PASSWORD})
    assert missing.status_code == 400
    assert db.session.get(User, users["patient"].id).email == "pat@example.org"


def test_erasure_ends_every_session(client, member_with_history, users, app):
    other_device = app.test_client()
    sign_in(other_device, "pat@example.org")
    sign_in(client, "pat@example.org")
    post_form(client, "/me/delete", {"writing": "keep", "password": PASSWORD})
    assert other_device.get("/me/posts").status_code == 302
    assert csrf_from(client.get("/auth/login").get_data(as_text=True))
    assert make_user("pat_again").email == "pat_again@example.org"
