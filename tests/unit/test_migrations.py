"""The Alembic revisions build exactly the schema the models describe, and undo it."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.db import Base
from app.extensions import db
from tests.conftest import test_config

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
}


def test_upgrade_from_empty_matches_the_models_and_downgrade_returns_to_base(tmp_path):
    app = create_app(test_config(tmp_path))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert MODEL_TABLES <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert context.get_current_revision() is not None
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
