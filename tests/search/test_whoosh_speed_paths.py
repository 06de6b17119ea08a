"""The Whoosh backend's term-at-a-time engine (app/search/whoosh_engine.py) gives Whoosh's answers.

Each query is also answered the slow, plain way: Whoosh scores every match (no top-N collector,
no block skipping) and the matches are sorted by score, then document number. The engine must
give the same posts in the same order, with the same scores, and the same total whenever it
says the total is exact; over several segments, with deleted and replaced posts, filters,
newest-first, pages, synonyms (with multi-word, sloppy phrases), quoted phrases and exclusions.
"""

from __future__ import annotations

import html
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from whoosh import highlight
from whoosh.query import Or, Phrase

from app.search import SearchDocument, SearchQuery, querying, whoosh_engine
from app.search import whoosh_backend as backend_module
from app.search.analysis import MEDICAL_ANALYZER, marked_tokens, matched_words
from app.search.whoosh_backend import WhooshBackend, filter_query, whoosh_queries
from app.search.whoosh_engine import Unsupported, compile_query

COMMON = "the and of to a in is with for on blood cells side effects signs symptoms".split()
RARE = (
    "azathioprine imuran liver hepatitis lupus dose missed forgot rash marrow bone white red "
    "pressure high risk factors immune system family history changed switch tpmt nausea"
).split()
TAGS = ["azathioprine", "lupus", "blood-tests", "side-effects"]
KINDS = ["question", "experience", "article"]
ROLES = ["patient", "provider"]
START = datetime(2024, 1, 1, tzinfo=UTC)

QUERIES = [
    SearchQuery("blood"),
    SearchQuery("the"),
    SearchQuery("azathioprine"),  # synonyms: imuran, azasan, aza
    SearchQuery("lupus"),  # synonyms include a three-word phrase
    SearchQuery("missed dose"),  # synonyms are sloppy phrases ("forgot to take", ...)
    SearchQuery("switching to azathioprine"),
    SearchQuery("liver hepatitis"),
    SearchQuery("bone marrow"),
    SearchQuery('"blood cells"'),
    SearchQuery('"white blood cells"'),
    SearchQuery('"signs and symptoms"'),
    SearchQuery('"side effects" rash'),
    SearchQuery("blood -cells"),
    SearchQuery("azathioprine -lupus -rash"),
    SearchQuery("blood", tag="lupus"),
    SearchQuery('"blood cells"', tag="side-effects"),
    SearchQuery("the", kind="article", role="provider"),
    SearchQuery("blood", sort="newest"),
    SearchQuery('"side effects"', sort="newest"),
    SearchQuery("lupus", tag="azathioprine", sort="newest"),
    SearchQuery("the", page=3),
    SearchQuery('"blood cells"', page=2, per_page=7),
    SearchQuery("nothingmatchesthis"),
    # Nothing has every word: the relaxed OR, with Whoosh's coordination bonus.
    SearchQuery("blood zzzqqq"),
    SearchQuery("lupus azathioprine zzzqqq rash"),
    SearchQuery('"white blood cells" zzzqqq marrow'),
    SearchQuery("missed dose zzzqqq", tag="lupus"),
    SearchQuery("imuran zzzqqq -rash", sort="newest"),
]


def text(rng: random.Random, words: int) -> str:
    vocabulary = COMMON * 3 + RARE
    chunks = []
    while len(chunks) < words:
        roll = rng.random()
        if roll < 0.08:
            chunks += ["white", "blood", "cells"]
        elif roll < 0.14:
            chunks += ["signs", "and", "symptoms"]
        elif roll < 0.18:
            chunks += ["forgot", "to", "take", "my", "dose"]
        elif roll < 0.2:
            chunks += ["systemic", "lupus", "erythematosus"]
        else:
            chunks.append(rng.choice(vocabulary))
    return " ".join(chunks)


def documents(first: int, count: int, seed: int) -> list[SearchDocument]:
    rng = random.Random(seed)
    docs = []
    for post_id in range(first, first + count):
        tags = rng.sample(TAGS, rng.randint(0, 2))
        docs.append(
            SearchDocument(
                post_id=post_id,
                title=text(rng, rng.randint(2, 8)),
                body_text=text(rng, rng.randint(5, 300)),
                tags=tags,
                tag_names=[tag.replace("-", " ") for tag in tags],
                kind=rng.choice(KINDS),
                author_role=rng.choice(ROLES),
                author_username=f"member{post_id % 7}",
                published_at=START + timedelta(hours=rng.randint(0, 5000)),
            )
        )
    return docs


