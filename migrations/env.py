import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db


def render_item(type_, obj, autogen_context):
    """Write the app's UTC timestamp type as a plain timezone-aware DateTime."""
    from app.db import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_object(object_, name, type_, reflected, compare_to):
    """Leave out the PostgreSQL search backend's tables, which are not in the models."""
    from app.search.postgres_backend import include_object as outside_search_tables

    return outside_search_tables(object_, name, type_, reflected, compare_to)


@contextmanager
def foreign_keys_off_on_sqlite(connection):
    """Keep SQLite's DROP TABLE from cascading while batch mode copies a table.

    Batch mode copies a table, drops the old one and renames the copy. With foreign keys on,
    that DROP deletes or nulls every child row (SQLite's "DROP TABLE" runs an implicit DELETE),
    so it would empty, for example, post_tags and comments of a live site. SQLite ignores the
    pragma inside a transaction, so it goes straight to the driver before the migrations begin
    theirs, and the foreign keys are checked once they have committed.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        orphans = driver.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            raise RuntimeError(f"the migrations left rows without their parents: {orphans[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def get_metadata():
    return target_db.metadatas[None]


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("include_object", include_object)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection, foreign_keys_off_on_sqlite(connection):
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
