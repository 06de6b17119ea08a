"""What members report in a tag: figures counted from experiences' facts, with k-anonymity.

A figure is the number of DISTINCT members whose public experiences in the tag report one
value (a change of medication, a side effect, an outcome). It is shown only when at least
`MIN_MEMBERS` members stand behind it, so no figure points at a few people. Figures are
counted from the rows at read time, never kept as counters: a post counts while the listing
index lists it in the tag (`experience_report_rows.listed`, the copy of
`post_tags.published_at` that app.posts.listing_index keeps from the public rule in the
transaction of every change), and an erased member's facts are deleted
(app.experiences.services.erase_member_facts), so they leave every figure at once.

Counting is one GROUP BY over one index of `experience_report_rows`, (tag, listed, facet,
value, author), which holds only the experiences that carry facts. The figures of a tag are
kept per process while the page cache's content version (app.cache) is unchanged: every
publish, hide, removal, edit of facts and erasure bumps it, so the next request counts again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app, g
from sqlalchemy import Select, bindparam, func, select, true

from app.cache import content_version
from app.experiences.facts import OUTCOMES, SIDE_EFFECTS, change_label
from app.extensions import db
from app.models import Tag, experience_report_rows

MIN_MEMBERS = 5
MAX_CACHED_TAGS = 500
EXTENSION_KEY = "experience_reports"


@dataclass(frozen=True)
class Figure:
    value: str
    label: str
    members: int


@dataclass(frozen=True)
class Report:
    changes: list[Figure] = field(default_factory=list)
    side_effects: list[Figure] = field(default_factory=list)
    outcomes: list[Figure] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.changes or self.side_effects or self.outcomes)

    def as_json(self, tag: Tag) -> dict:
        def figures(items: list[Figure]) -> list[dict]:
            return [{"value": f.value, "label": f.label, "members": f.members} for f in items]

        return {
            "tag": tag.slug,
            "min_members": MIN_MEMBERS,
            "changes": figures(self.changes),
            "side_effects": figures(self.side_effects),
            "outcomes": figures(self.outcomes),
        }


def _figures_query() -> Select:
    rows = experience_report_rows.c
    members = func.count(rows.author_id.distinct())
    return (
        select(rows.facet, rows.value, members)
        .where(rows.tag_id == bindparam("tag_id"), rows.listed == true())
        .group_by(rows.facet, rows.value)
        .having(members >= MIN_MEMBERS)
    )


FIGURES = _figures_query()
LABELS = {"side_effect": SIDE_EFFECTS, "outcome": OUTCOMES}


def count_figures(tag_id: int) -> Report:
    """The tag's figures from the database, each backed by MIN_MEMBERS members or more."""
    found: dict[str, list[Figure]] = {"change": [], "side_effect": [], "outcome": []}
    for facet, value, members in db.session.execute(FIGURES, {"tag_id": tag_id}):
        label = change_label(value) if facet == "change" else LABELS[facet][value]
        found[facet].append(Figure(value, label, int(members)))
    for figures in found.values():
        figures.sort(key=lambda f: (-f.members, f.label))
    return Report(found["change"], found["side_effect"], found["outcome"])


class ReportCache:
    """Each tag's report as counted at one content version, per process and app."""

    def __init__(self, max_entries: int = MAX_CACHED_TAGS):
        self._reports: OrderedDict[int, tuple[int, Report]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, tag_id: int, version: int) -> Report | None:
        with self._lock:
            found = self._reports.get(tag_id)
            if found is None or found[0] != version:
                return None
            self._reports.move_to_end(tag_id)
            return found[1]

    def put(self, tag_id: int, version: int, report: Report) -> None:
        with self._lock:
            self._reports[tag_id] = (version, report)
            self._reports.move_to_end(tag_id)
            while len(self._reports) > self._max_entries:
                self._reports.popitem(last=False)


def current_version() -> int:
    """The content version, as the page cache read it for this request when it did."""
    read = g.get("page_cache_version")
    return int(read[0]) if read else content_version()


def tag_report(tag: Tag, version: int | None = None) -> Report:
    """The tag's figures, counted again once anything public changed (`version`: the content
    version when the caller read it already, in the same statement as the tag)."""
    cache: ReportCache = current_app.extensions.setdefault(EXTENSION_KEY, ReportCache())
    if version is None:
        version = current_version()
    report = cache.get(tag.id, version)
    if report is None:
        report = count_figures(tag.id)
        cache.put(tag.id, version, report)
    return report
