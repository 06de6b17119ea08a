"""Fast answers to the Whoosh backend's queries, read straight from the index's postings.

Whoosh answers a query by walking a tree of matcher objects one posting at a time, several
Python calls per posting and level, and it reads every posting block with its positions even
when only document numbers are wanted. At 100,000 posts a search over common words touches
tens of thousands of postings, which is where its time went (p95 over 200 ms).

This module evaluates the same queries term at a time instead:

- the postings of a term (document numbers and term frequencies, without positions) are
  decoded once per segment and kept in a bounded cache (`PostingsCache`); so are the field
  lengths and the `published` column of each segment. Segments never change once written,
  so the cache stays valid until they are merged away; deletions are applied per searcher;
- a term's BM25F scores are computed for all its postings in one list comprehension (the
  same formula and floating-point steps as `whoosh.scoring.BM25F`), and kept until the
  index statistics (document count, average field length) change;
- OR, AND and AND NOT combine those scores through dictionaries and sets;
- a phrase is first treated as "all its words" (its score in Whoosh is the sum of its
  words' scores, so that is exact when the phrase matches and an upper bound when it does
  not), and its word positions are checked only for the documents that need it: those that
  could reach the page being asked for (the candidates are taken in falling order of that
  upper bound until the page cannot change), and as many as exact counting needs;
- the total is exact when no phrase is in doubt; otherwise phrase matches are counted in
  document order, exactly while they stay within `exact_up_to`, and extrapolated beyond.

Results are those of Whoosh's collectors over the same query (same scores up to the order of
floating-point additions, ties by document number). Query shapes this module does not know
(`Or` with a coordination scale, other query types, an excluded phrase) are left to Whoosh.
It uses a few private parts of whoosh-reloaded 2.7.5 (pinned exactly), each with a slower
public fallback; tests/search/test_whoosh_speed_paths.py checks that the fast parts are used
and that the answers are those of whoosh-reloaded's own searcher. The other private parts the
backend needs (live postings for "did you mean", segments for tidying, stopping MpWriter's
helpers) are at the end: every use of Whoosh's internals is in this module.
"""

from __future__ import annotations

import heapq
import pickle
import sys
import time
from abc import ABC, abstractmethod
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from operator import add, itemgetter, mul

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.index import FileIndex
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndNot, Or, Phrase, Query, Term
from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.spelling import ReaderCorrector
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length
from whoosh.writing import IndexWriter

# Postings kept decoded, over all cached terms and segments (about 16 bytes each: document
# number, frequency and score).
POSTINGS_CACHE_SIZE = 3_000_000
# Posting blocks whose positions were read for phrase checks (each about 128 postings and
# 2 KB kept).
POSITION_BLOCKS_CACHE_SIZE = 2048
# Top-k over upper bounds: first look at this many times the page's size of candidates.
FIRST_BATCH_FACTOR = 4
MIN_FIRST_BATCH = 32
DEADLINE_CHECK_EVERY = 64
# When the sure matches alone pass the exact bound, this many doubtful ones are checked to
# estimate how many of the rest match.
ESTIMATE_SAMPLE = 256

Score = float


class Unsupported(Exception):
    """The query has a shape this module leaves to Whoosh."""


# Compiled queries -----------------------------------------------------------------------


class Node(ABC):
    """A query compiled for term-at-a-time evaluation."""

    has_phrase = False

    @abstractmethod
    def evaluate(self, view: SegmentView) -> Evaluated:
        """Every matching document of the segment with its score."""

    @abstractmethod
    def size(self, view: SegmentView) -> int:
        """At most how many documents of the segment it can match (from postings counts)."""

    @abstractmethod
    def exact(self, view: SegmentView, docnum: int) -> Score | None:
        """The true score of one document (None: no match), checking phrases."""

    def contains(self, view: SegmentView, docnum: int) -> bool:
        """Whether a document matches, checking as few phrases as it takes."""
        return self.exact(view, docnum) is not None


@dataclass
class Evaluated:
    """Scores of the documents a node may match in one segment.

    `loose`: documents whose score counts a phrase not yet checked (an upper bound);
    `unsure`: those of them that may not match at all. Both are subsets of `scores`.
    """

    scores: dict[int, Score]
    loose: set[int] = field(default_factory=set)
    unsure: set[int] = field(default_factory=set)


class TermNode(Node):
    def __init__(self, fieldname: str, text: bytes, boost: float) -> None:
        self.fieldname, self.text, self.boost = fieldname, text, boost

    def size(self, view: SegmentView) -> int:
        postings = view.postings(self.fieldname, self.text)
        return 0 if postings is None else len(postings.ids)

    def evaluate(self, view: SegmentView) -> Evaluated:
        scores = view.term_scores(self.fieldname, self.text, self.boost)
        if view.coordination is not None:
            view.coordination.add(scores.keys(), 1, bool(scores))
        return Evaluated(scores)

    def exact(self, view: SegmentView, docnum: int) -> Score | None:
        return view.term_score_at(self.fieldname, self.text, self.boost, docnum)

    def contains(self, view: SegmentView, docnum: int) -> bool:
        return view.term_score_at(self.fieldname, self.text, self.boost, docnum) is not None


