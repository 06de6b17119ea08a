"""`flask digests send --period daily|weekly`: for cron, once a day and once a week."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import utcnow
from app.mail import DirectSender
from app.mailings.digests import send_digests
from app.models.enums import DIGEST_PERIODS

digests_cli = AppGroup("digests", help="Email digests of new posts in followed tags and authors.")


@digests_cli.command("send")
@click.option("--period", type=click.Choice(DIGEST_PERIODS), required=True)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Send the window that ends at the start of this UTC day (default: today).",
)
def send_command(period: str, as_of) -> None:
    """Send the digests of the last whole day or week that are not sent yet. Safe to run
    again: a second run sends nothing new; run again for the same window (`--as-of`), it
    sends what a failed run left."""
    day: date = as_of.date() if as_of else utcnow().date()
    with DirectSender(current_app.config) as sender:
        report = send_digests(period, day, sender.send)
    window = report.window
    again = f"run again with --as-of {window.end:%Y-%m-%d} to retry"
    click.echo(
        f"{period} digests for {window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC: "
        f"{report.sent} sent, {report.nothing_new} with nothing new, "
        f"{report.already_done} already done"
    )
    if report.uncertain_found:
        click.echo(
            f"{len(report.uncertain_found)} digest(s) left half-sent by an earlier run are marked "
            "uncertain and will not be sent again (delivery ids "
            f"{', '.join(map(str, report.uncertain_found))})",
            err=True,
        )
    if report.refused:
        click.echo(
            f"{report.refused} digest(s) refused by the mail server for their address ({again})",
            err=True,
        )
    if report.error:
        click.echo(
            f"Stopped: {report.error}. {report.failed} failed, {report.uncertain_now} uncertain, "
            f"{report.left_for_next_run} not tried; {again}.",
            err=True,
        )
    if not report.ok:
        raise SystemExit(1)