@pytest.fixture(scope="module")
def engine_backend(tmp_path_factory):
    """Three segments: a rebuild, then posts added, edited and removed the outbox's way."""
    backend = WhooshBackend(tmp_path_factory.mktemp("speed") / "index")
    backend.rebuild(documents(1, 900, seed=1))
    backend.index(documents(901, 250, seed=2))
    backend.index(documents(5, 40, seed=3))  # new versions of posts 5-44
    backend.remove(range(100, 160))
    backend.index(documents(1151, 120, seed=4))
    yield backend
    backend.close()


def reference(backend: WhooshBackend, query: SearchQuery) -> tuple[list[tuple[int, float]], int]:
    """(post id, score) of every match in ranking order, by Whoosh scoring each match."""
    queries = whoosh_queries(backend._plan(query.text))
    whoosh_query = queries.strict
    if whoosh_query is None:
        return [], 0
    searcher = backend._up_to_date_searcher()
    options: dict = {"limit": None}
    if (filters := filter_query(query)) is not None:
        options["filter"] = filters
    matches = [(hit.docnum, hit.score) for hit in searcher.search(whoosh_query, **options)]
    if not matches and queries.relaxed is not None:  # as the backend does
        matches = stepped(searcher, queries.relaxed, filter_query(query))
    if query.sort == "newest":
        dates = {docnum: _published(searcher, docnum) for docnum, _ in matches}
        matches.sort(key=lambda match: (-dates[match[0]], match[0]))
    else:
        matches.sort(key=lambda match: (-match[1], match[0]))
    ranked = [(int(searcher.stored_fields(docnum)["post_id"]), score) for docnum, score in matches]
    return ranked, len(ranked)


def stepped(searcher, whoosh_query, filters) -> list[tuple[int, float]]:
    """Every match and its score, stepping Whoosh's matchers one document at a time.

    For the relaxed query's coordination bonus (CoordMatcher: how many of the query's terms a
    document has), which Whoosh's own collectors undercount: they may read matches without
    moving every sub-matcher onto the document, and in segments of 5,000 posts or fewer an OR
    pre-reads its sub-matchers (ArrayUnionMatcher), so none is ever on the current document.
    The engine gives the bonus as CoordMatcher defines it; so does this, with binary unions.
    """
    allowed = set(searcher.docs_for_query(filters)) if filters is not None else None
    matches = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Or, "matcher_type", Or.DEFAULT_MATCHER)
        for subsearcher, offset in searcher.leaf_searchers():
            matcher = whoosh_query.matcher(subsearcher, subsearcher.context(needs_current=True))
            while matcher.is_active():
                docnum = offset + matcher.id()
                if allowed is None or docnum in allowed:
                    matches.append((docnum, matcher.score()))
                matcher.next()
    return matches


def _published(searcher, docnum: int) -> int:
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        if offset <= docnum < offset + reader.doc_count_all():
            return reader.column_reader("published")[docnum - offset]
    raise AssertionError(docnum)


