import shutil
import sqlite3

import pytest
from sqlalchemy import func, select

from app import create_app
from app.demo.loader import seed_demo
from app.extensions import db
from app.models import Post, User
from app.search import close_backend
from tests.conftest import test_config

pytestmark = pytest.mark.sqlite_only


def test_backup_while_running_then_restore_drill(app, runner, tmp_path):
    seed_demo()
    db.session.commit()
    posts = db.session.scalar(select(func.count(Post.id)))
    users = db.session.scalar(select(func.count(User.id)))
    destination = tmp_path / "backups" / "site.db"
    result = runner.invoke(args=["backup", str(destination)])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output and f"{posts} posts" in result.output
    assert oct(destination.stat().st_mode & 0o777) == "0o600"

    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    shutil.copy(destination, restored_dir / "site.db")
    restored = create_app(
        test_config(restored_dir, DATABASE_URL=f"sqlite:///{restored_dir}/site.db")
    )
    with restored.app_context():
        assert db.session.execute(db.text("PRAGMA integrity_check")).scalar() == "ok"
        assert db.session.scalar(select(func.count(Post.id))) == posts
        assert db.session.scalar(select(func.count(User.id))) == users
        client = restored.test_client()
        found = client.get("/api/v1/search?q=azathioprine").get_json()
        assert found["total"] > 0
        db.session.remove()
        close_backend(restored)
        db.engine.dispose()


def test_backup_refuses_to_overwrite(app, runner, tmp_path):
    target = tmp_path / "exists.db"
    sqlite3.connect(target).close()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "exists; choose a new file name" in result.output
