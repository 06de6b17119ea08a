"""The curated synonym list (synonyms.txt) and query-time expansion, longest entry first.

This module knows nothing about a search engine: a backend passes its own `normalize` (its
analyzer) so entries and query words are compared the way its index compares them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SYNONYMS_PATH = Path(__file__).with_name("synonyms.txt")
COMMENT = "#"

Terms = tuple[str, ...]
Normalizer = Callable[[str], Terms]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SynonymGroups:
    groups: tuple[tuple[str, ...], ...]
    problems: tuple[str, ...] = ()

    @property
    def entry_count(self) -> int:
        return sum(len(group) for group in self.groups)


@dataclass(frozen=True)
class Segment:
    """A run of query terms, with the term runs of its synonyms (empty when it has none)."""

    terms: Terms
    alternatives: tuple[Terms, ...] = ()


def parse_synonyms(text: str) -> SynonymGroups:
    groups: list[tuple[str, ...]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split(COMMENT, 1)[0]
        entries = tuple(dict.fromkeys(" ".join(e.split()).lower() for e in content.split(",")))
        entries = tuple(entry for entry in entries if entry)
        if not entries:
            continue
        if len(entries) < 2:
            problems.append(f"line {number}: a group needs at least two entries: {line.strip()!r}")
            continue
        groups.append(entries)
    return SynonymGroups(tuple(groups), tuple(problems))


def load_synonyms(path: Path | str = DEFAULT_SYNONYMS_PATH) -> SynonymGroups:
    return parse_synonyms(Path(path).read_text(encoding="utf-8"))


class SynonymFile:
    """synonyms.txt, re-read on the first use after it changes on disk.

    Each search calls `current()`, which costs one stat(); so an edited file (or one touched by
    `flask search reload-synonyms`) reaches every worker without a restart. If the file becomes
    unreadable, the last good groups stay in use.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else DEFAULT_SYNONYMS_PATH
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._groups = SynonymGroups(())

    def current(self) -> SynonymGroups:
        try:
            stat = os.stat(self.path)
        except OSError as error:
            if self._stamp is None:
                log.warning("search synonyms file %s unreadable: %s", self.path, error)
                self._stamp = (0, 0)
            return self._groups
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._reload(stamp)
        return self._groups

    def reload(self) -> SynonymGroups:
        """Re-read now, whatever the file's time stamp says."""
        with self._lock:
            self._stamp = None
            self._reload(None)
        return self._groups

    def _reload(self, stamp: tuple[int, int] | None) -> None:
        try:
            groups = load_synonyms(self.path)
        except (OSError, UnicodeDecodeError) as error:
            log.warning("search synonyms file %s unreadable: %s", self.path, error)
            return
        for problem in groups.problems:
            log.warning("search synonyms file %s: %s", self.path, problem)
        self._groups = groups
        self._stamp = stamp


class SynonymExpander:
    """Splits query terms into segments, matching the longest synonym entry at each place."""

    def __init__(self, groups: SynonymGroups, normalize: Normalizer) -> None:
        self.groups = groups
        self._alternatives: dict[Terms, list[Terms]] = {}
        for group in groups.groups:
            keys = list(dict.fromkeys(key for key in map(normalize, group) if key))
            for key in keys:
                known = self._alternatives.setdefault(key, [])
                known.extend(other for other in keys if other != key and other not in known)
        self.longest = max((len(key) for key in self._alternatives), default=0)

    def alternatives(self, terms: Terms) -> tuple[Terms, ...]:
        return tuple(self._alternatives.get(terms, ()))

    def segment(self, terms: Sequence[str]) -> list[Segment]:
        segments: list[Segment] = []
        start = 0
        while start < len(terms):
            for length in range(min(self.longest, len(terms) - start), 0, -1):
                candidate = tuple(terms[start : start + length])
                if candidate in self._alternatives:
                    segments.append(Segment(candidate, self.alternatives(candidate)))
                    start += length
                    break
            else:
                segments.append(Segment((terms[start],)))
                start += 1
        return segments
