"""Digests of new published posts in the tags and from the authors a member follows.

`send_digests` sends one period's digests (daily: the previous UTC day; weekly: the previous
week, Monday to Monday) and records each in `digest_deliveries` before and after sending, so
a run is idempotent and a crash or a failing mail server never sends anything twice:

- a member whose window has a row `sent` or `uncertain` gets nothing; `failed` is tried again;
- a row is committed as `sending` before its message goes out and as `sent` after it went
  (in the same commit as the next member's `sending`, one commit per message);
- a row a previous run left in `sending` (it died between the two) becomes `uncertain` and is
  reported, never sent again (at most once);
- a server refusing one recipient (5xx at RCPT, or an address beyond ASCII it cannot take)
  marks that row `failed` and the run goes on; any other refusal or connection failure stops
  the run: that member's row is `failed` (certainly not sent) or `uncertain` (the server may
  have it), and the members after it have no row yet.

A later run of the same window (the same command the same day, or `--as-of` the day the
window ends) sends what is `failed` or has no row; the next scheduled run covers the next
window, not this one.

The posts are read once per run, not per member: the posts published in the window and public
now, their tags, and every recipient's follows, matched in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import Message
from functools import partial

from sqlalchemy import bindparam, select, update

from app.db import upsert, utcnow
from app.extensions import db
from app.links import site_url, site_url_for
from app.mail import MaybeSent, NotSent, RecipientRefused, build_bulk_message
from app.mailings.unsubscribe import unsubscribe_for
from app.models import DigestDelivery, EmailSettings, Follow, Tag, User
from app.posts.queries import published_between, tags_of_published_between

MAX_POSTS = 40
SUBJECTS = {
    "daily": "New posts in topics you follow",
    "weekly": "Your weekly round-up of new posts",
}
SPANS = {"daily": "the past day", "weekly": "the past week"}
DONE_STATES = ("sent", "uncertain", "sending")


@dataclass(frozen=True)
class Window:
    period: str
    start: datetime
    end: datetime


def window_for(period: str, as_of: date) -> Window:
    """The last whole day, or the last whole Monday-to-Monday week, before `as_of` (UTC)."""
    end = datetime.combine(as_of, time(0), tzinfo=UTC)
    if period == "daily":
        return Window(period, end - timedelta(days=1), end)
    end -= timedelta(days=as_of.weekday())
    return Window(period, end - timedelta(days=7), end)


@dataclass
class Report:
    window: Window
    sent: int = 0
    nothing_new: int = 0
    already_done: int = 0
    uncertain_found: list[int] = field(default_factory=list)  # delivery ids
    failed: int = 0
    refused: int = 0  # recipients the server would not take; the run goes on without them
    uncertain_now: int = 0
    left_for_next_run: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.uncertain_found


@dataclass(frozen=True)
class Item:
    post_id: int
    title: str
    author_id: int
    published_at: datetime


@dataclass
class Reading:
    """What the run knows about the window: posts by id, post ids by tag and by author,
    tag names, and each post's line."""

    posts: dict[int, Item]
    by_tag: dict[int, list[int]]
    by_author: dict[int, list[int]]
    tag_names: dict[int, str]
    lines: dict[int, str]  # each post as the digest lists it: title, author, absolute link


def read_window(window: Window) -> Reading:
    rows = published_between(window.start, window.end)
    posts = {row.id: Item(row.id, row.title, row.author_id, row.published_at) for row in rows}
    by_tag: dict[int, list[int]] = defaultdict(list)
    for post_id, tag_id in tags_of_published_between(window.start, window.end):
        if post_id in posts:
            by_tag[tag_id].append(post_id)
    by_author: dict[int, list[int]] = defaultdict(list)
    for item in posts.values():
        by_author[item.author_id].append(item.post_id)
    tag_names = (
        dict(db.session.execute(select(Tag.id, Tag.name).where(Tag.id.in_(list(by_tag)))).all())
        if by_tag
        else {}
    )
    author_names = (
        dict(
            db.session.execute(
                select(User.id, User.display_name).where(User.id.in_(list(by_author)))
            ).all()
        )
        if by_author
        else {}
    )
    lines = {
        item.post_id: f"* {one_line(item.title)} "
        f"(by {one_line(author_names.get(item.author_id, 'a member'))})\n"
        f"  {site_url_for('posts.show', post_id=item.post_id)}"
        for item in posts.values()
    }
    return Reading(posts, by_tag, by_author, tag_names, lines)


