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
import html
import json
import logging
import os
import re
import secrets
import shutil
import string
import tempfile
import threading
import time
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import chain, islice
from multiprocessing import current_process
from pathlib import Path
from typing import TypeVar

from whoosh import highlight
from whoosh.analysis.acore import Token
from whoosh.collectors import Collector, FilterCollector, TopCollector, WrappingCollector
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, FileIndex, LockError
from whoosh.query import And, AndNot, Every, Or, Phrase, Query, Term
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher
from whoosh.spelling import ReaderCorrector
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
    JOINERS,
    SPELLING_ANALYZER,
    analyze,
    is_word_char,
    marked_tokens,
    matched_words,
    medical_analyzer,
    spelling_analyzer,
)
from app.search.synonyms import Segment, SynonymExpander, SynonymFile, SynonymGroups, Terms
from app.search.whoosh_engine import Engine, Unsupported, compile_query

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
SYNONYM_BOOST = 0.7
SYNONYM_PHRASE_SLOP = 3
RELAXED_SCALE = 0.9
SNIPPET_CHARS = 200
SNIPPET_SCAN = 10_000  # a match further into a long post gives the post's opening instead
PLAN_CACHE_SIZE = 256
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
MIN_SUGGEST_LENGTH = 4
PUNCTUATION = string.punctuation + "‘’“”«»…"
OPERATOR_WORDS = frozenset({"AND", "OR", "&&", "||"})
# Small words of multi-word synonyms ("missed my", "changed to") are not worth a highlight.
HIGHLIGHT_SKIP = frozenset(
    {"a", "an", "and", "for", "in", "is", "my", "of", "on", "or", "the", "to", "with"}
)

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


def spelling_words(*texts: str) -> str:
    """The words worth suggesting, each once: the spelling field only needs the vocabulary."""
    words = {word.strip(PUNCTUATION) for text in texts for word in text.lower().split()}
    return " ".join(word for word in words if len(word) >= MIN_SUGGEST_LENGTH and word.isalpha())


# Reading the member's query ---------------------------------------------------------------

_CLAUSE = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+)')


@dataclass(frozen=True)
class Clause:
    """A word or a quoted phrase of the query, where it starts, and whether it is excluded."""

    text: str
    start: int
    quoted: bool
    negated: bool


def split_clauses(text: str) -> list[Clause]:
    """Words, "quoted phrases" and -exclusions; nothing else in the text has a meaning."""
    clauses = []
    for match in _CLAUSE.finditer(text):
        word = match.group("word")
        if word is None:
            phrase = match.group("phrase")
            negated = bool(match.group("neg"))
            clauses.append(Clause(phrase, match.start("phrase"), True, negated))
            continue
        if word in OPERATOR_WORDS:
            continue
        negated = word.startswith("-") and len(word) > 1
        start = match.start("word") + int(negated)
        clauses.append(Clause(word[1:] if negated else word, start, False, negated))
    return clauses


@dataclass
class QueryPlan:
    """The Whoosh queries for one search text, and what to highlight and spell-check."""

    required: list[Query] = field(default_factory=list)
    excluded: list[Query] = field(default_factory=list)
    highlight_terms: set[str] = field(default_factory=set)
    spelling_words: list[tuple[int, int, str]] = field(default_factory=list)

    def strict(self) -> Query | None:
        """Every concept must match (AND)."""
        if not self.required:
            return None
        return self._without_excluded(
            self.required[0] if len(self.required) == 1 else And(self.required)
        )

    def relaxed(self) -> Query | None:
        """Any concept may match, more matches rank higher; None when it would change nothing."""
        if len(self.required) < 2:
            return None
        return self._without_excluded(Or(self.required, scale=RELAXED_SCALE))

    def _without_excluded(self, query: Query) -> Query:
        if not self.excluded:
            return query
        return AndNot(query, Or(self.excluded))


def match_terms(terms: Terms, slop: int = 1, boost: float = 1.0) -> Query:
    """Terms (one word, or a phrase) in any text field, title first."""
    per_field: list[Query] = []
    for fieldname, field_boost in FIELD_BOOSTS.items():
        if len(terms) == 1:
            per_field.append(Term(fieldname, terms[0], boost=field_boost * boost))
        else:
            per_field.append(Phrase(fieldname, list(terms), slop=slop, boost=field_boost * boost))
    return Or(per_field)