class PhraseNode(Node):
    has_phrase = True

    def __init__(self, fieldname: str, words: list[bytes], slop: int, boost: float) -> None:
        self.fieldname, self.words, self.slop, self.boost = fieldname, words, slop, boost

    def size(self, view: SegmentView) -> int:
        sizes = [view.postings(self.fieldname, word) for word in self.words]
        return min((0 if postings is None else len(postings.ids)) for postings in sizes)

    def evaluate(self, view: SegmentView) -> Evaluated:
        # Whoosh scores a phrase as the sum of its words' scores (an intersection of their
        # term matchers, built as a balanced binary tree), times the phrase's boost.
        per_word = [view.scored_postings(self.fieldname, word) for word in self.words]
        scores: dict[int, Score] = {}
        present = all(postings is not None for postings in per_word)
        if present:
            by_size = sorted(per_word, key=lambda postings: len(postings.ids))
            common = set(by_size[0].ids)
            for postings in by_size[1:]:
                common.intersection_update(postings.ids)
            if common:
                # Each word's scores for the common documents, in document order.
                contains = common.__contains__
                columns = [
                    list(compress(postings.scores, map(contains, postings.ids)))
                    for postings in per_word
                ]
                totals = _balanced_sum(columns)
                if self.boost != 1.0:
                    totals = list(map(mul, totals, repeat(self.boost)))
                scores = dict(zip(sorted(common), totals, strict=True))
        view.memo[self] = scores
        view.checked[self] = {}
        if view.coordination is not None:
            # (An upper bound: each word counts as matching before the phrase is checked.)
            view.coordination.add(scores.keys(), len(self.words), present)
        keys = set(scores)
        return Evaluated(scores, keys, set(keys))

    def exact(self, view: SegmentView, docnum: int) -> Score | None:
        score = view.memo[self].get(docnum)
        if score is None:
            return None
        return score if self.matches(view, docnum) else None

    def contains(self, view: SegmentView, docnum: int) -> bool:
        return docnum in view.memo[self] and self.matches(view, docnum)

    def matches(self, view: SegmentView, docnum: int) -> bool:
        checked = view.checked[self]
        found = checked.get(docnum)
        if found is None:
            checker = view.checkers.get(self)
            if checker is None:
                checker = view.checkers[self] = PhraseChecker(
                    view, self.fieldname, self.words, self.slop
                )
            found = checked[docnum] = checker(docnum)
        return found


class OrNode(Node):
    def __init__(self, children: list[Node], boost: float) -> None:
        self.children, self.boost = children, boost
        self.has_phrase = any(child.has_phrase for child in children)
        self.cheap_first = sorted(children, key=lambda child: child.has_phrase)

    def size(self, view: SegmentView) -> int:
        return sum(child.size(view) for child in self.children)

    def contains(self, view: SegmentView, docnum: int) -> bool:
        return any(child.contains(view, docnum) for child in self.cheap_first)

    def evaluate(self, view: SegmentView) -> Evaluated:
        scores: dict[int, Score] = {}
        loose: set[int] = set()
        doubtful: set[int] = set()
        sure: set[int] = set()
        for number, child in enumerate(self.children):
            part = child.evaluate(view)
            other = part.scores
            if not number:
                scores = dict(other)
            else:
                # Sums in the children's order, as exact() adds them, so both agree to the bit.
                both = {docnum: scores[docnum] + other[docnum] for docnum in other.keys() & scores}
                scores.update(other)
                scores.update(both)
            if self.has_phrase:
                loose |= part.loose
                doubtful |= part.unsure
                sure.update(other.keys() - part.unsure if part.unsure else other.keys())
        if self.boost != 1.0:
            boost = self.boost
            scores = {docnum: score * boost for docnum, score in scores.items()}
        return Evaluated(scores, loose, doubtful - sure if doubtful else doubtful)

    def exact(self, view: SegmentView, docnum: int) -> Score | None:
        total = None
        for child in self.children:
            score = child.exact(view, docnum)
            if score is not None:
                total = score if total is None else total + score
        if total is not None and self.boost != 1.0:
            total *= self.boost
        return total


class Coordination:
    """What CoordOrNode needs from the leaves under it: how many term matchers the segment
    has, and how many of them each document matches."""

    def __init__(self) -> None:
        self.terms = 0
        self.matching: Counter[int] = Counter()

    def add(self, docnums: Iterable[int], weight: int, present: bool) -> None:
        if present:
            self.terms += weight
        for _ in range(weight):
            self.matching.update(docnums)


