"""What people search for and do not find: searches with no or few results, counted per day.

A row is (day, normalised query, band, occurrences) and nothing else: no account, address,
session or time finer than the day, so there is nothing in it to erase for anyone. A query
that holds an email address, a phone number, a postal address or a long run of digits is
never stored. Only the first page of an unfiltered search counts, so paging does not count
twice. A bot repeating one query inflates that day's count; moderators read the page knowing
that, and `flask --app wsgi search insights prune` keeps only the last 90 days.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, func, select

from app.content.screening import screen
from app.db import begin_writing, today, upsert
from app.extensions import db
from app.models.insights import MAX_MISS_QUERY_LENGTH, SearchMiss

log = logging.getLogger(__name__)

FEW_RESULTS = 3  # fewer results than this is "few"
SHOWN_FROM = 5  # a query appears on the page from this many occurrences in the window
WINDOW_DAYS = 30
KEEP_DAYS = 90
LONG_DIGITS = re.compile(r"\d{6,}")
BAND_LABELS = {"none": "no results", "few": "few results"}


@dataclass(frozen=True)
class Insight:
    query: str
    occurrences: int
    band: str

    @property
    def label(self) -> str:
        return BAND_LABELS[self.band]


def normalise(text: str) -> str:
    """Lowercase with whitespace collapsed, as the page groups it."""
    return " ".join(text.casefold().split())


def storable(text: str) -> str | None:
    """The normalised query if it may be stored, else None (empty, too long, or personal)."""
    query = normalise(text)
    if not query or len(query) > MAX_MISS_QUERY_LENGTH:
        return None
    if LONG_DIGITS.search(query.replace(" ", "")) or screen(text, include_links=False):
        return None
    return query


def band_for(total: int) -> str | None:
    if total == 0:
        return "none"
    if total < FEW_RESULTS:
        return "few"
    return None


def record_search(results) -> None:
    """Count a first-page, unfiltered search that found little. Never fails the search: it
    runs after the page is rendered and any error is logged and rolled back."""
    try:
        query = results.query
        if query.page != 1 or query.tag or query.kind or query.role:
            return
        band = band_for(results.total)
        text = storable(query.text) if band else None
        if band is None or text is None:
            return
        db.session.commit()  # end the read transaction before writing
        begin_writing(db.session())
        count_miss(text, band, today())
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.warning("A search miss was not counted", exc_info=True)


def count_miss(text: str, band: str, day: date) -> None:
    """One more occurrence of (day, text), the band as of the latest search."""
    statement = upsert(SearchMiss, db.session.get_bind().dialect.name).values(
        day=day, query=text, band=band, occurrences=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[SearchMiss.day, SearchMiss.query],
        set_={"band": band, "occurrences": SearchMiss.occurrences + 1},
    )
    db.session.execute(statement)


def insights(now: date | None = None) -> list[Insight]:
    """Queries of the last WINDOW_DAYS seen at least SHOWN_FROM times, most frequent first;
    "few results" if any day found some, else "no results"."""
    since = (now or today()) - timedelta(days=WINDOW_DAYS - 1)
    total = func.sum(SearchMiss.occurrences)
    rows = db.session.execute(
        select(SearchMiss.query, total, func.min(SearchMiss.band))
        .where(SearchMiss.day >= since)
        .group_by(SearchMiss.query)
        .having(total >= SHOWN_FROM)
        .order_by(total.desc(), SearchMiss.query)
    )
    return [Insight(query, int(count), band) for query, count, band in rows]


def prune(days: int = KEEP_DAYS, now: date | None = None) -> int:
    """Delete the days older than `days`; how many rows went."""
    cutoff = (now or today()) - timedelta(days=days)
    deleted = db.session.execute(delete(SearchMiss).where(SearchMiss.day < cutoff)).rowcount
    db.session.commit()
    return deleted
