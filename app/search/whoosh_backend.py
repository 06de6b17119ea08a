"""The Whoosh backend: one index folder on one machine, shared by the gunicorn workers.

Reading: each process keeps one searcher and replaces it (never `Searcher.refresh()`) when the
index has a newer generation or the folder was swapped by a rebuild. Writing: a short-lived
regular writer with a short lock timeout; a held lock raises IndexBusy and the change waits in
the outbox. Rebuilding: a new index is built beside the old one and swapped in by renames.
Answering: app/search/whoosh_engine.py evaluates the queries term at a time over postings it
decodes once and keeps (Whoosh's own matcher trees took over 200 ms on common words at
100,000 posts); Whoosh's collectors remain for the query shapes it leaves alone.
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import chain, islice
from multiprocessing import current_process
from pathlib import Path
from typing import TypeVar

from whoosh.collectors import Collector, FilterCollector, TopCollector, WrappingCollector
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, FileIndex, LockError
from whoosh.query import And, AndNot, Every, Or, Phrase, Query, Term
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter

from app.search import (
    IndexBusy,
    SearchDocument,
    SearchHit,
    SearchPage,
    SearchQuery,
    SearchUnavailable,
    clean_query_text,
    validate_paging,
)
from app.search.analysis import (
    medical_analyzer,
    spelling_analyzer,
)
from app.search.querying import (
    PLAN_CACHE_SIZE,
    SYNONYM_BOOST,
    Concept,
    Plan,
    PlannedSearch,
    closest_word,
    highlight_title,
    spelling_words,
    suggestion,
    words_to_check,
)
from app.search.synonyms import Terms
from app.search.whoosh_engine import (
    Engine,
    LiveCorrector,
    Unsupported,
    add_segments,
    cancel_writer,
    compile_query,
    has_live_postings,
    index_segments,
)

INDEX_NAME = "MAIN"
WRITE_LOCK = f"{INDEX_NAME}_WRITELOCK"
# Bump when the schema or an analyzer changes: check() then reports the index as unusable,
# and start-up rebuilds it. Whoosh's clean-up leaves this file alone (it is not an index file).
SCHEMA_VERSION = "2"
SCHEMA_VERSION_FILE = "SCHEMA_VERSION"
# How many posts use each word that a rebuild gave to SPELLING_CARRIERS posts only.
SPELLING_COUNTS_FILE = "SPELLING_COUNTS.json"
SUGGESTION_CANDIDATES = 50

# Query-time boosts, so they can be tuned without re-indexing.
FIELD_BOOSTS = {"title": 3.0, "tag_names": 2.0, "body": 1.0}
RELAXED_SCALE = 0.9
# Scoring and counting stop at these deadlines (seconds): a phrase of common words ("signs and
# symptoms") then answers with the best matches found so far instead of taking seconds.
QUERY_SECONDS = 0.5
COUNT_SECONDS = 0.1
# Totals are exact up to this many matches and estimated beyond (SearchPage.total_is_estimate).
EXACT_COUNT_UP_TO = 1_000
# Queries whose postings promise at most this many matches are scored in full in one pass (the
# count comes free); larger ones skip unpromising blocks and are counted in a second pass.
SCORE_ALL_UP_TO = 2_000
DEADLINE_CHECK_EVERY = 64
# Posts allowed by recent filters (tag, kind, role), per searcher: Whoosh would otherwise list
# every post of the tag again for each query (1 MB or so each at 100,000 posts).
FILTER_CACHE_SIZE = 16
LOCK_TIMEOUT = 2.0
SWAP_LOCK_TIMEOUT = 30.0
# Changes are committed without merging: a Whoosh merge costs about 20 ms for each document
# it copies, too much for the request that made the change. `tidy` merges the segments they
# leave in tiers by size: a tier's segments become one once there are TIDY_FANOUT of them, so
# a document is copied about once per tier and the number of segments stays small.
MERGE_TIERS = (10, 100, 1_000)  # upper bounds, in documents
TIDY_FANOUT = 6
TIDY_AFTER_REQUESTS_UP_TO = 100  # larger tiers take seconds: `flask search sync` merges them
OPEN_ATTEMPTS = 5
OPEN_RETRY_DELAY = 0.02
REBUILD_LIMIT_MB = 256
# A rebuild gives each spelling word to its first SPELLING_CARRIERS posts only (see
# SpellingBudget): the field serves "did you mean" through its word list and frequencies.
SPELLING_CARRIERS = 32
# A rebuild of this many posts or more runs in REBUILD_PROCS processes, each writing its own
# segment (Whoosh's MpWriter, multisegment): analysis and posting sorting are pure Python.
REBUILD_PROCS = min(2, os.cpu_count() or 1)
MULTIPROCESS_FROM = 5_000
LEFTOVER_AGE_SECONDS = 3600

log = logging.getLogger(__name__)
T = TypeVar("T")


def build_schema() -> Schema:
    return Schema(
        post_id=ID(stored=True, unique=True),
        title=TEXT(analyzer=medical_analyzer(), stored=True),
        body=TEXT(analyzer=medical_analyzer()),
        tag_names=TEXT(analyzer=medical_analyzer()),
        tags=KEYWORD(lowercase=True, commas=True),
        kind=ID(),
        role=ID(),
        author=ID(),
        # Only sorted on, never searched: a column, without NUMERIC's 16 trie terms a post.
        published=COLUMN(NumericColumn("q", default=0)),
        spelling=TEXT(analyzer=spelling_analyzer(), phrase=False),
    )


SCHEMA = build_schema()


def document_fields(
    doc: SearchDocument, spelling: Callable[[str], str] | None = None
) -> dict[str, object]:
    """The Whoosh fields of a document; bodies are indexed but never stored."""
    if doc.published_at.tzinfo is None:
        raise ValueError(f"post {doc.post_id}: published_at must be timezone-aware")
    tag_names = " | ".join(doc.tag_names)
    return {
        "post_id": str(doc.post_id),
        "title": doc.title,
        "body": doc.body_text,
        "tag_names": tag_names,
        "tags": ",".join(doc.tags),
        "kind": doc.kind,
        "role": doc.author_role,
        "author": doc.author_username,
        "published": int(doc.published_at.timestamp()),
        "spelling": (spelling or _same)(spelling_words(doc.title, doc.body_text, tag_names)),
    }


def _same(text: str) -> str:
    return text


class SpellingBudget:
    """Keeps a rebuild's spelling field small: each word goes to its first few posts only.

    The corrector reads only the field's word list (is a word known? which known words are
    close?) and ranks close words by how many posts carry them. Capping the carriers at
    SPELLING_CARRIERS keeps every word and the order of all but the commonest (which then tie),
    and 0.5 of the 10 million postings at 100,000 MedQuAD posts. Posts indexed later through
    the outbox carry all their words. A word is suggested only while a carrier is live (see
    LiveCorrector): if every carrier of a common word leaves, the word is not suggested until
    a post using it is indexed again or the next rebuild; never the other way round.
    """

    def __init__(self, carriers: int = SPELLING_CARRIERS) -> None:
        self.carriers = carriers
        self.seen: dict[str, int] = {}

    def __call__(self, words: str) -> str:
        seen, carriers, kept = self.seen, self.carriers, []
        for word in words.split():
            count = seen.get(word, 0)
            seen[word] = count + 1
            if count < carriers:
                kept.append(word)
        return " ".join(kept)

    def capped_counts(self) -> dict[str, int]:
        """The real post counts of the words the index holds fewer carriers of; the corrector
        ranks candidates by them (SPELLING_COUNTS_FILE), so "diabetis" still finds the common
        "diabetes" before "diabetic"."""
        return {word: count for word, count in self.seen.items() if count > self.carriers}


class IndexMissing(SearchUnavailable):
    """No index in the folder (never built, deleted, or mid-swap)."""


# Plans as Whoosh queries --------------------------------------------------------------------


@dataclass(frozen=True)
class WhooshQueries:
    strict: Query | None
    relaxed: Query | None


@lru_cache(maxsize=PLAN_CACHE_SIZE)
def whoosh_queries(plan: Plan) -> WhooshQueries:
    """Every concept (AND), and any concept with more ranking higher (None when it would change
    nothing); neither matches an excluded phrase."""
    required = [concept_query(concept) for concept in plan.concepts]
    excluded = [match_terms(terms) for terms in plan.excluded]

    def without_excluded(query: Query) -> Query:
        return AndNot(query, Or(excluded)) if excluded else query

    if not required:
        return WhooshQueries(None, None)
    strict = without_excluded(required[0] if len(required) == 1 else And(required))
    relaxed = without_excluded(Or(required, scale=RELAXED_SCALE)) if len(required) > 1 else None
    return WhooshQueries(strict, relaxed)


def concept_query(concept: Concept) -> Query:
    typed = match_terms(concept.typed, slop=concept.slop)
    if not concept.alternatives:
        return typed
    synonyms = [
        match_terms(terms, slop=concept.slop, boost=SYNONYM_BOOST) for terms in concept.alternatives
    ]
    return Or([typed, *synonyms])


def match_terms(terms: Terms, slop: int = 1, boost: float = 1.0) -> Query:
    """Terms (one word, or a phrase) in any text field, title first."""
    per_field: list[Query] = []
    for fieldname, field_boost in FIELD_BOOSTS.items():
        if len(terms) == 1:
            per_field.append(Term(fieldname, terms[0], boost=field_boost * boost))
        else:
            per_field.append(Phrase(fieldname, list(terms), slop=slop, boost=field_boost * boost))
    return Or(per_field)


# The backend -------------------------------------------------------------------------------


class WhooshBackend(PlannedSearch):
    """Search over a Whoosh index folder; see the module docstring for the concurrency rules."""

    def __init__(
        self,
        index_dir: str | os.PathLike[str],
        *,
        synonyms_path: str | os.PathLike[str] | None = None,
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.outbox_lock_path = self.index_dir.with_name(f"{self.index_dir.name}.outbox.lock")
        self.lock_timeout = lock_timeout
        super().__init__(synonyms_path)
        self._lock = threading.RLock()
        self._searcher: Searcher | None = None
        self._identity: tuple[int, int] | None = None
        self._pid = os.getpid()
        self._allowed_cache: dict[str, set[int]] = {}
        self._allowed_searcher: Searcher | None = None
        self._engine = Engine()
        self._word_counts: tuple[tuple[int, int] | None, dict[str, int]] = (None, {})

    def __repr__(self) -> str:
        return f"<WhooshBackend {self.index_dir}>"

    # Searching

    def search(self, query: SearchQuery) -> SearchPage:
        validate_paging(query)
        text = clean_query_text(query.text)
        plan = self._plan(text)
        if whoosh_queries(plan).strict is None:
            return SearchPage([], 0, query.page, query.per_page)
        return self._with_searcher(lambda searcher: self._run(searcher, query, plan, text))

    def doc_count(self) -> int:
        return self._with_searcher(lambda searcher: searcher.doc_count())

    def _run(self, searcher: Searcher, query: SearchQuery, plan: Plan, text: str) -> SearchPage:
        queries = whoosh_queries(plan)
        assert queries.strict is not None
        found = self._execute(searcher, queries.strict, query)
        relaxed = False
        if found.total == 0 and (wider := queries.relaxed) is not None:
            found, relaxed = self._execute(searcher, wider, query), True
        offset = (query.page - 1) * query.per_page
        hits = []
        for docnum, score in found.hits[offset : offset + query.per_page]:
            stored = searcher.stored_fields(docnum)
            hits.append(
                SearchHit(
                    post_id=int(stored["post_id"]),
                    score=float(score or 0.0),
                    highlights={"title": highlight_title(stored["title"], plan.highlight_terms)},
                )
            )
        total = found.total
        suggestion = self._suggest(searcher, plan, text) if total == 0 or relaxed else None
        return SearchPage(
            hits, total, query.page, query.per_page, suggestion, relaxed, found.estimated
        )

    def _execute(self, searcher: Searcher, whoosh_query: Query, query: SearchQuery) -> Matches:
        """The best page*per_page matches, and how many there are in all.

        Answered by the term-at-a-time engine (app/search/whoosh_engine.py) when it knows the
        query's shape, else by Whoosh's collectors (`_collect`).
        """
        if self._engine.supports(searcher):
            try:
                node = compile_query(whoosh_query)
            except Unsupported:
                node = None
            if node is not None:
                try:
                    found = self._engine.search(
                        searcher,
                        node,
                        limit=query.page * query.per_page,
                        newest=query.sort == "newest",
                        filters=filter_query(query),
                        filter_cache_size=FILTER_CACHE_SIZE,
                        exact_up_to=EXACT_COUNT_UP_TO,
                        seconds=QUERY_SECONDS,
                    )
                except Exception:
                    # A damaged index fails Whoosh's way too, and is reported from there.
                    log.exception("The fast search path failed; answering through Whoosh.")
                    self._engine.release()
                else:
                    return Matches(found.hits, found.total, found.estimated)
        return self._collect(searcher, whoosh_query, query)

    def _collect(self, searcher: Searcher, whoosh_query: Query, query: SearchQuery) -> Matches:
        """Whoosh's own way: the best page*per_page matches, and how many there are in all.

        Relevance order uses Whoosh's top-N collector, which (for a query that may match many
        posts) skips blocks of postings that cannot reach the top; newest first keeps the N
        newest. Both stop at QUERY_SECONDS with what they have. The total comes free when
        every match was collected, otherwise from a count that is exact up to
        EXACT_COUNT_UP_TO matches and extrapolated beyond.
        """
        filters = filter_query(query)
        limit = query.page * query.per_page
        top: Collector
        counts_all = True
        if query.sort == "newest":
            top = searcher.collector(limit=limit, sortedby="published", reverse=True)
        elif whoosh_query.estimate_size(searcher.reader()) > SCORE_ALL_UP_TO and not any(
            isinstance(leaf, Phrase) for leaf in whoosh_query.leaves()
        ):
            # Skips blocks of postings, and drops sub-queries that can no longer reach the top
            # as it goes (`replace`), so its count falls short and a second pass counts. A
            # phrase anywhere turns block skipping off: one exact pass is cheaper then.
            top, counts_all = TopCollector(limit=limit), False
        else:
            top = TopCollector(limit=limit, usequality=False, replace=0)
        timed = DeadlineCollector(top, QUERY_SECONDS)
        collector: Collector = timed
        allowed = None
        if filters is not None:
            allowed = self._allowed(searcher, filters)
            # (Whoosh ignores an empty set: it is falsy; the query form allows nothing.)
            collector = FilterCollector(timed, allow=allowed or filters)
        searcher.search_with_collector(whoosh_query, collector)
        results = collector.results()
        hits = [(hit.docnum, hit.score or 0.0) for hit in results]
        if counts_all and not timed.timed_out:
            return Matches(hits, collector.count(), False)
        total, estimated = count_matches(searcher, whoosh_query, allowed)
        if timed.timed_out:
            estimated = True
        return Matches(hits, max(total, results.scored_length()), estimated)

    def _spelling_counts(self, reader) -> Callable[[str], float]:
        """Posts per word, for ranking suggestions: the rebuild's counts, else the index's."""
        identity = self._folder_identity()
        if self._word_counts[0] != identity:
            try:
                counts = json.loads((self.index_dir / SPELLING_COUNTS_FILE).read_text())
            except (OSError, ValueError):
                counts = {}
            self._word_counts = (identity, counts)
        counts = self._word_counts[1]
        return lambda word: counts.get(word) or reader.frequency("spelling", word)

    def _allowed(self, searcher: Searcher, filters: Query) -> set[int]:
        """The document numbers a filter allows, remembered while `searcher` is current."""
        if self._allowed_searcher is not searcher:
            self._allowed_cache, self._allowed_searcher = {}, searcher
        key = repr(filters)
        allowed = self._allowed_cache.get(key)
        if allowed is None:
            if len(self._allowed_cache) >= FILTER_CACHE_SIZE:
                self._allowed_cache.pop(next(iter(self._allowed_cache)))
            allowed = set(searcher.docs_for_query(filters))  # Whoosh takes a set, not frozenset
            self._allowed_cache[key] = allowed
        return allowed

    def _suggest(self, searcher: Searcher, plan: Plan, text: str) -> str | None:
        synonym_words = self._current_vocabulary().synonym_words
        reader = searcher.reader()
        corrector = LiveCorrector(reader, "spelling", reader.schema["spelling"])
        frequency = self._spelling_counts(reader)

        def known_within(word: str, distance: int) -> list[str]:
            found = corrector.suggest(word, limit=SUGGESTION_CANDIDATES, maxdist=distance, prefix=1)
            return [max(found, key=frequency)] if found else []

        def correct(word: str) -> str | None:
            if has_live_postings(reader, "spelling", word):
                return None
            return closest_word(word, partial(known_within, word), synonym_words)

        return suggestion(text, words_to_check(plan, synonym_words), correct)

    # Writing

    def outbox_lock(self, *, wait: bool) -> AbstractContextManager[bool]:
        return file_lock(self.outbox_lock_path, wait=wait)

    def index_writes(self) -> AbstractContextManager[object]:
        """The index is no part of the database: its writes are its own."""
        return nullcontext()

    def index(self, docs: Iterable[SearchDocument]) -> None:
        batch = [document_fields(doc) for doc in docs]
        if batch:
            self._write(lambda writer: [writer.update_document(**fields) for fields in batch])

    def remove(self, post_ids: Iterable[int]) -> None:
        terms = [str(post_id) for post_id in sorted(set(post_ids))]
        if terms:
            self._write(lambda writer: [writer.delete_by_term("post_id", term) for term in terms])

    def _write(self, work: Callable[[IndexWriter], object], optimize: bool = False) -> None:
        """One committed batch in a regular writer; IndexBusy if the lock stays taken."""

        def write() -> None:
            ix = self._open_index()
            try:
                writer = ix.writer(timeout=self.lock_timeout)
            except LockError:
                raise IndexBusy(
                    f"The search index {self.index_dir} is locked by a writer."
                ) from None
            try:
                work(writer)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(optimize=optimize, merge=False)

        self._guarded(write)

    def tidy(self, every_tier: bool = False) -> bool:
        """Merge the first full tier of segments (only the small tiers a request can afford,
        unless `every_tier`); False when none is full, or while another writer holds the index."""
        largest = MERGE_TIERS[-1] if every_tier else TIDY_AFTER_REQUESTS_UP_TO

        def merge() -> bool:
            ix = self._open_index()
            tier = full_tier(index_segments(ix), largest)
            if tier is None:
                return False
            try:
                writer = ix.writer(timeout=0)
            except LockError:
                return False
            writer.commit(mergetype=partial(merge_tier, tier=tier))
            return True

        return self._guarded(merge)

    def compact(self) -> None:
        """Merge all segments, so deleted documents' words leave the files (after erasure)."""
        self._write(lambda writer: None, optimize=True)

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Build a complete new index beside the old one, then swap it in; returns its size."""
        self.index_dir.parent.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        staging = Path(
            tempfile.mkdtemp(prefix=f"{self.index_dir.name}.new-", dir=self.index_dir.parent)
        )
        try:
            count = build_index(staging, docs)
            self._swap_in(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        with self._lock:
            self._drop_searcher()
        return count

    def _swap_in(self, staging: Path) -> None:
        if not self.index_dir.exists():
            os.rename(staging, self.index_dir)
            return
        lock = FileStorage(str(self.index_dir)).lock(WRITE_LOCK)
        if not _acquire(lock, SWAP_LOCK_TIMEOUT):
            raise IndexBusy(f"The search index {self.index_dir} stayed locked; not swapped.")
        retired = self.index_dir.with_name(f"{self.index_dir.name}.old-{secrets.token_hex(4)}")
        try:
            os.rename(self.index_dir, retired)
            try:
                os.rename(staging, self.index_dir)
            except OSError:
                os.rename(retired, self.index_dir)
                raise
        finally:
            lock.release()
        shutil.rmtree(retired, ignore_errors=True)

    def _remove_leftovers(self) -> None:
        """Folders left by a rebuild that crashed (old ones only: another may be running)."""
        cutoff = time.time() - LEFTOVER_AGE_SECONDS
        for pattern in (f"{self.index_dir.name}.new-*", f"{self.index_dir.name}.old-*"):
            for leftover in self.index_dir.parent.glob(pattern):
                if leftover.is_dir() and leftover.stat().st_mtime < cutoff:
                    shutil.rmtree(leftover, ignore_errors=True)

    # Health and lifecycle

    def check(self) -> None:
        """Open and probe the index once, without waiting out a rebuild's renames: callers
        that repair it check again under the outbox lock, which a rebuild holds."""

        def open_and_probe() -> None:
            with open_index(self.index_dir).searcher() as searcher:
                probe(searcher)

        self._guarded(open_and_probe)

    def close(self) -> None:
        with self._lock:
            self._drop_searcher()

    # Internals

    def _with_searcher(self, work: Callable[[Searcher], T]) -> T:
        """Run `work` on an up-to-date searcher; one retry on a fresh one if reading fails."""
        with self._lock:
            try:
                return self._guarded(lambda: work(self._up_to_date_searcher()))
            except IndexMissing:
                raise
            except SearchUnavailable:
                self._drop_searcher()
            return self._guarded(lambda: work(self._up_to_date_searcher()))

    def _guarded(self, work: Callable[[], T]) -> T:
        """Run Whoosh work; a damaged index comes out as SearchUnavailable, never a raw error.

        Whoosh leaves files open when it fails half way through reading a damaged index; they
        are closed here, without the ResourceWarning (which `-W error` would turn into a crash).
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                return work()
            except (SearchUnavailable, IndexBusy):
                raise
            except Exception as error:
                message = (
                    f"The search index {self.index_dir} cannot be read "
                    f"({type(error).__name__}: {error}); rebuild it."
                )
            gc.collect()
        log.warning("%s", message)
        raise SearchUnavailable(message)

    def _up_to_date_searcher(self) -> Searcher:
        identity = self._folder_identity()
        current = self._searcher
        if current is not None and identity == self._identity and self._pid == os.getpid():
            try:
                if current.up_to_date():
                    return current
            except (OSError, EmptyIndexError):
                pass
        self._drop_searcher()
        searcher = self._open_index().searcher()
        self._searcher, self._identity, self._pid = searcher, identity, os.getpid()
        return searcher

    def _drop_searcher(self) -> None:
        searcher, self._searcher, self._identity = self._searcher, None, None
        self._allowed_cache, self._allowed_searcher = {}, None
        self._engine.release()
        if searcher is not None:
            try:
                searcher.close()
            except Exception:  # a searcher over deleted files may fail to close; let it go
                log.debug("closing a stale searcher failed", exc_info=True)

    def _folder_identity(self) -> tuple[int, int] | None:
        """Device and inode of the folder: they change when a rebuild swaps a new one in."""
        try:
            stat = os.stat(self.index_dir)
        except OSError:
            return None
        return stat.st_dev, stat.st_ino

    def _open_index(self) -> FileIndex:
        """Open the index, waiting out the instant between a rebuild's two renames."""
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            try:
                return open_index(self.index_dir)
            except IndexMissing:
                if attempt == OPEN_ATTEMPTS:
                    raise
                time.sleep(OPEN_RETRY_DELAY)
        raise AssertionError("unreachable")