class CoordOrNode(OrNode):
    """An OR with Whoosh's coordination bonus (`Or(..., scale=...)`, the relaxed query).

    Whoosh wraps the union in a CoordMatcher, which rescales each score by how many of the
    tree's term matchers are on the document ("SQR", from V-Twin): with `terms` term matchers
    in the segment (a Term whose word the segment has; each word of a phrase all of whose
    words it has) and `matching` of them on the document,
    (score + (matching - 1) / (terms - scale) ** 2) * ((terms - 1) / terms).
    That grows with both the score and the matches, so an unchecked phrase still gives an
    upper bound. (Whoosh's collectors undercount `matching` when they read matches without
    moving every sub-matcher, and in segments of at most 5,000 posts, where an OR pre-reads
    its sub-matchers; the bonus here is the one CoordMatcher defines.)
    """

    def __init__(self, children: list[Node], boost: float, scale: float) -> None:
        super().__init__(children, boost)
        self.scale = scale
        self.leaves = _coord_leaves(self)

    def evaluate(self, view: SegmentView) -> Evaluated:
        view.coordination = coordination = Coordination()
        try:
            evaluated = super().evaluate(view)
        finally:
            view.coordination = None
        terms = coordination.terms
        view.memo[self] = terms
        if terms == 0 or terms == self.scale:
            evaluated.scores = dict.fromkeys(evaluated.scores, 0.0)
            return evaluated
        matching = coordination.matching
        bonus, factor = (terms - self.scale) ** 2, (terms - 1) / terms
        evaluated.scores = {
            docnum: (score + ((matching[docnum] - 1) / bonus)) * factor
            for docnum, score in evaluated.scores.items()
        }
        return evaluated

    def exact(self, view: SegmentView, docnum: int) -> Score | None:
        score = super().exact(view, docnum)
        if score is None:
            return None
        terms = view.memo[self]
        if terms == 0 or terms == self.scale:
            return 0.0
        matching = 0
        for leaf in self.leaves:
            if leaf.contains(view, docnum):
                matching += len(leaf.words) if isinstance(leaf, PhraseNode) else 1
        return (score + ((matching - 1) / (terms - self.scale) ** 2)) * ((terms - 1) / terms)


def _coord_leaves(node: Node) -> list[TermNode | PhraseNode]:
    if isinstance(node, TermNode | PhraseNode):
        return [node]
    if type(node) in (OrNode, CoordOrNode):
        return [leaf for child in node.children for leaf in _coord_leaves(child)]
    raise Unsupported("a coordination bonus over anything but ORs of terms and phrases")


class AndNode(Node):
    def __init__(self, children: list[Node], boost: float) -> None:
        self.children, self.boost = children, boost
        self.has_phrase = any(child.has_phrase for child in children)
        self.cheap_first = sorted(children, key=lambda child: child.has_phrase)

    def size(self, view: SegmentView) -> int:
        return min(child.size(view) for child in self.children)

    def contains(self, view: SegmentView, docnum: int) -> bool:
        return all(child.contains(view, docnum) for child in self.cheap_first)

    def evaluate(self, view: SegmentView) -> Evaluated:
        # Smallest first, each next part kept only for the documents still in the running,
        # and no further once none are: a long query of common words never holds every
        # word's documents at once.
        order = sorted(range(len(self.children)), key=lambda i: self.children[i].size(view))
        parts: dict[int, Evaluated] = {}
        common: set[int] | None = None
        for index in order:
            part = self.children[index].evaluate(view)
            if common is None:
                common = set(part.scores)
            else:
                common.intersection_update(part.scores.keys())
                part.scores = {docnum: part.scores[docnum] for docnum in common}
            parts[index] = part
            if not common:
                return Evaluated({})
        assert common is not None
        # Sums in the children's order, as exact() adds them, so both agree to the bit.
        ordered = [parts[index].scores for index in range(len(self.children))]
        if len(ordered) == 2:
            first, second = ordered
            scores = {docnum: first[docnum] + second[docnum] for docnum in common}
        elif len(ordered) == 3:
            first, second, third = ordered
            scores = {docnum: first[docnum] + second[docnum] + third[docnum] for docnum in common}
        else:
            scores = {}
            for docnum in common:
                total = ordered[0][docnum]
                for part_scores in ordered[1:]:
                    total += part_scores[docnum]
                scores[docnum] = total
        if self.boost != 1.0:
            boost = self.boost
            scores = {docnum: score * boost for docnum, score in scores.items()}
        if not self.has_phrase:
            return Evaluated(scores)
        loose = set().union(*(part.loose for part in parts.values())) & common
        doubtful = set().union(*(part.unsure for part in parts.values())) & common
        return Evaluated(scores, loose, doubtful)

    def exact(self, view: SegmentView, docnum: int) -> Score | None:
        total = None
        for child in self.children:
            score = child.exact(view, docnum)
            if score is None:
                return None
            total = score if total is None else total + score
        if total is not None and self.boost != 1.0:
            total *= self.boost
        return total


class AndNotNode(Node):
    def __init__(self, positive: Node, negative: Node) -> None:
        if negative.has_phrase:
            raise Unsupported("an excluded phrase")
        self.positive, self.negative = positive, negative
        self.has_phrase = positive.has_phrase

    def size(self, view: SegmentView) -> int:
        return self.positive.size(view)

    def evaluate(self, view: SegmentView) -> Evaluated:
        part = self.positive.evaluate(view)
        excluded = self.negative.evaluate(view).scores.keys()
        view.memo[self] = excluded
        scores = {docnum: score for docnum, score in part.scores.items() if docnum not in excluded}
        if not self.has_phrase:
            return Evaluated(scores)
        return Evaluated(scores, part.loose - excluded, part.unsure - excluded)

    def exact(self, view: SegmentView, docnum: int) -> Score | None:
        if docnum in view.memo[self]:
            return None
        return self.positive.exact(view, docnum)

    def contains(self, view: SegmentView, docnum: int) -> bool:
        return docnum not in view.memo[self] and self.positive.contains(view, docnum)


