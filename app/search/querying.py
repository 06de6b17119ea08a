"""What both backends do with the member's words: the query plan, highlights and snippets, and
"did you mean".

A Plan says what a search text asks for in terms of the shared analysis (app/search/analysis.py)
and synonym list; each backend compiles it into its own queries (Whoosh query objects,
tsqueries). Highlights and snippets mark the plan's terms in the post's current text, and a
suggestion replaces the words no post uses by the closest known ones.
"""

from __future__ import annotations

import html
import os
import re
import string
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from whoosh import highlight
from whoosh.analysis.acore import Token

from app.search import SearchQuery, clean_query_text
from app.search.analysis import (
    JOINERS,
    SPELLING_ANALYZER,
    analyze,
    is_word_char,
    marked_tokens,
    matched_words,
)
from app.search.synonyms import SynonymExpander, SynonymFile, SynonymGroups, Terms

SYNONYM_BOOST = 0.7
SYNONYM_PHRASE_SLOP = 3
PLAN_CACHE_SIZE = 256
SNIPPET_CHARS = 200
SNIPPET_SCAN = 10_000  # a match further into a long post gives the post's opening instead
MIN_SUGGEST_LENGTH = 4
PUNCTUATION = string.punctuation + "‘’“”«»…"
OPERATOR_WORDS = frozenset({"AND", "OR", "&&", "||"})
# Small words of multi-word synonyms ("missed my", "changed to") are not worth a highlight.
HIGHLIGHT_SKIP = frozenset(
    {"a", "an", "and", "for", "in", "is", "my", "of", "on", "or", "the", "to", "with"}
)

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


@dataclass(frozen=True)
class Concept:
    """One thing the query asks for: the terms typed (a word, or a phrase whose words may stand
    up to `slop` positions apart) and the synonym list's alternatives to them."""

    typed: Terms
    alternatives: tuple[Terms, ...] = ()
    slop: int = 1


@dataclass(frozen=True)
class Plan:
    """Every concept must match (or, relaxed, any); no excluded phrase may."""

    concepts: tuple[Concept, ...]
    excluded: tuple[Terms, ...]
    highlight_terms: frozenset[str]
    spelling_words: tuple[tuple[int, int, str], ...]


class Planner:
    """Turns search text into a Plan, expanding synonyms of unquoted words (cached: the body
    snippets of a results page read the same text again)."""

    def __init__(self, expander: SynonymExpander) -> None:
        self.expander = expander
        self.plan = lru_cache(maxsize=PLAN_CACHE_SIZE)(self._plan)

    def _plan(self, text: str) -> Plan:
        concepts: list[Concept] = []
        excluded: list[Terms] = []
        highlights: set[str] = set()
        spelling: list[tuple[int, int, str]] = []
        run: list[str] = []
        for clause in split_clauses(text):
            terms = tuple(analyze(clause.text))
            if clause.negated:
                excluded += [terms] if terms else []
                continue
            spelling.extend(clause_spelling_words(clause))
            if not clause.quoted:
                run.extend(terms)
                continue
            concepts += self._synonym_concepts(run, highlights)
            run = []
            if terms:
                concepts.append(Concept(terms))
                highlights.update(terms)
        concepts += self._synonym_concepts(run, highlights)
        return Plan(tuple(concepts), tuple(excluded), frozenset(highlights), tuple(spelling))

    def _synonym_concepts(self, terms: list[str], highlights: set[str]) -> list[Concept]:
        concepts = []
        for segment in self.expander.segment(terms):
            concepts.append(Concept(segment.terms, segment.alternatives, SYNONYM_PHRASE_SLOP))
            for alternative in (segment.terms, *segment.alternatives):
                highlights.update(highlightable(alternative))
        return concepts


def highlightable(terms: Terms) -> Iterator[str]:
    if len(terms) == 1:
        yield from terms
        return
    yield from (term for term in terms if term not in HIGHLIGHT_SKIP and len(term) > 1)


def clause_spelling_words(clause: Clause) -> Iterator[tuple[int, int, str]]:
    for token in SPELLING_ANALYZER(clause.text, chars=True, mode="query"):
        yield clause.start + token.startchar, clause.start + token.endchar, token.text


@dataclass(frozen=True)
class Vocabulary:
    planner: Planner
    synonym_words: frozenset[str]
    groups: SynonymGroups


def synonym_vocabulary(groups: SynonymGroups) -> frozenset[str]:
    """Words of the synonym list: a misspelt brand name is corrected even if no post uses it."""
    return frozenset(
        term
        for group in groups.groups
        for entry in group
        for term in analyze(entry, SPELLING_ANALYZER)
        if len(term) >= MIN_SUGGEST_LENGTH
    )


class PlannedSearch:
    """The part of a backend that reads queries: plans from the synonym file in force, the
    highlights of a post's current title and body, and reloading the synonyms."""

    def __init__(self, synonyms_path: str | os.PathLike[str] | None) -> None:
        self._synonym_file = SynonymFile(synonyms_path)
        self._vocabulary: Vocabulary | None = None

    def highlight_body(self, text: str, query: SearchQuery) -> str:
        return highlight_body(text, self._plan(query.text).highlight_terms)

    def highlight_title(self, title: str, query: SearchQuery) -> str:
        return highlight_title(title, self._plan(query.text).highlight_terms)

    def reload_synonyms(self) -> int:
        groups = self._synonym_file.reload()
        self._vocabulary = None
        return len(groups.groups)

    def _plan(self, text: str) -> Plan:
        return self._current_vocabulary().planner.plan(clean_query_text(text))

    def _current_vocabulary(self) -> Vocabulary:
        groups = self._synonym_file.current()
        vocabulary = self._vocabulary
        if vocabulary is None or vocabulary.groups is not groups:
            expander = SynonymExpander(groups, lambda entry: tuple(analyze(entry)))
            vocabulary = Vocabulary(Planner(expander), synonym_vocabulary(groups), groups)
            self._vocabulary = vocabulary
        return vocabulary


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


def spelling_words(*texts: str) -> str:
    """The words worth suggesting, each once: the spelling field only needs the vocabulary."""
    words = {word.strip(PUNCTUATION) for text in texts for word in text.lower().split()}
    return " ".join(word for word in words if len(word) >= MIN_SUGGEST_LENGTH and word.isalpha())


def words_to_check(plan: Plan, synonym_words: frozenset[str]) -> list[tuple[int, int, str]]:
    """The query's words that could be misspelt: long enough, letters only, not a synonym."""
    return [
        (start, end, word)
        for start, end, word in plan.spelling_words
        if len(word) >= MIN_SUGGEST_LENGTH and word.isalpha() and word not in synonym_words
    ]


def closest_word(
    word: str, known_within: Callable[[int], Sequence[str]], synonym_words: frozenset[str]
) -> str | None:
    """The closest known word: index words first (`known_within(distance)`, best first), then
    the synonym list, one edit before two."""
    max_distance = 1 if len(word) < 6 else 2
    for distance in range(1, max_distance + 1):
        if found := known_within(distance):
            return found[0]
        close = sorted(w for w in synonym_words if edit_distance(word, w, distance) <= distance)
        if close:
            return close[0]
    return None


def suggestion(
    text: str, asked: list[tuple[int, int, str]], correct: Callable[[str], str | None]
) -> str | None:
    """The text with each asked word `correct` knows better replaced; None if none is."""
    replacements = [(start, end, better) for start, end, word in asked if (better := correct(word))]
    suggested = text
    for start, end, better in reversed(replacements):
        suggested = suggested[:start] + better + suggested[end:]
    return suggested if suggested != text else None


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
