"""Whoosh analyzers for how patients and clinicians write about medicines.

Tokens keep their inner hyphens, dots and apostrophes, so 6-MP, 6-TGN, 50mg, NUDT15 and
"didn't" stay whole; accents are folded; English stemming makes dose, doses and dosing one
term. Nothing is dropped as a stop word: "not", "never", "without" and "stopped" change what a
sentence means about a medicine.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import (
    CharsetFilter,
    Composable,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
)
from whoosh.analysis.acore import Token
from whoosh.support.charset import accent_map

TOKEN_PATTERN = r"\w+(?:[-.'’]\w+)*"
POSSESSIVE = "'s"
MIN_HYPHEN_PART = 3


class ApostropheFilter(Filter):
    """Curly apostrophes become straight ones and a possessive 's is dropped (Crohn's -> crohn)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            text = token.text.replace("’", "'")
            if text.endswith(POSSESSIVE) and len(text) > len(POSSESSIVE):
                text = text[: -len(POSSESSIVE)]
            token.text = text
            yield token


class HyphenPartsFilter(Filter):
    """At index time, also index the word parts of hyphenated words (azathioprine-induced).

    Parts must be alphabetic and at least three letters, so 6-MP does not also index "mp".
    Queries are not split: searching "6-MP" looks for the whole token only.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            yield token
            if token.mode != "index" or "-" not in token.text:
                continue
            whole = token.text
            for part in whole.split("-"):
                if len(part) >= MIN_HYPHEN_PART and part.isalpha():
                    token.text = part
                    yield token
            token.text = whole


def _word_tokens() -> Composable:
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | ApostropheFilter()
    )


def medical_analyzer() -> Composable:
    """The analyzer of the searchable text fields (title, body, tag names)."""
    return _word_tokens() | HyphenPartsFilter() | StemFilter()


def spelling_analyzer() -> Composable:
    """Unstemmed words, for "did you mean" suggestions that are real words."""
    return _word_tokens()


MEDICAL_ANALYZER = medical_analyzer()
SPELLING_ANALYZER = spelling_analyzer()


def analyze(text: str, analyzer: Composable = MEDICAL_ANALYZER) -> list[str]:
    """The terms a query for `text` looks up."""
    return [token.text for token in analyzer(text, mode="query")]
