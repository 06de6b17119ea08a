"""Schema migrations (Flask-Migrate, Alembic), loaded only by what needs them.

Alembic with Mako costs every process about 11 MB; web workers never migrate, so they never
import it. `flask db ...` loads it on first use, and /readyz reads the revision files itself.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import click
from flask import Flask, current_app, g
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def init_migrate(app: Flask):
    """Flask-Migrate on this app (once), for the `db` commands and for tests that migrate."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)
        from flask_migrate.cli import db as migrate_commands

        from app.cli import copy_to_command

        migrate_commands.add_command(copy_to_command)
        app.cli.add_command(migrate_commands, name="db")
    return app.extensions["migrate"]


class DatabaseCommands(click.Group):
    """`flask db ...`: Flask-Migrate's commands and `copy-to`, imported when first asked for."""

    def _commands(self) -> click.Group:
        init_migrate(current_app._get_current_object())
        from flask_migrate.cli import db as migrate_commands

        return migrate_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._commands().get_command(ctx, name)


def remember_options(directory: str | None, x_arg: tuple[str, ...]) -> None:
    """What Flask-Migrate's own `db` group does with its options, for its commands to read."""
    g.directory = directory
    g.x_arg = x_arg


def register(app: Flask) -> None:
    app.cli.add_command(
        DatabaseCommands(
            "db",
            help="Database migrations (Alembic) and copy-to.",
            params=[
                click.Option(["-d", "--directory"], default=None, help="Migration folder"),
                click.Option(["-x", "--x-arg"], multiple=True, help="Extra Alembic argument"),
            ],
            callback=remember_options,
        )
    )


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions no other revision builds on, read from the files in migrations/versions."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        names = module_assignments(path)
        if "revision" in names:
            down = names.get("down_revision")
            parents = down if isinstance(down, tuple) else (down,) if down else ()
            revisions[names["revision"]] = parents
    built_on = {parent for parents in revisions.values() for parent in parents}
    return frozenset(set(revisions) - built_on)


def module_assignments(path: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text()).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and node.value is not None:
            try:
                found[target.id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


def database_revisions() -> frozenset[str]:
    try:
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(row[0] for row in rows)
    except SQLAlchemyError:
        return frozenset()
