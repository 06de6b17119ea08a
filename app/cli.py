"""Flask commands: `flask --app wsgi seed-demo`, `flask --app wsgi users create ...`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.auth.passwords import MAX_LENGTH, MIN_LENGTH
from app.auth.services import AccountError, create_account
from app.extensions import db
from app.models.enums import ROLES

users_cli = AppGroup("users", help="Manage member accounts.")
posts_cli = AppGroup("posts", help="Bulk operations on posts.")
content_cli = AppGroup("content", help="The stored HTML of member writing.")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the illustrative demo community, only into an empty database."""
    from app.demo.loader import seed_demo

    result = seed_demo()
    db.session.commit()
    after_bulk_change()
    if not result.created:
        click.echo("Demo content not loaded: the database already has content.")
        return
    click.echo(f"Loaded {result.tags} tags and {result.posts} posts (illustrative, not advice).")
    click.echo("Demo sign-ins (shown only this once; each password is random):")
    for username, email, password in result.sign_ins:
        click.echo(f"  {username:<18} {email:<34} {password}")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(ROLES), default="patient", show_default=True)
@click.option("--display-name", default=None)
def create_user_command(email: str, username: str, role: str, display_name: str | None) -> None:
    """Create an account; the password is read from stdin (or asked for at a terminal)."""
    password = read_password()
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise click.ClickException(f"The password must be {MIN_LENGTH} to {MAX_LENGTH} characters.")
    try:
        user = create_account(
            email=email,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            consented=True,
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    if role == "provider":
        user.verification_state = "unverified"
    db.session.commit()
    click.echo(f"Created {role} @{user.username} (id {user.id}).")


def read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@posts_cli.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def import_posts_command(source) -> None:
    """Import published posts from a JSON Lines file (one post per line)."""
    from app.posts.importer import import_posts

    total = sum(1 for _ in source)
    source.seek(0)
    with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
        last = [0]

        def advance(number: int) -> None:
            bar.update(number - last[0])
            last[0] = number

        report = import_posts(source, progress=advance)
    for number, message in report.errors[:200]:
        click.echo(f"line {number}: {message}", err=True)
    if len(report.errors) > 200:
        click.echo(f"... and {len(report.errors) - 200} more bad lines", err=True)
    click.echo(
        f"Imported {report.created} posts; {report.skipped_existing} already there; "
        f"{len(report.errors)} bad lines skipped."
    )
    after_bulk_change()


@content_cli.command("rerender")
@click.option("--all", "everything", is_flag=True, help="Re-render even current versions.")
def rerender_command(everything: bool) -> None:
    """Re-render stored HTML written with an older markup version."""
    from app.content.rerender import rerender_outdated

    counts = rerender_outdated(everything=everything)
    db.session.commit()
    click.echo("Re-rendered " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
    after_bulk_change()


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(destination: Path) -> None:
    """Copy the database consistently while the site runs (the search index is rebuilt from
    it after a restore: `flask --app wsgi search rebuild`)."""
    from app.backup import BackupError, backup_sqlite

    try:
        counts = backup_sqlite(destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Backed up to {destination}: integrity ok; "
        + ", ".join(f"{n} {table}" for table, n in counts.items() if n)
    )


@click.command("copy-to")
@click.argument("target_url")
def copy_to_command(target_url: str) -> None:
    """Copy this site's database into another one (e.g. SQLite to PostgreSQL), counts checked.

    Migrate the target first: DATABASE_URL=TARGET_URL flask --app wsgi db upgrade. Afterwards,
    with DATABASE_URL=TARGET_URL: flask --app wsgi search rebuild.
    """
    from app.copying import CopyError, copy_database

    try:
        counts = copy_database(db.engine, target_url, progress=click.echo)
    except CopyError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{'table':<24}{'source':>10}{'target':>10}")
    for count in counts:
        click.echo(f"{count.table:<24}{count.source:>10}{count.target:>10}")
    total = sum(count.target for count in counts)
    click.echo(f"Copied {total} rows; every table's count matches. Now rebuild search there.")


def after_bulk_change() -> None:
    """Bring the search index up to date after a command changed many posts."""
    from flask import current_app

    from app.db import refresh_planner_statistics

    refresh_planner_statistics()
    hook = current_app.extensions.get("after_bulk_change")
    if hook:
        hook()


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(posts_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(backup_command)
    from app.mailings.cli import digests_cli

    app.cli.add_command(digests_cli)
    from app.schema import register as register_database_commands

    register_database_commands(app)