def open_index(folder: Path) -> FileIndex:
    if not folder.is_dir():
        raise IndexMissing(f"The search index folder {folder} does not exist; rebuild it.")
    version_file = folder / SCHEMA_VERSION_FILE
    try:
        version = version_file.read_text().strip()
    except FileNotFoundError:
        raise IndexMissing(f"No search index in {folder}; rebuild it.") from None
    if version != SCHEMA_VERSION:
        raise SearchUnavailable(
            f"The search index in {folder} has schema {version!r}, the code expects "
            f"{SCHEMA_VERSION!r}; rebuild it."
        )
    storage = FileStorage(str(folder), supports_mmap=False)
    try:
        return storage.open_index(INDEX_NAME, schema=SCHEMA)
    except EmptyIndexError as error:
        raise IndexMissing(f"No search index in {folder}; rebuild it.") from error


def full_tier(segments: list, largest: int) -> tuple[int, int] | None:
    """The (low, high) document bounds of the smallest tier holding TIDY_FANOUT segments."""
    low = 0
    for high in MERGE_TIERS:
        if high > largest:
            break
        if len(in_tier(segments, (low, high))) >= TIDY_FANOUT:
            return low, high
        low = high
    return None


def in_tier(segments: list, tier: tuple[int, int]) -> list:
    low, high = tier
    return [segment for segment in segments if low <= segment.doc_count_all() < high]