def compile_query(query: Query) -> Node:
    """The Node for a Whoosh query; Unsupported for shapes left to Whoosh."""
    kind = type(query)
    if kind is Term:
        return TermNode(query.fieldname, _bytes(query.text), query.boost)
    if kind is Phrase:
        if not query.words:
            raise Unsupported("an empty phrase")
        words = [_bytes(word) for word in query.words]
        return PhraseNode(query.fieldname, words, query.slop, query.boost)
    if kind is Or:
        if query.minmatch:
            raise Unsupported("OR with a minimum")
        if query.scale:
            children = [compile_query(sub) for sub in query.subqueries]
            if len(children) < 2:
                raise Unsupported("a coordination bonus over one query")
            return CoordOrNode(children, query.boost, query.scale)
        return _compound(OrNode, query)
    if kind is And:
        return _compound(AndNode, query)
    if kind is AndNot:
        return AndNotNode(compile_query(query.a), compile_query(query.b))
    raise Unsupported(kind.__name__)


def _bytes(text: str | bytes) -> bytes:
    return text.encode() if isinstance(text, str) else text


def _compound(cls: type[OrNode] | type[AndNode], query: Or | And) -> Node:
    children = [compile_query(sub) for sub in query.subqueries]
    if not children:
        raise Unsupported("an empty compound query")
    if len(children) == 1:
        return children[0]  # Whoosh ignores the boost of a one-child compound as well
    return cls(children, query.boost)


def _balanced_sum(columns: list[list[Score]]) -> list[Score]:
    """Element-wise sums, added as Whoosh's binary tree of intersection matchers adds them."""
    if len(columns) == 1:
        return columns[0]
    half = len(columns) // 2
    return list(map(add, _balanced_sum(columns[:half]), _balanced_sum(columns[half:])))


# Decoded index data ---------------------------------------------------------------------


class TermPostings:
    """One term's postings in one segment: document numbers and frequencies, plus where each
    block starts in the postings file, to read positions for a few documents later."""

    __slots__ = (
        "ids",
        "weights",
        "block_starts",
        "block_offsets",
        "values",
        "scores_key",
        "scores",
    )

    def __init__(self, ids: array, weights: array) -> None:
        self.ids = ids
        self.weights = weights
        self.block_starts: array | None = None
        self.block_offsets: array | None = None
        self.values: list[bytes] | None = None  # when read without blocks
        self.scores_key: tuple | None = None
        self.scores: array | None = None


class PostingsCache:
    """Decoded postings by (segment, field, term), least recently used out first, bounded by
    the number of postings held."""

    def __init__(self, capacity: int = POSTINGS_CACHE_SIZE) -> None:
        self.capacity = capacity
        self.size = 0
        self.entries: OrderedDict[tuple[str, str, bytes], TermPostings | None] = OrderedDict()

    def get(self, key: tuple[str, str, bytes]) -> TermPostings | None | bool:
        """The cached postings (None: the term is not in that segment); False if not cached."""
        try:
            entry = self.entries[key]
        except KeyError:
            return False
        self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple[str, str, bytes], entry: TermPostings | None) -> None:
        size = len(entry.ids) if entry is not None else 0
        if size > self.capacity:
            return
        old = self.entries.pop(key, False)
        if old:
            self.size -= len(old.ids)
        self.entries[key] = entry
        self.size += size
        while self.size > self.capacity:
            _, dropped = self.entries.popitem(last=False)
            if dropped is not None:
                self.size -= len(dropped.ids)

    def drop_segments(self, keep: set[str]) -> None:
        for key in [key for key in self.entries if key[0] not in keep]:
            dropped = self.entries.pop(key)
            if dropped is not None:
                self.size -= len(dropped.ids)


def read_postings(reader, fieldname: str, text: bytes) -> TermPostings | None:
    """All postings of a term in one segment reader (deleted documents included)."""
    if (fieldname, text) not in reader:
        return None
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):  # the deletions wrapper; applied by the caller
        matcher = matcher.child
    if type(matcher) is W3LeafMatcher and _leaf_matcher_readable(matcher):
        return _read_blocks(matcher)
    ids, weights, values = array("i"), array("f"), []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value())
        matcher.next()
    postings = TermPostings(ids, weights)
    postings.values = values
    return postings


def _leaf_matcher_readable(matcher) -> bool:
    return all(
        hasattr(matcher, name)
        for name in ("_atend", "_baseoffset", "_nextoffset", "_read_ids", "_read_weights")
    )


def _read_blocks(matcher: W3LeafMatcher) -> TermPostings:
    """Decode every block of a term's postings at once (Whoosh's matcher would go posting by
    posting), remembering each block's file offset for position look-ups."""
    ids, weights = array("i"), array("f")
    starts, offsets = array("i"), array("q")
    position = matcher._baseoffset
    while not matcher._atend:
        starts.append(len(ids))
        offsets.append(position)
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        position = matcher._nextoffset
        matcher._next_block()
    postings = TermPostings(ids, weights)
    postings.block_starts, postings.block_offsets = starts, offsets
    return postings


def read_lengths(reader, fieldname: str) -> bytes:
    """The encoded length (one byte a document) of a field in every document of a segment."""
    count = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    lenfield = _lenfield(fieldname)
    try:
        if not perdoc.has_column(lenfield):
            return bytes(count)
        column = perdoc.column_reader(lenfield, LENGTHS_COLUMN)
        data = column._dbfile.get(column._basepos, column._count)
    except AttributeError:  # not a whoosh3 segment: the public, slower way
        return bytes(
            _length_byte(reader.doc_field_length(docnum, fieldname, 0)) for docnum in range(count)
        )
    return bytes(data) + bytes(count - len(data))


def _length_byte(length: int | None) -> int:
    from whoosh.util.numeric import length_to_byte

    return length_to_byte(length or 0)


