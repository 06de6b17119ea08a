"""Whoosh analyzers for how patients and clinicians write about medicines.

Tokens keep their inner hyphens, dots and apostrophes, so 6-MP, 6-TGN, 50mg, NUDT15 and
"didn't" stay whole; accents are folded; English stemming makes dose, doses and dosing one
term (Porter2: Whoosh's default Porter stemmer turns "stopped" into "stopp", not "stop").
Nothing is dropped as a stop word: "not", "never", "without" and "stopped" change what a
sentence says about a medicine.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from functools import lru_cache

from whoosh.analysis import Composable, Filter, RegexTokenizer
from whoosh.analysis.acore import Token
from whoosh.lang.porter2 import stem as porter2_stem
from whoosh.support.charset import accent_map

TOKEN_PATTERN = r"\w+(?:[-.'’]\w+)*"
TOKEN_REST = r"\w*(?:[-.'’]\w+)*"  # TOKEN_PATTERN after its first characters
POSSESSIVE = "'s"
MIN_HYPHEN_PART = 3

FORMS_CACHE_SIZE = 200_000

stem = lru_cache(maxsize=100_000)(porter2_stem)


class WordFilter(Filter):
    """Lowercase, fold accents, straighten apostrophes, drop a possessive 's, maybe stem.

    One filter rather than a chain of five: indexing runs it for every word of every post, so
    the terms of each distinct word are worked out once (`word_forms`) and then looked up.
    With `hyphen_parts`, index time also emits the alphabetic parts (three letters or more) of
    a hyphenated word, so "azathioprine-induced" is found by "azathioprine" while 6-MP does not
    index "mp"; queries are never split, so searching "6-MP" looks for the whole token only.
    """

    is_morph = True

    def __init__(self, *, stemming: bool, hyphen_parts: bool) -> None:
        self.stemming = stemming
        self.hyphen_parts = hyphen_parts

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stemming, hyphen_parts = self.stemming, self.hyphen_parts
        for token in tokens:
            forms = word_forms(token.text, stemming, hyphen_parts and token.mode == "index")
            for form in forms:
                token.text = form
                yield token


@lru_cache(maxsize=FORMS_CACHE_SIZE)
def word_forms(text: str, stemming: bool, hyphen_parts: bool) -> tuple[str, ...]:
    """The terms one word of text becomes: itself, then (maybe) its hyphenated parts."""
    text = normalize_word(text)
    forms = [stem(text) if stemming else text]
    if hyphen_parts and "-" in text:
        for part in text.split("-"):
            if len(part) >= MIN_HYPHEN_PART and part.isalpha():
                forms.append(stem(part) if stemming else part)
    return tuple(forms)


def normalize_word(text: str) -> str:
    text = text.lower()
    if not text.isascii():
        text = text.translate(accent_map).replace("’", "'")
    if text.endswith(POSSESSIVE) and len(text) > len(POSSESSIVE):
        text = text[: -len(POSSESSIVE)]
    return text


def medical_analyzer() -> Composable:
    """The analyzer of the searchable text fields (title, body, tag names)."""
    return RegexTokenizer(TOKEN_PATTERN) | WordFilter(stemming=True, hyphen_parts=True)


def spelling_analyzer() -> Composable:
    """Unstemmed words, for "did you mean" suggestions that are real words."""
    return RegexTokenizer(TOKEN_PATTERN) | WordFilter(stemming=False, hyphen_parts=False)


MEDICAL_ANALYZER = medical_analyzer()
SPELLING_ANALYZER = spelling_analyzer()


def analyze(text: str, analyzer: Composable = MEDICAL_ANALYZER) -> list[str]:
    """The terms a query for `text` looks up."""
    return [token.text for token in analyzer(text, mode="query")]


TOKEN = re.compile(TOKEN_PATTERN)
# Token -> query term, for snippets (a plain dictionary: cheaper to consult than lru_cache).
QUERY_TERMS: dict[str, str] = {}


def query_term(word: str) -> str:
    """The term MEDICAL_ANALYZER makes of one token in query mode (cached by the token)."""
    term = QUERY_TERMS.get(word)
    if term is None:
        if len(QUERY_TERMS) >= FORMS_CACHE_SIZE:
            QUERY_TERMS.clear()
        term = QUERY_TERMS[word] = word_forms(word, True, False)[0]
    return term


# A term keeps the first two characters of its word: lower case and the stemmer's changes to
# endings leave them, except in these words (and in terms under three characters).
STEMS_CHANGING_SECOND_LETTER = {"dying": "die", "lying": "lie", "tying": "tie"}
JOINERS = "-.'’"  # join two runs of word characters into one token (TOKEN_PATTERN)


def matched_words(text: str, terms: frozenset[str], limit: int) -> list[tuple[int, int]]:
    """(start, end) of each token of `text`, ending within `limit` characters, whose query term
    is in `terms`. In plain ASCII text only the tokens that open like a term are looked up."""
    pattern = _opening_pattern(terms) if text.isascii() and terms else None
    if pattern is None:
        candidates = (match.span() for match in TOKEN.finditer(text))
    else:
        candidates = _tokens_opening_like(text, pattern)
    known = QUERY_TERMS.get
    found = []
    for start, end in candidates:
        if end > limit:
            break
        word = text[start:end]
        if (known(word) or query_term(word)) in terms:
            found.append((start, end))
    return found


def _tokens_opening_like(text: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of the tokens of ASCII `text` that open with one of the pattern's openings.
    The pattern is found in the lower-cased text: it opens with nothing but literals, which the
    regex engine looks for quickly (a leading look-behind or IGNORECASE made it try every
    position), and runs on to the end of the token; whether it opens one is checked here. A
    match inside a word runs to that word's end, so it hides no token start."""
    for match in pattern.finditer(text.lower()):
        start = match.start()
        if start and is_word_char(text[start - 1]):
            continue  # inside a word
        if start >= 2 and text[start - 1] in JOINERS and is_word_char(text[start - 2]):
            continue  # inside a token such as "6-mp" or "e.g"
        yield match.span()


@lru_cache(maxsize=256)
def _opening_pattern(terms: frozenset[str]) -> re.Pattern[str] | None:
    """A token opening with the lower-case first two characters of a word that may become
    one of `terms`; None if a term is too short for the first-two-characters rule."""
    openings = set()
    for term in terms:
        if len(term) < 3:
            return None
        openings.add(term[:2].lower())
        openings.update(w[:2] for w, stem in STEMS_CHANGING_SECOND_LETTER.items() if stem == term)
    alternatives = "|".join(re.escape(opening) for opening in sorted(openings))
    return re.compile(rf"(?:{alternatives}){TOKEN_REST}")


def is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def marked_tokens(text: str, terms: Collection[str]) -> Iterator[Token]:
    """MEDICAL_ANALYZER's query-mode tokens of `text` with character offsets, each marked
    `matched` when its term is in `terms`: what whoosh.highlight feeds its fragmenters, in one
    step instead of a tokenizer, a filter and a matching filter, for snippets of long posts.
    Like Whoosh's tokenizers, it yields one Token object, changed in place."""
    token = Token(positions=False, chars=True, removestops=False, mode="query")
    known = QUERY_TERMS.get
    for match in TOKEN.finditer(text):
        word = match.group()
        term = known(word) or query_term(word)
        token.text = term
        token.boost = 1.0
        token.stopped = False
        token.startchar = match.start()
        token.endchar = match.end()
        token.matched = term in terms
        yield token