def merge_tier(writer: IndexWriter, segments: list, tier: tuple[int, int]) -> list:
    """A Whoosh merge policy: the tier's segments into the writer's new one."""
    merging = in_tier(segments, tier)
    add_segments(writer, merging)
    return [segment for segment in segments if segment not in merging]


def build_index(folder: Path, docs: Iterable[SearchDocument], procs: int = REBUILD_PROCS) -> int:
    """Write every document into a new index in an empty folder, in one writer.

    Large rebuilds use `procs` processes, each adding its share of the posts to a segment of
    its own; the segments are not merged (a merge is one more single-process pass over every
    posting, undoing much of the gain).
    """
    storage = FileStorage(str(folder), supports_mmap=False)
    ix = storage.create_index(SCHEMA, indexname=INDEX_NAME)
    docs = iter(docs)
    head = list(islice(docs, MULTIPROCESS_FROM))
    # (A daemonic process, such as a multiprocessing pool worker, may not start helpers.)
    if procs > 1 and len(head) >= MULTIPROCESS_FROM and not current_process().daemon:
        writer = ix.writer(procs=procs, multisegment=True, limitmb=REBUILD_LIMIT_MB)
    else:
        writer = ix.writer(procs=1, limitmb=REBUILD_LIMIT_MB)
    budget = SpellingBudget()
    count = 0
    try:
        for doc in chain(head, docs):
            writer.add_document(**document_fields(doc, budget))
            count += 1
    except BaseException:
        cancel_writer(writer)
        raise
    writer.commit()
    # MpWriter drops the segment of a helper process that died (killed, out of memory)
    # without a word; an index missing posts must not be swapped in.
    with storage.open_index(INDEX_NAME, schema=SCHEMA).reader() as reader:
        indexed = reader.doc_count_all()
    if indexed != count:
        raise SearchUnavailable(f"The rebuild indexed {indexed} of {count} posts; not swapped.")
    (folder / SPELLING_COUNTS_FILE).write_text(json.dumps(budget.capped_counts()))
    (folder / SCHEMA_VERSION_FILE).write_text(SCHEMA_VERSION + "\n")
    return count


