"""`flask db copy-to URL`: the whole site moves to a PostgreSQL database with counts checked."""

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app import create_app
from app.demo.loader import seed_demo
from app.extensions import db
from app.models import ModerationEvent, Post, Revision, User
from app.moderation import service
from app.search import close_backend
from tests.conftest import make_user, postgres_server, test_config
from tests.migrating import stamp, upgrade


def new_target(tmp_path, *, migrated: bool = True) -> str:
    url = postgres_server().create_database(f"copy_{uuid.uuid4().hex[:12]}")
    if migrated:
        target_app = create_app(
            test_config(tmp_path / "target", DATABASE_URL=url, SEARCH_BACKEND="postgres")
        )
        with target_app.app_context():
            upgrade()
            db.session.remove()
            close_backend(target_app)
            db.engine.dispose()
    return url


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        found = {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
    engine.dispose()
    return found


@pytest.fixture
def site(app):
    stamp()  # db.create_all() built the schema of the newest revision
    seed_demo()
    db.session.commit()
    moderator = db.session.scalars(select(User).where(User.role == "moderator")).first()
    post = db.session.scalars(select(Post).where(Post.status == "published")).first()
    service.apply(post, "hide", moderator, reason="copy test")
    db.session.add(
        Revision(post_id=post.id, editor_id=post.author_id, title="Old", body_source="x")
    )
    db.session.commit()
    return post


def test_the_whole_site_is_copied_and_counted(app, runner, site, tmp_path):
    url = new_target(tmp_path)
    result = runner.invoke(args=["db", "copy-to", url])
    assert result.exit_code == 0, result.output
    assert "every table's count matches" in result.output
    source = counts(app.config["SQLALCHEMY_DATABASE_URI"])
    assert counts(url) == source
    assert source["posts"] > 40 and source["moderation_events"] > 0 and source["revisions"] > 0

    target_app = create_app(
        test_config(tmp_path / "moved", DATABASE_URL=url, SEARCH_BACKEND="postgres")
    )
    with target_app.app_context():
        moved = db.session.get(Post, site.id)
        assert (moved.status, moved.title) == ("hidden", site.title)
        assert (
            db.session.scalar(select(func.count(ModerationEvent.id))) == source["moderation_events"]
        )
        make_user("after_the_move")  # ids continue after the copied ones
        assert target_app.test_cli_runner().invoke(args=["search", "rebuild"]).exit_code == 0
        client = target_app.test_client()
        found = client.get("/api/v1/search?q=azathioprine").get_json()
        assert found["total"] > 0 and site.id not in [hit["id"] for hit in found["results"]]
        db.session.remove()
        close_backend(target_app)
        db.engine.dispose()


def test_a_target_without_the_schema_is_refused(app, runner, site, tmp_path):
    result = runner.invoke(args=["db", "copy-to", new_target(tmp_path, migrated=False)])
    assert result.exit_code == 1
    assert "db upgrade` first" in result.output


def test_a_target_with_content_is_refused_and_left_alone(app, runner, site, tmp_path):
    url = new_target(tmp_path)
    assert runner.invoke(args=["db", "copy-to", url]).exit_code == 0
    before = counts(url)
    again = runner.invoke(args=["db", "copy-to", url])
    assert again.exit_code == 1 and "already holds rows in" in again.output
    assert counts(url) == before


def test_a_bad_target_url_is_a_clear_error(app, runner):
    result = runner.invoke(args=["db", "copy-to", "not a url"])
    assert result.exit_code == 1 and "not a database URL" in result.output
