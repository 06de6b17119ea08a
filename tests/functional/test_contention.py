"""SQLite under contention: a write that cannot get the lock answers 503, writes nothing."""

import sqlite3

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Post
from app.search import close_backend
from tests.conftest import RequestIsolatedClient, make_user, test_config
from tests.helpers import csrf_from, sign_in

pytestmark = pytest.mark.sqlite_only


def test_a_write_that_cannot_get_the_lock_is_a_503_with_nothing_written(tmp_path):
    app = create_app(test_config(tmp_path, SQLITE_BUSY_TIMEOUT_MS=200))
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        db.create_all()
        make_user("writer", approved_post_count=5)
        client = app.test_client()
        sign_in(client, "writer@example.org")
        token = csrf_from(client.get("/posts/new").get_data(as_text=True))
        blocker = sqlite3.connect(tmp_path / "test.db", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            response = client.post(
                "/posts/new",
                data={
                    "csrf_token": token,
                    "title": "Written while locked",
                    "kind": "experience",
                    "body": "This must not be half saved anywhere at all.",
                },
            )
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert "nothing was saved" in response.get_data(as_text=True)
        assert db.session.scalar(select(func.count(Post.id))) == 0
        retry = client.post(
            "/posts/new",
            data={
                "csrf_token": token,
                "title": "Written while locked",
                "kind": "experience",
                "body": "This must not be half saved anywhere at all.",
            },
        )
        assert retry.status_code == 302
        assert db.session.scalar(select(func.count(Post.id))) == 1
        db.session.remove()
        close_backend(app)
        db.engine.dispose()


def test_reads_do_not_take_the_write_lock(client, app, users):
    blocker = sqlite3.connect(
        app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"), isolation_level=None
    )
    blocker.execute("BEGIN IMMEDIATE")
    try:
        assert client.get("/").status_code == 200
        assert client.get("/tags/").status_code == 200
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