class QueryPlanner:
    """Turns search text into a QueryPlan, expanding synonyms of unquoted words."""

    def __init__(self, expander: SynonymExpander) -> None:
        self.expander = expander
        self.plan = lru_cache(maxsize=PLAN_CACHE_SIZE)(self._plan)

    def _plan(self, text: str) -> QueryPlan:
        """Cached by `plan`: the body snippets of a results page re-read the same text."""
        plan = QueryPlan()
        run: list[str] = []
        for clause in split_clauses(text):
            if clause.negated:
                self._exclude(plan, clause)
                continue
            plan.spelling_words.extend(_spelling_words(clause))
            if clause.quoted:
                self._add_run(plan, run)
                run = []
                self._add_phrase(plan, clause)
            else:
                run.extend(analyze(clause.text))
        self._add_run(plan, run)
        return plan

    def _add_run(self, plan: QueryPlan, terms: list[str]) -> None:
        for segment in self.expander.segment(terms):
            plan.required.append(_segment_query(segment))
            for alternative in (segment.terms, *segment.alternatives):
                plan.highlight_terms.update(_highlightable(alternative))

    def _add_phrase(self, plan: QueryPlan, clause: Clause) -> None:
        terms = tuple(analyze(clause.text))
        if terms:
            plan.required.append(match_terms(terms))
            plan.highlight_terms.update(terms)

    def _exclude(self, plan: QueryPlan, clause: Clause) -> None:
        terms = tuple(analyze(clause.text))
        if terms:
            plan.excluded.append(match_terms(terms))


def _segment_query(segment: Segment) -> Query:
    typed = match_terms(segment.terms, slop=SYNONYM_PHRASE_SLOP)
    if not segment.alternatives:
        return typed
    synonyms = [
        match_terms(terms, slop=SYNONYM_PHRASE_SLOP, boost=SYNONYM_BOOST)
        for terms in segment.alternatives
    ]
    return Or([typed, *synonyms])


def _highlightable(terms: Terms) -> Iterator[str]:
    if len(terms) == 1:
        yield from terms
        return
    yield from (term for term in terms if term not in HIGHLIGHT_SKIP and len(term) > 1)


def _spelling_words(clause: Clause) -> Iterator[tuple[int, int, str]]:
    for token in SPELLING_ANALYZER(clause.text, chars=True, mode="query"):
        yield clause.start + token.startchar, clause.start + token.endchar, token.text


# Highlighting ------------------------------------------------------------------------------