def one_line(text: str) -> str:
    """A title or name as one line of the plain-text body: it can never start a line of its
    own (a forged title could otherwise add "unsubscribe here" lines of its own)."""
    return " ".join(text.split())


def recipients(period: str) -> list[tuple[int, str]]:
    """(id, address) of every member with this digest and an address, by id."""
    return list(
        db.session.execute(
            select(User.id, User.email)
            .join(EmailSettings, EmailSettings.user_id == User.id)
            .where(EmailSettings.digest == period, User.email.is_not(None))
            .order_by(User.id)
        )
    )


def follows_of(period: str) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Followed tag ids and author ids of every member with this digest."""
    tags: dict[int, list[int]] = defaultdict(list)
    authors: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(
        select(Follow.follower_id, Follow.tag_id, Follow.author_id)
        .join(EmailSettings, EmailSettings.user_id == Follow.follower_id)
        .where(EmailSettings.digest == period)
    )
    for follower_id, tag_id, author_id in rows:
        if tag_id is not None:
            tags[follower_id].append(tag_id)
        else:
            authors[follower_id].append(author_id)
    return tags, authors


def sections_for(
    member_id: int, tag_ids: list[int], author_ids: list[int], reading: Reading
) -> list[tuple[str, list[Item]]]:
    """The member's digest: a section per followed tag (alphabetical), then the followed
    authors' other posts; each post once, never the member's own, newest first, at most
    MAX_POSTS in all."""
    seen: set[int] = set()
    sections: list[tuple[str, list[Item]]] = []
    budget = MAX_POSTS

    def take(post_ids) -> list[Item]:
        nonlocal budget
        items = []
        for item in sorted(
            (reading.posts[i] for i in post_ids), key=lambda i: (i.published_at, i.post_id)
        )[::-1]:
            if item.post_id in seen or item.author_id == member_id or budget == 0:
                continue
            seen.add(item.post_id)
            items.append(item)
            budget -= 1
        return items

    for tag_id in sorted(tag_ids, key=lambda t: reading.tag_names.get(t, "")):
        items = take(reading.by_tag.get(tag_id, ()))
        if items:
            sections.append((reading.tag_names[tag_id], items))
    followed = [
        post_id for author_id in author_ids for post_id in reading.by_author.get(author_id, ())
    ]
    items = take(followed)
    if items:
        sections.append(("From people you follow", items))
    return sections


def compose(member_id: int, address: str, period: str, sections, reading: Reading) -> Message:
    """The digest. Its subject and first lines are the same for everyone: no tag, title or
    condition appears before the list of posts."""
    count = sum(len(items) for _, items in sections)
    lines = [
        f"New posts in the topics and from the people you follow, from {SPANS[period]}.",
        f"{count} new post{'s' if count != 1 else ''} on {site_url()}.",
        "",
    ]
    for heading, items in sections:
        lines += [heading, "-" * len(heading)]
        lines += [reading.lines[item.post_id] for item in items]
        lines.append("")
    unsubscribe = unsubscribe_for(member_id, "digest")
    lines += [
        "--",
        f"You get this because you chose a {period} digest.",
        f"Change what we email you: {site_url_for('mailings.settings')}",
        f"Stop the digest with one click: {unsubscribe.link}",
    ]
    return build_bulk_message(
        address, SUBJECTS[period], "\n".join(lines) + "\n", unsubscribe.headers
    )


def mark_uncertain(period: str) -> list[int]:
    """Rows a previous run left in `sending`: it may or may not have gone. They become
    `uncertain` (never sent again) and are reported."""
    ids = list(
        db.session.scalars(
            select(DigestDelivery.id).where(
                DigestDelivery.period == period, DigestDelivery.state == "sending"
            )
        )
    )
    if ids:
        db.session.execute(
            update(DigestDelivery).where(DigestDelivery.id.in_(ids)).values(state="uncertain")
        )
    db.session.commit()
    return ids


def send_digests(
    period: str,
    as_of: date,
    send: Callable[[Message], None],
) -> Report:
    """Send this period's digests for the window before `as_of` through `send` (a
    DirectSender's send: it raises NotSent or MaybeSent). Commits as it goes."""
    window = window_for(period, as_of)
    report = Report(window, uncertain_found=mark_uncertain(period))
    members = recipients(period)
    earlier = dict(
        db.session.execute(
            select(DigestDelivery.user_id, DigestDelivery.state).where(
                DigestDelivery.period == period, DigestDelivery.window_start == window.start
            )
        ).all()
    )
    reading = read_window(window)
    tags, authors = follows_of(period) if reading.posts else ({}, {})
    ledger = Ledger(window)
    finish_previous: Callable[[], None] | None = None
    for position, (member_id, address) in enumerate(members):
        if earlier.get(member_id) in DONE_STATES:
            report.already_done += 1
            continue
        sections = sections_for(
            member_id, tags.get(member_id, []), authors.get(member_id, []), reading
        )
        if not sections:
            report.nothing_new += 1
            continue
        message = compose(member_id, address, period, sections, reading)
        count = sum(len(items) for _, items in sections)
        if finish_previous is not None:
            finish_previous()
        delivery_id = ledger.start(member_id, count, retry=earlier.get(member_id) == "failed")
        db.session.commit()
        finish_previous = None
        if delivery_id is None:  # another run took this member meanwhile
            report.already_done += 1
            continue
        try:
            send(message)
        except RecipientRefused:
            ledger.finish(delivery_id, "failed")
            db.session.commit()
            report.refused += 1
            continue
        except NotSent as error:
            ledger.finish(delivery_id, "failed")
            report.failed += 1
            report.error = f"not sent, will be tried again: {error}"
        except MaybeSent as error:
            ledger.finish(delivery_id, "uncertain")
            report.uncertain_now += 1
            report.error = f"may or may not have been delivered, not retried: {error}"
        if report.error:
            db.session.commit()
            report.left_for_next_run = sum(
                1 for member, _ in members[position + 1 :] if earlier.get(member) not in DONE_STATES
            )
            return report
        report.sent += 1
        finish_previous = partial(ledger.finish, delivery_id, "sent")
    if finish_previous is not None:
        finish_previous()
    db.session.commit()
    return report


