"""The Alembic revisions build exactly the schema the models describe, and undo it."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import create_app
from app.db import Base
from app.extensions import db
from app.search.postgres_backend import include_object
from tests.conftest import postgres_server, test_config
from tests.migrating import downgrade, upgrade

MODEL_TABLES = {
    "users",
    "posts",
    "revisions",
    "tags",
    "post_tags",
    "comments",
    "flags",
    "moderation_events",
    "search_outbox",
    "pending_registrations",
    "article_references",
}


def fresh_database_url(kind: str, tmp_path) -> str:
    if kind == "postgres":
        return postgres_server().create_database(f"migrations_{uuid.uuid4().hex[:12]}")
    return f"sqlite:///{tmp_path / 'migrations.db'}"


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_upgrade_from_empty_matches_the_models_and_downgrade_returns_to_base(tmp_path, database):
    app = create_app(test_config(tmp_path, DATABASE_URL=fresh_database_url(database, tmp_path)))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert MODEL_TABLES <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            )
            assert compare_metadata(context, Base.metadata) == []
            assert context.get_current_revision() is not None
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