class MarkFormatter(highlight.Formatter):
    """HTML-escaped text with <mark> around matched words, and … where text was cut."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text)

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment, replace: bool = False) -> str:
        body = super().format_fragment(fragment, replace=replace).strip()
        before = "… " if fragment.startchar > 0 else ""
        after = " …" if fragment.endchar < len(fragment.text) else ""
        return f"{before}{body}{after}"


def highlight_title(title: str, terms: Collection[str]) -> str:
    """The escaped title with <mark> around matched words: what whoosh.highlight.highlight()
    gives with MEDICAL_ANALYZER, WholeFragmenter and MarkFormatter, without building its
    fragments, scores and formatter."""
    pieces, index = [], 0
    for token in marked_tokens(title, terms):
        if token.endchar > highlight.DEFAULT_CHARLIMIT:
            break
        if token.matched:
            word = html.escape(title[token.startchar : token.endchar])
            pieces += [html.escape(title[index : token.startchar]), f"<mark>{word}</mark>"]
            index = token.endchar
    if not pieces:
        return html.escape(title)
    pieces.append(html.escape(title[index:]))
    return "".join(pieces).strip()


def highlight_body(text: str, terms: Iterable[str], limit: int = SNIPPET_CHARS) -> str:
    """About `limit` characters of plain text with the matched words marked: the stretch that
    holds the most of them (the earliest among equals), opening up to a third of `limit` before
    its first one; the post's opening when nothing in its first SNIPPET_SCAN characters
    matches. Only the matched words are looked up, not every word of a long post."""
    words = matched_words(text, frozenset(terms), SNIPPET_SCAN)
    if not words:
        return leading_excerpt(text, limit)
    start, end = best_stretch(text, words, limit)
    inside = [
        _match_token(text[word_start:word_end], word_start, word_end)
        for word_start, word_end in words
        if word_start >= start and word_end <= end
    ]
    fragment = highlight.mkfrag(text, inside, startchar=start, endchar=end)
    return MarkFormatter()(text, [fragment])


def best_stretch(text: str, words: list[tuple[int, int]], limit: int) -> tuple[int, int]:
    """(start, end) of the stretch of at most `limit` characters, cut between words, opening a
    third of `limit` before one of `words` and holding the most of them."""
    starts = [word_start for word_start, _ in words]
    ends = [word_end for _, word_end in words]
    best, best_count = (0, 0), 0
    for first_start, first_end in words:
        opening = max(0, first_start - limit // 3)
        # the stretch lies within (opening, first_start + limit): count that first, and find
        # its word boundaries only if it could hold more words than the best so far
        widest = max(first_end, first_start + limit)
        most = bisect_right(ends, widest) - bisect_left(starts, opening)
        if most <= best_count:
            continue
        start = min(first_start, word_boundary_after(text, opening))
        end = max(first_end, word_boundary_before(text, start + limit))
        count = bisect_right(ends, end) - bisect_left(starts, start)
        if count > best_count:
            best, best_count = (start, end), count
    return best


def word_boundary_after(text: str, position: int) -> int:
    """`position`, or the end of the token it falls inside."""
    if position == 0 or not is_token_char(text[position - 1]):
        return position
    while position < len(text) and is_token_char(text[position]):
        position += 1
    return position


def word_boundary_before(text: str, position: int) -> int:
    """`position`, or the start of the token it falls inside."""
    if position >= len(text):
        return len(text)
    if not is_token_char(text[position]):
        return position
    while position > 0 and is_token_char(text[position - 1]):
        position -= 1
    return position


def is_token_char(char: str) -> bool:
    return is_word_char(char) or char in JOINERS


def _match_token(term: str, startchar: int, endchar: int) -> Token:
    token = Token(positions=False, chars=True, removestops=False, mode="query")
    token.text, token.startchar, token.endchar, token.matched = term, startchar, endchar, True
    return token


def leading_excerpt(text: str, limit: int = SNIPPET_CHARS) -> str:
    if len(text) <= limit:
        return html.escape(text)
    cut = text[:limit].rsplit(" ", 1)[0]
    return html.escape(cut) + " …"


# "Did you mean" ----------------------------------------------------------------------------


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), or limit + 1 if larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def synonym_vocabulary(groups: SynonymGroups) -> frozenset[str]:
    """Words of the synonym list: a misspelt brand name is corrected even if no post uses it."""
    return frozenset(
        term
        for group in groups.groups
        for entry in group
        for term in analyze(entry, SPELLING_ANALYZER)
        if len(term) >= MIN_SUGGEST_LENGTH
    )


@dataclass(frozen=True)
class Vocabulary:
    planner: QueryPlanner
    synonym_words: frozenset[str]
    groups: SynonymGroups


# The backend -------------------------------------------------------------------------------


class WhooshBackend:
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
        self._synonym_file = SynonymFile(synonyms_path)
        self._vocabulary: Vocabulary | None = None
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
        vocabulary = self._current_vocabulary()
        plan = vocabulary.planner.plan(text)
        if plan.strict() is None:
            return SearchPage([], 0, query.page, query.per_page)
        return self._with_searcher(lambda searcher: self._run(searcher, query, plan, text))

    def highlight_body(self, text: str, query: SearchQuery) -> str:
        plan = self._current_vocabulary().planner.plan(clean_query_text(query.text))
        return highlight_body(text, plan.highlight_terms)

    def highlight_title(self, title: str, query: SearchQuery) -> str:
        plan = self._current_vocabulary().planner.plan(clean_query_text(query.text))
        return highlight_title(title, plan.highlight_terms)

    def doc_count(self) -> int:
        return self._with_searcher(lambda searcher: searcher.doc_count())

    def _run(
        self, searcher: Searcher, query: SearchQuery, plan: QueryPlan, text: str
    ) -> SearchPage:
        strict = plan.strict()
        assert strict is not None
        found = self._execute(searcher, strict, query)
        relaxed = False
        if found.total == 0 and (wider := plan.relaxed()) is not None:
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

    def _suggest(self, searcher: Searcher, plan: QueryPlan, text: str) -> str | None:
        vocabulary = self._current_vocabulary()
        reader = searcher.reader()
        corrector = LiveCorrector(reader, "spelling", reader.schema["spelling"])
        replacements: list[tuple[int, int, str]] = []
        for start, end, word in plan.spelling_words:
            if not _worth_correcting(word) or has_live_postings(reader, "spelling", word):
                continue
            if word in vocabulary.synonym_words:
                continue
            better = _best_correction(
                word, corrector, vocabulary.synonym_words, self._spelling_counts(reader)
            )
            if better:
                replacements.append((start, end, better))
        if not replacements:
            return None
        suggestion = text
        for start, end, better in reversed(replacements):
            suggestion = suggestion[:start] + better + suggestion[end:]
        return suggestion if suggestion != text else None

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
            tier = full_tier(ix._segments(), largest)
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

    def reload_synonyms(self) -> int:
        groups = self._synonym_file.reload()
        self._vocabulary = None
        return len(groups.groups)

    def close(self) -> None:
        with self._lock:
            self._drop_searcher()

    # Internals

    def _current_vocabulary(self) -> Vocabulary:
        groups = self._synonym_file.current()
        vocabulary = self._vocabulary
        if vocabulary is None or vocabulary.groups is not groups:
            expander = SynonymExpander(groups, lambda entry: tuple(analyze(entry)))
            vocabulary = Vocabulary(QueryPlanner(expander), synonym_vocabulary(groups), groups)
            self._vocabulary = vocabulary
        return vocabulary

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
    for segment in merging:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
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
        _cancel(writer)
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


def _cancel(writer: IndexWriter) -> None:
    """Cancel a writer; MpWriter's helper processes are stopped too (its own cancel() only
    flags its copy of them, and they would wait for work forever, hanging the exit)."""
    for task in getattr(writer, "tasks", ()):
        task.terminate()
        task.join()
    writer.cancel()


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


class LiveCorrector(ReaderCorrector):
    """Whoosh's corrector over the words that a document not deleted still holds.

    Whoosh keeps a deleted (removed, hidden, erased or re-indexed) document's words in its
    segment's term list until the segment is merged; a word offered as "did you mean" must be
    in a post that is published now. Only searches that look for a suggestion pay for the check.
    """

    def _suggestions(self, text: str, maxdist: int, prefix: int) -> Iterator[tuple[float, str]]:
        for score, word in super()._suggestions(text, maxdist, prefix):
            if has_live_postings(self.reader, self.fieldname, word):
                yield score, word


def has_live_postings(reader, fieldname: str, word: str) -> bool:
    """True if a document that is not deleted holds the word in the field."""
    for leaf, _ in reader.leaf_readers():
        if (fieldname, word) not in leaf:
            continue
        if not leaf.has_deletions() or leaf.postings(fieldname, word).is_active():
            return True
    return False


def _worth_correcting(word: str) -> bool:
    return len(word) >= MIN_SUGGEST_LENGTH and word.isalpha()


def _best_correction(
    word: str,
    corrector,
    synonym_words: frozenset[str],
    frequency: Callable[[str], float] | None = None,
) -> str | None:
    """The closest known word: index words first, then the synonym list, one edit before two;
    among index words equally close, the one most posts use."""
    max_distance = 1 if len(word) < 6 else 2
    for distance in range(1, max_distance + 1):
        found = corrector.suggest(
            word, limit=SUGGESTION_CANDIDATES if frequency else 1, maxdist=distance, prefix=1
        )
        if found:
            return max(found, key=frequency) if frequency else found[0]
        close = sorted(w for w in synonym_words if edit_distance(word, w, distance) <= distance)
        if close:
            return close[0]
    return None


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