def read_numeric_column(reader, fieldname: str) -> array | list[int]:
    """A 64-bit integer column of a segment, as a list indexed by document number."""
    count = reader.doc_count_all()
    column = reader.column_reader(fieldname, translate=False)
    try:
        size = column._fixedlen
        data = column._dbfile.get(column._basepos, column._count * size)
        default = column._default
        if column._typecode != "q" or size != 8:
            raise AttributeError
    except AttributeError:
        return list(column)
    values = array("q")
    values.frombytes(bytes(data))
    if sys.byteorder == "little":  # Whoosh stores them big-endian
        values.byteswap()
    if len(values) < count:
        values.extend([default] * (count - len(values)))
    return values


@dataclass
class SegmentData:
    """What is kept of one segment across searchers: it never changes once written."""

    lengths: dict[str, bytes] = field(default_factory=dict)
    published: array | list[int] | None = None


class BlockValues:
    """The encoded positions of one block's postings, packed in one bytes object."""

    __slots__ = ("data", "ends")

    def __init__(self, values: list[bytes]) -> None:
        self.data = b"".join(values)
        self.ends = array("i", accumulate(len(value) for value in values))

    def __getitem__(self, index: int) -> bytes:
        start = self.ends[index - 1] if index else 0
        return self.data[start : self.ends[index]]


class PositionBlocks:
    """Positions of recently read posting blocks, for phrase checks."""

    def __init__(self, capacity: int = POSITION_BLOCKS_CACHE_SIZE) -> None:
        self.capacity = capacity
        self.blocks: OrderedDict[tuple, BlockValues] = OrderedDict()

    def get(self, key: tuple) -> BlockValues | None:
        values = self.blocks.get(key)
        if values is not None:
            self.blocks.move_to_end(key)
        return values

    def put(self, key: tuple, values: BlockValues) -> None:
        self.blocks[key] = values
        if len(self.blocks) > self.capacity:
            self.blocks.popitem(last=False)