def test_the_index_has_several_segments_and_deletions(engine_backend):
    searcher = engine_backend._up_to_date_searcher()
    leaves = searcher.leaf_searchers()
    assert len(leaves) >= 2
    assert any(sub.reader().has_deletions() for sub, _ in leaves)
    assert engine_backend.doc_count() == 1270 - 60


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: repr(query.text))
def test_the_engine_ranks_and_counts_as_whoosh_does(engine_backend, query, monkeypatch):
    used = []
    real_search = whoosh_engine.Engine.search

    def spy(self, *args, **kwargs):
        used.append(True)
        return real_search(self, *args, **kwargs)

    monkeypatch.setattr(whoosh_engine.Engine, "search", spy)
    page = engine_backend.search(query)
    expected, total = reference(engine_backend, query)

    assert used or total == 0
    start = (query.page - 1) * query.per_page
    wanted = expected[start : start + query.per_page]
    assert page.post_ids == [post_id for post_id, _ in wanted]
    if query.sort == "relevance":
        assert [hit.score for hit in page.hits] == pytest.approx([score for _, score in wanted])
    if page.total_is_estimate:  # only for a phrase over more posts than the exact bound
        assert total > backend_module.EXACT_COUNT_UP_TO
        assert total * 0.8 < page.total < total * 1.25
    else:
        assert page.total == total


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery('"signs and symptoms"'),
        SearchQuery('"white blood cells"'),
        SearchQuery("missed dose"),
        SearchQuery("blood"),
        SearchQuery('"blood cells"', sort="newest"),
    ],
    ids=lambda query: repr(query.text),
)
def test_counts_are_exact_up_to_the_bound_and_estimated_beyond(engine_backend, query, monkeypatch):
    expected, total = reference(engine_backend, query)
    assert total > 60
    for bound in (20, 60, total - 1, total, total + 5):
        monkeypatch.setattr(backend_module, "EXACT_COUNT_UP_TO", bound)
        page = engine_backend.search(query)
        assert page.post_ids == [post_id for post_id, _ in expected[: query.per_page]]
        if page.total_is_estimate:
            assert total > bound  # an estimate only when the real count is over the bound
            assert page.total > bound
            assert total / 2 < page.total < total * 2
        else:
            assert page.total == total


def test_a_long_page_matches(engine_backend):
    query = SearchQuery('"signs and symptoms" blood', per_page=100)
    expected, total = reference(engine_backend, query)
    assert total > 100
    page = engine_backend.search(query)
    assert page.post_ids == [post_id for post_id, _ in expected[:100]]


def test_shapes_the_engine_leaves_to_whoosh_still_answer(engine_backend):
    queries = whoosh_queries(engine_backend._plan('blood -"side effects"'))
    with pytest.raises(Unsupported):
        compile_query(queries.strict)

    query = SearchQuery('blood -"side effects"')
    expected, total = reference(engine_backend, query)
    page = engine_backend.search(query)
    assert page.total == total
    assert set(page.post_ids) <= {post_id for post_id, _ in expected}


def test_an_engine_failure_falls_back_to_whoosh(engine_backend, monkeypatch, caplog):
    def broken(self, *args, **kwargs):
        raise RuntimeError("a bug in the fast path")

    monkeypatch.setattr(whoosh_engine.Engine, "search", broken)
    expected, total = reference(engine_backend, SearchQuery("azathioprine"))

    page = engine_backend.search(SearchQuery("azathioprine"))

    assert page.total == total
    assert page.post_ids[0] == expected[0][0]
    assert "fast search path failed" in caplog.text