class Ledger:
    """The run's writes to digest_deliveries, each statement built once and run with
    parameters (ten thousand members make twenty thousand of them)."""

    def __init__(self, window: Window) -> None:
        self.window = window
        table = DigestDelivery.__table__
        self._insert = (
            upsert(table, db.session.get_bind().dialect.name)
            .values(
                user_id=bindparam("member_id"),
                period=window.period,
                window_start=window.start,
                window_end=window.end,
                state="sending",
                post_count=bindparam("count"),
                created_at=bindparam("now"),
            )
            .on_conflict_do_nothing(
                index_elements=[table.c.user_id, table.c.period, table.c.window_start]
            )
            .returning(table.c.id)
        )
        self._retry = (
            update(table)
            .where(
                table.c.user_id == bindparam("member_id"),
                table.c.period == window.period,
                table.c.window_start == window.start,
                table.c.state == "failed",
            )
            .values(state="sending", post_count=bindparam("count"))
            .returning(table.c.id)
        )
        self._finish = (
            update(table)
            .where(table.c.id == bindparam("delivery_id"))
            .values(state=bindparam("state"), sent_at=bindparam("sent_at"))
        )

    # Core statements on the session's connection, inside its transaction: the ORM's bulk
    # machinery cost more than the writes themselves.

    def start(self, member_id: int, count: int, *, retry: bool) -> int | None:
        """The member's row, now `sending`; None if another run has it already."""
        params = {"member_id": member_id, "count": count, "now": utcnow()}
        statement = self._retry if retry else self._insert
        return db.session.connection().execute(statement, params).scalar()

    def finish(self, delivery_id: int, state: str) -> None:
        sent_at = utcnow() if state == "sent" else None
        db.session.connection().execute(
            self._finish, {"delivery_id": delivery_id, "state": state, "sent_at": sent_at}
        )