@dataclass(frozen=True)
class Matches:
    hits: list[tuple[int, float]]  # (document number, score), best first
    total: int
    estimated: bool


class DeadlineCollector(WrappingCollector):
    """Stops collecting at a deadline, keeping what was found (Whoosh's TimeLimitCollector
    raises instead, needs a timer thread, and bypasses a FilterCollector it wraps)."""

    def __init__(self, child: Collector, seconds: float) -> None:
        super().__init__(child)
        self.seconds = seconds
        self.deadline = 0.0
        self.timed_out = False

    def prepare(self, top_searcher, q, context) -> None:
        super().prepare(top_searcher, q, context)
        self.deadline = time.monotonic() + self.seconds
        self.timed_out = False

    def matches(self) -> Iterator[int]:
        deadline = self.deadline
        for number, sub_docnum in enumerate(self.child.matches(), start=1):
            if not number % DEADLINE_CHECK_EVERY and time.monotonic() > deadline:
                self.timed_out = True
                return
            yield sub_docnum

    def collect_matches(self) -> None:
        collect = self.child.collect
        for sub_docnum in self.matches():
            collect(sub_docnum)


def count_matches(
    searcher: Searcher,
    query: Query,
    allowed: set[int] | None = None,
    exact_up_to: int = EXACT_COUNT_UP_TO,
    seconds: float = COUNT_SECONDS,
) -> tuple[int, bool]:
    """How many documents match: (count, False) if exact, else (an estimate, True).

    Counting stops at `exact_up_to` matches or the deadline; the estimate assumes the rest of
    the index matches as densely as the part counted, capped by the postings' upper bound.
    """
    deadline = time.monotonic() + seconds
    count = 0
    last = -1
    docs = searcher.docs_for_query(query)
    if allowed is not None:
        docs = (docnum for docnum in docs if docnum in allowed)
    for count, last in enumerate(docs, start=1):  # noqa: B007
        if count >= exact_up_to or (
            not count % DEADLINE_CHECK_EVERY and time.monotonic() > deadline
        ):
            break
    else:
        return count, False
    # Extrapolated from the part counted, but never above what the postings allow.
    extrapolated = round(count * searcher.doc_count_all() / (last + 1))
    bound = query.estimate_size(searcher.reader())
    return max(count, min(extrapolated, bound)), True


def probe(searcher: Searcher) -> None:
    """Read a little of every part of the index, so a damaged file shows up now."""
    reader = searcher.reader()
    searcher.doc_count()
    for fieldname in (*FIELD_BOOSTS, "spelling", "tags"):
        list(islice(reader.lexicon(fieldname), 1))
    for hit in searcher.search(Every(), limit=1, sortedby="published", reverse=True):
        hit.fields()


def filter_query(query: SearchQuery) -> Query | None:
    terms = [
        Term(fieldname, value.strip().lower())
        for fieldname, value in (("tags", query.tag), ("kind", query.kind), ("role", query.role))
        if value and value.strip()
    ]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else And(terms)


@contextmanager
def file_lock(path: Path, *, wait: bool) -> Iterator[bool]:
    """An exclusive flock on `path`; yields False at once if it is held and not `wait`.

    flock conflicts between any two open files, even in one process, and the kernel drops it
    when a process dies, so a crashed worker never leaves the index locked.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _acquire(lock, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not lock.acquire():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True