def decode_positions(value: bytes) -> list[int]:
    """Positions from a Positions-format posting value (whoosh.formats.Positions)."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(pickle.loads(value[_INT_SIZE:])))


class PhraseChecker:
    """Tells whether a phrase occurs in a document of a segment (Whoosh's SpanNear2 with
    slop, mindist=1 and ordered=True: each word at most `slop` positions after the previous).
    Documents are best asked in increasing order: the current block of each word is kept."""

    def __init__(self, view: SegmentView, fieldname: str, words: list[bytes], slop: int) -> None:
        self.view = view
        self.fieldname = fieldname
        self.slop = slop
        self.words = [(word, view.postings(fieldname, word)) for word in words]
        self.current: dict[bytes, tuple[int, BlockValues]] = {}

    def __call__(self, docnum: int) -> bool:
        ends: set[int] | None = None
        slop = self.slop
        for word, postings in self.words:
            positions = self.positions(word, postings, docnum)
            if not positions:
                return False
            if ends is None:
                ends = set(positions)
                continue
            if slop == 1:
                ends = {position for position in positions if position - 1 in ends}
            else:
                reach: set[int] = set()
                for end in ends:
                    reach.update(range(end + 1, end + slop + 1))
                ends = reach.intersection(positions)
            if not ends:
                return False
        return True

    def positions(self, word: bytes, postings: TermPostings | None, docnum: int) -> list[int]:
        if postings is None:
            return []
        ids = postings.ids
        index = bisect_left(ids, docnum)
        if index == len(ids) or ids[index] != docnum:
            return []
        if postings.values is not None:
            return decode_positions(postings.values[index])
        starts = postings.block_starts
        block = bisect_right(starts, index) - 1
        current = self.current.get(word)
        if current is None or current[0] != block:
            values = self.view.block_values(
                self.fieldname, word, block, postings.block_offsets[block]
            )
            current = self.current[word] = (block, values)
        return decode_positions(current[1][index - starts[block]])


# Per searcher -------------------------------------------------------------------------------


class SegmentView:
    """One segment of the current searcher, with what queries need from it."""

    def __init__(self, engine: Engine, searcher: Searcher, offset: int, top: Searcher) -> None:
        self.engine = engine
        self.searcher = searcher
        self.reader = searcher.reader()
        self.offset = offset
        self.top = top
        self.segment_id = _segment_id(self.reader, offset)
        self.data = engine.segment_data(self.segment_id)
        self.deleted = self.reader.deleted_docs_set if self.reader.has_deletions() else frozenset()
        self.schema = self.reader.schema
        self.memo: dict[Node, object] = {}
        self.checked: dict[Node, dict[int, bool]] = {}
        self.checkers: dict[Node, PhraseChecker] = {}
        self.coordination: Coordination | None = None
        self._matchers: dict[tuple[str, bytes], object] = {}
        self._allowed: OrderedDict[str, frozenset[int]] = OrderedDict()

    def reset(self) -> None:
        """Forget the last query's intermediate results."""
        self.memo, self.checked, self.checkers = {}, {}, {}
        self.coordination = None

    # Data

    def lengths(self, fieldname: str) -> bytes:
        lengths = self.data.lengths.get(fieldname)
        if lengths is None:
            lengths = self.data.lengths[fieldname] = read_lengths(self.reader, fieldname)
        return lengths

    def published(self) -> array | list[int]:
        if self.data.published is None:
            self.data.published = read_numeric_column(self.reader, "published")
        return self.data.published

    def postings(self, fieldname: str, text: bytes) -> TermPostings | None:
        key = (self.segment_id, fieldname, text)
        cache = self.engine.postings
        entry = cache.get(key)
        if entry is False:
            entry = read_postings(self.reader, fieldname, text)
            cache.put(key, entry)
        return entry  # type: ignore[return-value]

    def term_scores(self, fieldname: str, text: bytes, boost: float) -> dict[int, Score]:
        """BM25F scores of the documents of a term, exactly as whoosh.scoring.BM25F gives
        them (then times `boost`, as a boosted Term's WrappingMatcher does)."""
        postings = self.scored_postings(fieldname, text)
        if postings is None:
            return {}
        if boost != 1.0:
            return dict(zip(postings.ids, map(mul, postings.scores, repeat(boost)), strict=True))
        return dict(zip(postings.ids, postings.scores, strict=True))

    def term_score_at(self, fieldname: str, text: bytes, boost: float, docnum: int) -> Score | None:
        """One document's `term_scores` entry, looked up in the term's postings."""
        postings = self.scored_postings(fieldname, text)
        if postings is None:
            return None
        ids = postings.ids
        index = bisect_left(ids, docnum)
        if index == len(ids) or ids[index] != docnum:
            return None
        score = postings.scores[index]
        return score * boost if boost != 1.0 else score

    def scored_postings(self, fieldname: str, text: bytes) -> TermPostings | None:
        """A term's postings with its `scores` up to date with the index statistics."""
        postings = self.postings(fieldname, text)
        if postings is None:
            return None
        idf = self.top.idf(fieldname, text)
        avgfl = self.top.avg_field_length(fieldname) or 1
        key = (idf, avgfl)
        if postings.scores_key != key:
            denominators = self.engine.denominators(fieldname, avgfl)
            lengths = self.lengths(fieldname)
            k1_plus_1 = self.engine.k1 + 1
            postings.scores = array(
                "d",
                [
                    idf * ((tf * k1_plus_1) / (tf + denominators[lengths[docnum]]))
                    for docnum, tf in zip(postings.ids, postings.weights, strict=True)
                ],
            )
            postings.scores_key = key
        return postings

    # Phrases

    def block_values(self, fieldname: str, text: bytes, block: int, offset: int) -> BlockValues:
        """The encoded positions of one block of a term's postings."""
        key = (self.segment_id, fieldname, text, block)
        blocks = self.engine.position_blocks
        values = blocks.get(key)
        if values is None:
            values = BlockValues(self._read_block_values(fieldname, text, offset))
            blocks.put(key, values)
        return values

    def _read_block_values(self, fieldname: str, text: bytes, offset: int) -> list[bytes]:
        matcher = self._matchers.get((fieldname, text))
        if matcher is None:
            matcher = self.reader.postings(fieldname, text)
            if isinstance(matcher, FilterMatcher):
                matcher = matcher.child
            self._matchers[(fieldname, text)] = matcher
        matcher._goto(offset)
        matcher._read_values()
        return list(matcher._values)

    # Filters

    def allowed(self, filters: Query, key: str, cache_size: int) -> frozenset[int]:
        found = self._allowed.get(key)
        if found is None:
            found = frozenset(self.searcher.docs_for_query(filters))
            self._allowed[key] = found
            if len(self._allowed) > cache_size:
                self._allowed.popitem(last=False)
        else:
            self._allowed.move_to_end(key)
        return found


def _segment_id(reader, offset: int) -> str:
    segment = reader.segment() if hasattr(reader, "segment") else None
    if segment is None:
        return f"offset-{offset}-{id(reader)}"
    return f"{segment.segment_id()}/{reader.doc_count_all()}"


# The engine ---------------------------------------------------------------------------------


@dataclass
class Found:
    """The best `limit` matches (global document number, score) and how many match."""

    hits: list[tuple[int, Score]]
    total: int
    estimated: bool
    timed_out: bool = False


@dataclass
class _Candidate:
    view: SegmentView
    evaluated: Evaluated