def test_changes_show_up_and_deleted_posts_never_do(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    try:
        backend.rebuild(documents(1, 200, seed=5))
        before = backend.search(SearchQuery("blood", per_page=50)).post_ids
        backend.remove(before[:10])
        backend.index([documents(before[10], 1, seed=6)[0]])
        after = backend.search(SearchQuery("blood", per_page=100))

        assert not set(before[:10]) & set(after.post_ids)
        expected, total = reference(backend, SearchQuery("blood", per_page=100))
        assert after.post_ids == [post_id for post_id, _ in expected[:100]]
        assert after.total == total
    finally:
        backend.close()


def test_the_fast_readers_are_the_ones_in_use(engine_backend):
    """The engine reads whoosh-reloaded 2.7.5 internals (with slower fallbacks); a Whoosh
    upgrade that moves them must show up here, not as a quiet slowdown."""
    searcher = engine_backend._up_to_date_searcher()
    subsearcher, _ = max(searcher.leaf_searchers(), key=lambda leaf: leaf[0].doc_count_all())
    reader = subsearcher.reader()

    postings = whoosh_engine.read_postings(reader, "body", b"the")
    assert postings is not None and postings.block_starts is not None
    assert len(postings.block_starts) > 1  # several blocks, each found again by offset
    matcher = reader.postings("body", b"the")
    expected_ids = list(matcher.all_ids()) if not reader.has_deletions() else None
    if expected_ids is not None:
        assert list(postings.ids) == expected_ids

    lengths = whoosh_engine.read_lengths(reader, "body")
    assert len(lengths) == reader.doc_count_all()
    for docnum in range(0, reader.doc_count_all(), 37):
        if not reader.is_deleted(docnum):
            assert whoosh_engine.byte_to_length(lengths[docnum]) == reader.doc_field_length(
                docnum, "body"
            )
    published = whoosh_engine.read_numeric_column(reader, "published")
    column = reader.column_reader("published")
    assert list(published) == [column[docnum] for docnum in range(reader.doc_count_all())]


def test_phrase_checks_follow_whoosh_positions(engine_backend):
    """Every phrase candidate of a segment is checked the engine's way and Whoosh's way."""
    searcher = engine_backend._up_to_date_searcher()
    for words, slop in (([b"white", b"blood", b"cell"], 1), ([b"forgot", b"dose"], 3)):
        query = Phrase("body", [word.decode() for word in words], slop=slop)
        whoosh_matches = set(searcher.docs_for_query(query))
        engine = whoosh_engine.Engine()
        found = set()
        for view in engine.views(searcher):
            view.reset()
            node = compile_query(query)
            evaluated = node.evaluate(view)
            found |= {
                view.offset + docnum
                for docnum in evaluated.unsure
                if docnum not in view.deleted and node.exact(view, docnum) is not None
            }
        assert found == whoosh_matches


@pytest.mark.parametrize(
    "text",
    [
        "Started Imuran (azathioprine) 50mg; didn’t notice café-au-lait spots. 6-MP & 6-TGN.",
        "Patient's ALT/AST rose — TPMT normal, NUDT15 pending... Doses, dosing, dosed!",
        "",
        "   \n\t",
    ],
)
def test_snippet_tokens_are_the_analyzers(text):
    terms = {"azathioprin", "dose", "alt", "6-mp", "cafe-au-lait"}
    expected = [
        (token.text, token.startchar, token.endchar, token.text in terms)
        for token in MEDICAL_ANALYZER(text, chars=True, mode="query", removestops=False)
    ]
    found = [
        (token.text, token.startchar, token.endchar, token.matched)
        for token in marked_tokens(text, terms)
    ]
    assert found == expected


AWKWARD_WORDS = [
    "Dying", "lying", "tying", "die", "LIE", "ties", "x-dose", "dose-related", "a.blood",
    "blood's", "Blood.", "6-MP", "6-mp's", "e.g.", "pre-dose", "Doses", "_dose", "dose_",
    "bloodbloodbloodbloodbloodbloodbloodbloodbloodbloodbloodblood", "'dose", "dose'", ".-dose",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", ", ", ". ", "\n\n", " - ", " (", ") ", "... ", "/", " -- ", "-"]
SNIPPET_TERMS = [
    {"blood", "cell"},
    {"dose", "6-mp"},
    {"die", "lie", "tie"},
    {"azathioprin", "imuran", "aza"},
    {"sign", "symptom", "nomatch"},
]


def awkward_text(rng: random.Random, words: int) -> str:
    """Words from `text` and edge cases for where a token starts, between varied separators."""
    pieces = []
    for word in text(rng, words).split(" "):
        pieces.append(rng.choice(AWKWARD_WORDS) if rng.random() < 0.05 else word)
        pieces.append(rng.choice(SEPARATORS))
    return "".join(pieces)


def analyzer_matches(body: str, terms, limit: int) -> list[tuple[int, int]]:
    return [
        (token.startchar, token.endchar)
        for token in MEDICAL_ANALYZER(body, chars=True, mode="query", removestops=False)
        if token.text in terms and token.endchar <= limit
    ]


def test_matched_words_are_the_analyzers_matches():
    """The shortcut that looks up only the words opening like a term finds every word the
    analyzer matches, in plain ASCII text and (reading every word) in text with accents."""
    rng = random.Random(7)
    bodies = [awkward_text(rng, rng.choice([3, 60, 400, 1800])) for _ in range(150)]
    bodies += ["Café naïve: didn’t take 6-MP, dose’s dying. " * 30, "", "   "]
    for number, body in enumerate(bodies):
        terms = frozenset(SNIPPET_TERMS[number % len(SNIPPET_TERMS)])
        for limit in (querying.SNIPPET_SCAN, 500):
            assert matched_words(body, terms, limit) == analyzer_matches(body, terms, limit)


def test_a_snippet_shows_the_stretch_with_the_most_matches():
    filler = "nothing to see in this part of the story at all. " * 6
    body = f"One dose here. {filler}Then dose after dose after dose, said the note. {filler}"

    snippet = querying.highlight_body(body, {"dose"})

    assert snippet.count("<mark>dose</mark>") == 3
    assert "One dose" not in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")


def test_among_equal_stretches_the_earliest_is_shown():
    filler = "words that carry no match at all, one after another. " * 6
    body = f"{filler}first blood test {filler}second blood test {filler}"

    snippet = querying.highlight_body(body, {"blood"})

    assert "first <mark>blood</mark>" in snippet
    assert "second" not in snippet


def test_snippets_are_cut_between_words_and_stay_short():
    rng = random.Random(3)
    limit = querying.SNIPPET_CHARS
    for number in range(120):
        body = awkward_text(rng, rng.choice([20, 300, 1500]))
        terms = frozenset(SNIPPET_TERMS[number % len(SNIPPET_TERMS)])
        words = matched_words(body, terms, querying.SNIPPET_SCAN)
        if not words:
            assert querying.highlight_body(body, terms) == (querying.leading_excerpt(body, limit))
            continue
        start, end = querying.best_stretch(body, words, limit)
        longest = max(word_end - word_start for word_start, word_end in words)
        assert end - start <= max(limit, longest)
        assert not inside_a_token(body, start) and not inside_a_token(body, end)
        assert any(start <= word_start and word_end <= end for word_start, word_end in words)
        snippet = querying.highlight_body(body, terms)
        marked = sum(start <= word_start and word_end <= end for word_start, word_end in words)
        assert snippet.count("<mark>") == marked
        assert html.unescape(re.sub("</?mark>", "", snippet)).strip(" …") == (
            body[start:end].strip()
        )


def stretch_tried_at_every_word(body: str, words, limit: int) -> tuple[int, int]:
    """best_stretch without its shortcut: every matched word opens a stretch that is measured."""
    best, best_count = (0, 0), 0
    for first_start, first_end in words:
        opening = max(0, first_start - limit // 3)
        start = min(first_start, querying.word_boundary_after(body, opening))
        end = max(first_end, querying.word_boundary_before(body, start + limit))
        count = sum(start <= word_start and word_end <= end for word_start, word_end in words)
        if count > best_count:
            best, best_count = (start, end), count
    return best


def test_the_best_stretch_is_the_one_trying_every_word_finds():
    """best_stretch skips stretches that cannot beat the best so far before finding their word
    boundaries; what it picks stays the same, ties to the earliest included."""
    rng = random.Random(11)
    for number in range(200):
        body = awkward_text(rng, rng.choice([20, 120, 600, 2000]))
        terms = frozenset(SNIPPET_TERMS[number % len(SNIPPET_TERMS)])
        words = matched_words(body, terms, querying.SNIPPET_SCAN)
        for limit in (60, querying.SNIPPET_CHARS, 500):
            assert querying.best_stretch(body, words, limit) == (
                stretch_tried_at_every_word(body, words, limit)
            )


def inside_a_token(body: str, position: int) -> bool:
    return 0 < position < len(body) and all(
        querying.is_token_char(char) for char in body[position - 1 : position + 1]
    )


def test_a_match_beyond_the_scan_limit_gives_the_opening():
    body = "calm words " * (querying.SNIPPET_SCAN // 11 + 10) + "azathioprine"

    snippet = querying.highlight_body(body, {"azathioprin"})

    assert snippet == querying.leading_excerpt(body, querying.SNIPPET_CHARS)


def test_titles_are_highlighted_as_whoosh_highlights_them():
    rng = random.Random(7)
    texts = [text(rng, rng.randint(1, 40)) for _ in range(60)]
    texts += [awkward_text(rng, rng.randint(1, 30)) for _ in range(60)]
    texts += ["Café naïve: didn’t take 6-MP. Then azathioprine, 50mg...", "No match at all."]
    texts += ["  <b>Blood</b> & cell's 'dose' \"6-mp\"  ", "\tdose\n", "", "   "]
    for number, body in enumerate(texts):
        terms = SNIPPET_TERMS[number % len(SNIPPET_TERMS)]
        title_pick = highlight.highlight(
            body[:120],
            frozenset(terms),
            MEDICAL_ANALYZER,
            highlight.WholeFragmenter(),
            querying.MarkFormatter(),
        )
        assert querying.highlight_title(body[:120], terms) == (
            title_pick or querying.html.escape(body[:120])
        )
