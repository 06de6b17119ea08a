"""Faults: a worker that dies between commit and index update; a broken index."""

import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Post, SearchOutbox
from app.search import close_backend
from tests.conftest import make_user, test_config
from tests.helpers import make_post

ROOT = Path(__file__).resolve().parents[2]


def test_changes_queued_by_a_dead_worker_are_applied_by_the_next_one(tmp_path):
    config = test_config(tmp_path)
    first = create_app(config)
    with first.app_context():
        db.create_all()
        first.test_client().get("/healthz")
        post_id = make_post(make_user("writer"), title="Approved just before the crash").id
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 1
        db.session.remove()
        close_backend(first)
        db.engine.dispose()
    second = create_app(config)
    with second.app_context():
        found = second.test_client().get("/api/v1/search?q=crash").get_json()
        assert [hit["id"] for hit in found["results"]] == [post_id]
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
        db.session.remove()
        close_backend(second)
        db.engine.dispose()


KILLED_WRITER = """
import os, sys
from app import create_app
from app.extensions import db
from app.models import Post
from app.moderation import service
from app.models import User
app = create_app({"INSTANCE_PATH": sys.argv[1], "DATABASE_URL": sys.argv[2],
                  "SECRET_KEY": "k" * 64, "PASSWORD_HASH_PROFILE": "fast-for-tests"})
with app.app_context():
    post = db.session.get(Post, int(sys.argv[3]))
    moderator = db.session.get(User, int(sys.argv[4]))
    service.apply(post, "approve", moderator)
    db.session.flush()
    os.kill(os.getpid(), 9)
"""


def test_a_worker_killed_in_the_middle_of_an_approval_leaves_the_database_consistent(tmp_path):
    config = test_config(tmp_path)
    app = create_app(config)
    with app.app_context():
        db.create_all()
        post = make_post(make_user("pending_writer"), status="pending")
        moderator = make_user("moderator_x", "moderator")
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                KILLED_WRITER,
                config["INSTANCE_PATH"],
                config["DATABASE_URL"],
                str(post.id),
                str(moderator.id),
            ],
            cwd=ROOT,
            capture_output=True,
            timeout=60,
        )
        assert result.returncode == -signal.SIGKILL
        db.session.expire_all()
        assert db.session.get(Post, post.id).status == "pending"
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(db.text("PRAGMA integrity_check")).scalar() == "ok"
        assert (
            db.session.scalar(
                select(func.count()).select_from(db.metadata.tables["moderation_events"])
            )
            == 0
        )
        db.session.remove()
        close_backend(app)
        db.engine.dispose()