class Engine:
    """Term-at-a-time search over one index; one per backend, used under its lock."""

    def __init__(self, postings_cache_size: int = POSTINGS_CACHE_SIZE) -> None:
        self.postings = PostingsCache(postings_cache_size)
        self.position_blocks = PositionBlocks()
        self._segments: dict[str, SegmentData] = {}
        self._denominators: dict[tuple[str, float], list[float]] = {}
        self._views: list[SegmentView] = []
        self._searcher: Searcher | None = None
        self.k1, self.b, self.field_b = 1.2, 0.75, {}

    def release(self) -> None:
        """Let go of the searcher (it is being closed); cached segment data stays."""
        self._views, self._searcher = [], None

    def supports(self, searcher: Searcher) -> bool:
        return type(searcher.weighting) is BM25F

    def segment_data(self, segment_id: str) -> SegmentData:
        data = self._segments.get(segment_id)
        if data is None:
            data = self._segments[segment_id] = SegmentData()
        return data

    def denominators(self, fieldname: str, avgfl: float) -> list[float]:
        """K1 * ((1 - B) + B * length / avgfl) for each length byte, as BM25F computes it."""
        key = (fieldname, avgfl)
        table = self._denominators.get(key)
        if table is None:
            k1, b = self.k1, self.field_b.get(fieldname, self.b)
            table = [0.0] + [
                k1 * ((1 - b) + b * byte_to_length(code) / avgfl) for code in range(1, 256)
            ]
            if len(self._denominators) > 64:
                self._denominators.clear()
            self._denominators[key] = table
        return table

    def views(self, searcher: Searcher) -> list[SegmentView]:
        if searcher is not self._searcher:
            weighting = searcher.weighting
            self.k1, self.b = weighting.K1, weighting.B
            self.field_b = dict(weighting._field_B)
            self._views = [
                SegmentView(self, sub, offset, searcher)
                for sub, offset in searcher.leaf_searchers()
            ]
            self._searcher = searcher
            current = {view.segment_id for view in self._views}
            for segment_id in [key for key in self._segments if key not in current]:
                del self._segments[segment_id]
            self.postings.drop_segments(current)
        return self._views

    def search(
        self,
        searcher: Searcher,
        node: Node,
        *,
        limit: int,
        newest: bool = False,
        filters: Query | None = None,
        filter_cache_size: int = 16,
        exact_up_to: int = 1_000,
        seconds: float = 0.5,
    ) -> Found:
        deadline = time.monotonic() + seconds
        views = self.views(searcher)
        key = repr(filters)
        parts: list[_Candidate] = []
        for view in views:
            view.reset()
            evaluated = node.evaluate(view)
            _restrict(evaluated, view.deleted, exclude=True)
            if filters is not None:
                _restrict(evaluated, view.allowed(filters, key, filter_cache_size), exclude=False)
            parts.append(_Candidate(view, evaluated))
        search = _Search(parts, deadline, node)
        # The page first: if time runs short, the count is the part that gets estimated.
        hits = search.newest(limit) if newest else search.best(limit)
        total, estimated = search.count(exact_up_to)
        if search.timed_out:
            estimated = True
            total = max(total, len(hits))
        return Found(hits, total, estimated, search.timed_out)


def _largest(values: dict[int, float], count: int) -> list[tuple[int, float]]:
    """The `count` (docnum, value) of highest value, ties to the lower docnum, best first.

    (heapq.nlargest with a C key function, then a pass for the ties at the cut: dictionaries
    built by merging are not in document order.)"""
    if len(values) <= count:
        return sorted(values.items(), key=_rank)
    top = heapq.nlargest(count, values.items(), key=itemgetter(1))
    cut = top[-1][1]
    above = [item for item in top if item[1] > cut]
    tied = sorted(docnum for docnum, value in values.items() if value == cut)
    return above + [(docnum, cut) for docnum in tied[: count - len(above)]]


def _ascending(docnums: set[int], first: int) -> Iterator[int]:
    """The numbers in increasing order, without sorting them all when the first few (about
    `first`) are likely to be enough."""
    if len(docnums) <= 4 * first:
        yield from sorted(docnums)
        return
    head = heapq.nsmallest(2 * first, docnums)
    yield from head
    yield from sorted(docnum for docnum in docnums if docnum > head[-1])


def _rank(item: tuple[int, float]) -> tuple[float, int]:
    return -item[1], item[0]


def _restrict(evaluated: Evaluated, docs: frozenset[int], exclude: bool) -> None:
    scores = evaluated.scores
    if exclude:
        if not docs:
            return
        if len(docs) < len(scores):
            for docnum in docs:
                scores.pop(docnum, None)
        else:
            evaluated.scores = {d: s for d, s in scores.items() if d not in docs}
    else:
        evaluated.scores = {d: s for d, s in scores.items() if d in docs}
    if evaluated.loose:
        keys = evaluated.scores.keys()
        evaluated.loose &= keys
        evaluated.unsure &= keys


