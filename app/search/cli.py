"""`flask --app wsgi search sync|rebuild|status|reload-synonyms|insights prune`."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.extensions import db
from app.models import Post
from app.search import SearchError, SearchUnavailable, get_backend
from app.search.insights import KEEP_DAYS, prune
from app.search.outbox import drain, outbox_status, rebuild_from_database
from app.search.synonyms import DEFAULT_SYNONYMS_PATH, load_synonyms

search_cli = AppGroup("search", help="Keep the search index true to the database.")


def tidy_every_tier(backend) -> int:
    """Merge a Whoosh index's small segments of every size tier (requests leave the larger
    tiers); PostgreSQL's autovacuum needs no help."""
    from app.search.whoosh_backend import WhooshBackend

    merges = 0
    if not isinstance(backend, WhooshBackend):
        return merges
    try:
        while backend.tidy(every_tier=True):
            merges += 1
    except SearchError as error:
        click.echo(f"The index was not tidied: {error}", err=True)
    return merges


@search_cli.command("sync")
def sync_command() -> None:
    """Apply the queued index changes (the outbox) now."""
    backend = get_backend(current_app)
    applied = drain(backend)
    merges = tidy_every_tier(backend)
    status = outbox_status()
    click.echo(f"Applied {applied} queued changes; {status.pending} still queued.")
    if merges:
        click.echo(f"Merged small index segments {merges} times.")
    if status.failing:
        raise click.ClickException(
            f"{status.failing} queued changes failed at least once; "
            "see `flask --app wsgi search status` and the log."
        )


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Rebuild the whole index from the published posts, then swap it in."""
    started = time.perf_counter()
    count = rebuild_from_database(get_backend(current_app))
    click.echo(f"Indexed {count} published posts in {time.perf_counter() - started:.1f} s.")


@search_cli.command("status")
def status_command() -> None:
    """Documents in the index against published posts, and the queue of changes."""
    backend = get_backend(current_app)
    published = db.session.scalar(select(func.count(Post.id)).where(Post.is_public))
    status = outbox_status()
    click.echo(f"Backend:   {current_app.config['SEARCH_BACKEND']} ({backend!r})")
    click.echo(f"Outbox:    {status.pending} queued, {status.failing} failed at least once")
    try:
        backend.check()
        indexed = backend.doc_count()
    except SearchUnavailable as problem:
        click.echo(f"Index:     unusable: {problem}")
        raise click.ClickException("Run `flask --app wsgi search rebuild`.") from None
    click.echo(f"Documents: {indexed} indexed, {published} published posts")
    if indexed != published and not status.pending:
        click.echo("The index differs from the database: run `flask --app wsgi search rebuild`.")


@search_cli.command("reload-synonyms")
def reload_synonyms_command() -> None:
    """Check the synonyms file; running workers re-read it on their next search."""
    path = current_app.config.get("SEARCH_SYNONYMS_FILE") or DEFAULT_SYNONYMS_PATH
    try:
        groups = load_synonyms(path)
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"Cannot read {path}: {error}") from None
    for problem in groups.problems:
        click.echo(f"warning: {problem}", err=True)
    get_backend(current_app).reload_synonyms()
    click.echo(
        f"{len(groups.groups)} synonym groups ({groups.entry_count} entries) in {path}. "
        "Running workers use the file as soon as it changes; no re-indexing is needed."
    )


insights_cli = AppGroup("insights", help="Searches that found nothing or little.")
search_cli.add_command(insights_cli)


@insights_cli.command("prune")
@click.option("--days", default=KEEP_DAYS, show_default=True, type=click.IntRange(min=1))
def prune_insights_command(days: int) -> None:
    """Delete the counts of searches older than DAYS days (run daily)."""
    deleted = prune(days)
    click.echo(f"Deleted {deleted} search insight rows older than {days} days.")


def register(app: Flask) -> None:
    app.cli.add_command(search_cli)