class _Search:
    """Counting and ranking over the evaluated candidates of every segment."""

    def __init__(self, parts: list[_Candidate], deadline: float, node: Node) -> None:
        self.parts = parts
        self.deadline = deadline
        self.node = node
        self.timed_out = False
        self._checks = 0

    def _tick(self) -> bool:
        """False once the deadline has passed (looked at every few documents)."""
        self._checks += 1
        if not self._checks % DEADLINE_CHECK_EVERY and time.monotonic() > self.deadline:
            self.timed_out = True
        return not self.timed_out

    def count(self, exact_up_to: int) -> tuple[int, bool]:
        everything = sum(len(part.evaluated.scores) for part in self.parts)
        doubtful = sum(len(part.evaluated.unsure) for part in self.parts)
        if not doubtful:
            return everything, False
        sure = everything - doubtful
        if sure > exact_up_to:
            # The count is an estimate anyway: a sample of the doubtful tells how many match.
            checked, confirmed = self._check_doubtful(ESTIMATE_SAMPLE, limit_checks=True)
            if checked == doubtful:
                return sure + confirmed, False
            return sure + round(doubtful * confirmed / max(checked, 1)), True
        checked, confirmed = self._check_doubtful(exact_up_to - sure + 1, limit_checks=False)
        if checked == doubtful:
            return sure + confirmed, False
        estimate = sure + round(doubtful * confirmed / max(checked, 1))
        return max(estimate, sure + confirmed), True

    def _check_doubtful(self, wanted: int, limit_checks: bool) -> tuple[int, int]:
        """Check doubtful documents in document order until `wanted` matched (or were
        checked, with limit_checks); returns (checked, matched)."""
        checked = confirmed = 0
        node = self.node
        for part in self.parts:
            view = part.view
            for docnum in _ascending(part.evaluated.unsure, wanted):
                if not self._tick():
                    return checked, confirmed
                checked += 1
                if node.contains(view, docnum):
                    confirmed += 1
                if (checked if limit_checks else confirmed) >= wanted:
                    return checked, confirmed
        return checked, confirmed

    def best(self, limit: int) -> list[tuple[int, Score]]:
        """The `limit` best (global docnum, score), best first, ties by document number."""
        if limit <= 0:
            return []
        loose = any(part.evaluated.loose for part in self.parts)
        if not loose:
            top = self._bounds(limit)
            return [(-negated, score) for score, negated in top]
        # Threshold algorithm: a document's upper bound is its score unless a phrase of it is
        # unchecked; take candidates by falling upper bound, check them, and stop when the
        # page's last exact score beats every upper bound not yet taken.
        # The first batch is checked whatever the time: a page is owed; later ones stop at
        # the deadline.
        batch = max(MIN_FIRST_BATCH, limit * FIRST_BATCH_FACTOR)
        first = True
        while True:
            bounds = self._bounds(batch + 1)
            exact = self._exact_scores(bounds[:batch], timed=not first)
            first = False
            page = heapq.nlargest(limit, exact)
            if len(bounds) <= batch or self.timed_out:
                break
            if len(page) == limit and page[-1] > bounds[batch]:
                break
            batch *= FIRST_BATCH_FACTOR
        return [(-negated, score) for score, negated in page]

    def _bounds(self, count: int) -> list[tuple[Score, int]]:
        """The `count` best (upper bound, -global docnum), best first."""
        best: list[tuple[Score, int]] = []
        for part in self.parts:
            offset = part.view.offset
            for docnum, score in _largest(part.evaluated.scores, count):
                best.append((score, -(offset + docnum)))
        best.sort(reverse=True)
        return best[:count]

    def _exact_scores(
        self, bounds: list[tuple[Score, int]], timed: bool
    ) -> list[tuple[Score, int]]:
        """Exact (score, -global docnum) of candidates; phrase checks in document order."""
        exact = []
        node = self.node
        for part, docnums in self._by_segment(-negated for _, negated in bounds):
            view, loose, scores = part.view, part.evaluated.loose, part.evaluated.scores
            offset = view.offset
            for docnum in docnums:
                if docnum not in loose:
                    exact.append((scores[docnum], -(offset + docnum)))
                    continue
                if timed and not self._tick():
                    break
                score = node.exact(view, docnum)
                if score is not None:
                    exact.append((score, -(offset + docnum)))
        return exact

    def _by_segment(self, global_docnums: Iterable[int]) -> list[tuple[_Candidate, list[int]]]:
        wanted = sorted(global_docnums)
        grouped = []
        for part in self.parts:
            start = part.view.offset
            end = start + part.view.reader.doc_count_all()
            local = [docnum - start for docnum in wanted if start <= docnum < end]
            if local:
                grouped.append((part, local))
        return grouped

    def newest(self, limit: int) -> list[tuple[int, Score]]:
        """The `limit` most recently published matches, newest first (ties: lower docnum)."""
        if limit <= 0:
            return []
        batch = max(MIN_FIRST_BATCH, limit * FIRST_BATCH_FACTOR)
        first = True
        while True:
            ordered = self._by_date(batch)
            found = []
            for number, (_, negated) in enumerate(ordered):
                docnum = -negated
                timed = not first or number >= batch // FIRST_BATCH_FACTOR
                score = self._exact_global(docnum, timed)
                if score is not None:
                    found.append((docnum, score))
                    if len(found) == limit:
                        return found
                if self.timed_out:
                    return found
            if len(ordered) < batch:
                return found
            first = False
            batch *= FIRST_BATCH_FACTOR

    def _by_date(self, count: int) -> list[tuple[int, int]]:
        """The `count` newest (published, -global docnum), newest first."""
        newest: list[tuple[int, int]] = []
        for part in self.parts:
            published = part.view.published()
            offset = part.view.offset
            dates = {docnum: published[docnum] for docnum in part.evaluated.scores}
            for docnum, date in _largest(dates, count):
                newest.append((date, -(offset + docnum)))
        newest.sort(reverse=True)
        return newest[:count]

    def _exact_global(self, global_docnum: int, timed: bool) -> Score | None:
        for part in self.parts:
            view = part.view
            docnum = global_docnum - view.offset
            if 0 <= docnum < view.reader.doc_count_all():
                if docnum not in part.evaluated.loose:
                    return part.evaluated.scores.get(docnum)
                if timed and not self._tick():
                    return None
                return self.node.exact(view, docnum)
        return None


# The other private parts of whoosh-reloaded the backend uses ------------------------------


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


def index_segments(ix: FileIndex) -> list:
    """The index's segments as its TOC lists them (for tidying by size tier)."""
    return ix._segments()


def add_segments(writer: IndexWriter, segments: list) -> None:
    """Copy these segments into the writer's new one (a merge policy's work)."""
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()


def cancel_writer(writer: IndexWriter) -> None:
    """Cancel a writer; MpWriter's helper processes are stopped too (its own cancel() only
    flags its copy of them, and they would wait for work forever, hanging the exit)."""
    for task in getattr(writer, "tasks", ()):
        task.terminate()
        task.join()
    writer.cancel()
