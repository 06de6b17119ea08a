"""What every search backend must do; parameterized over tests/search/conftest.py BACKENDS."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Post
from app.posts.queries import published_posts
from app.search import (
    MAX_QUERY_LENGTH,
    QueryTooLong,
    SearchPage,
    SearchQuery,
    document_for,
)
from tests.conftest import make_user
from tests.helpers import make_post, make_tag
from tests.search.helpers import doc, found, stored_bytes

# Indexing, removing, reading back


def test_an_indexed_document_is_found_and_counted(backend):
    backend.index([doc(1, "Starting azathioprine", "First week on the tablets.")])

    page = backend.search(SearchQuery("azathioprine"))

    assert page.post_ids == [1]
    assert page.total == 1
    assert page.hits[0].score > 0
    assert backend.doc_count() == 1


def test_indexing_the_same_post_twice_keeps_one_document(backend):
    backend.index([doc(1, "Starting azathioprine")])
    backend.index([doc(1, "Starting azathioprine again")])

    assert found(backend, "azathioprine") == [1]
    assert backend.doc_count() == 1


def test_removed_documents_are_not_found(backend):
    backend.index([doc(1, "Azathioprine week one"), doc(2, "Azathioprine week two")])

    backend.remove([1, 999])

    assert found(backend, "azathioprine") == [2]
    assert backend.doc_count() == 1


def test_empty_batches_are_accepted(backend):
    backend.index([])
    backend.remove([])

    assert backend.doc_count() == 0


def test_rebuild_replaces_everything_and_returns_the_count(backend):
    backend.index([doc(1, "Old azathioprine post")])

    count = backend.rebuild([doc(2, "New azathioprine post"), doc(3, "Another one")])

    assert count == 2
    assert found(backend, "azathioprine") == [2]


# Filters, sorting, pages


@pytest.fixture
def filtered(backend):
    backend.index(
        [
            doc(1, "Liver tests on azathioprine", tags=("blood-tests",), kind="question"),
            doc(2, "Azathioprine and my liver", tags=("azathioprine",), role="provider"),
            doc(3, "Azathioprine explained", kind="article", role="provider"),
        ]
    )
    return backend


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"tag": "blood-tests"}, {1}),
        ({"tag": "Blood-Tests"}, {1}),
        ({"kind": "article"}, {3}),
        ({"role": "provider"}, {2, 3}),
        ({"role": "provider", "kind": "article"}, {3}),
        ({"tag": "no-such-tag"}, set()),
        ({"tag": ""}, {1, 2, 3}),
    ],
)
def test_filters_narrow_the_results(filtered, options, expected):
    assert set(found(filtered, "azathioprine", **options)) == expected


def test_newest_sort_ignores_relevance(backend):
    backend.index(
        [
            doc(1, "Azathioprine azathioprine azathioprine", days_ago=30),
            doc(2, "A note", "azathioprine once", days_ago=1),
            doc(3, "Another note", "azathioprine again", days_ago=10),
        ]
    )

    assert found(backend, "azathioprine")[0] == 1
    assert found(backend, "azathioprine", sort="newest") == [2, 3, 1]


def test_pages_split_the_results(backend):
    backend.index([doc(i, f"Azathioprine diary day {i}", days_ago=i) for i in range(1, 26)])

    pages = [
        backend.search(SearchQuery("azathioprine", sort="newest", page=n, per_page=10))
        for n in (1, 2, 3, 4)
    ]

    assert [len(page.hits) for page in pages] == [10, 10, 5, 0]
    assert all(page.total == 25 for page in pages)
    assert pages[0].pages == 3
    seen = [post_id for page in pages for post_id in page.post_ids]
    assert seen == list(range(1, 26))


@pytest.mark.parametrize(
    "options", [{"page": 0}, {"page": -1}, {"per_page": 0}, {"per_page": 101}, {"sort": "best"}]
)
def test_bad_paging_or_sort_is_a_value_error(backend, options):
    with pytest.raises(ValueError):
        backend.search(SearchQuery("azathioprine", **options))


# Query language: AND by default, phrases, exclusions, relaxing to OR


def test_all_words_must_match_by_default(backend):
    backend.index(
        [
            doc(1, "Azathioprine and pancreatitis"),
            doc(2, "Azathioprine and nausea"),
            doc(3, "Pancreatitis after gallstones"),
        ]
    )

    page = backend.search(SearchQuery("azathioprine pancreatitis"))

    assert page.post_ids == [1]
    assert not page.relaxed


def test_no_match_for_all_words_relaxes_to_any_word(backend):
    backend.index([doc(1, "Azathioprine and pancreatitis"), doc(2, "Azathioprine and nausea")])

    page = backend.search(SearchQuery("pancreatitis nausea vomiting"))

    assert page.relaxed
    assert set(page.post_ids) == {1, 2}


def test_quoted_phrase_matches_words_in_that_order(backend):
    backend.index([doc(1, "My bone marrow biopsy results"), doc(2, "The marrow of a broken bone")])

    assert set(found(backend, "bone marrow")) == {1, 2}
    assert found(backend, '"bone marrow"') == [1]


def test_words_of_a_multi_word_synonym_match_as_a_phrase(backend):
    backend.index([doc(1, "My blood test results"), doc(2, "A test of my blood pressure")])

    assert found(backend, "blood test") == [1]
    assert set(found(backend, "blood")) == {1, 2}


def test_minus_excludes_a_word_or_a_phrase(backend):
    backend.index(
        [
            doc(1, "Azathioprine and nausea"),
            doc(2, "Azathioprine and hair loss"),
            doc(3, "Azathioprine and sun protection"),
        ]
    )

    assert set(found(backend, "azathioprine -nausea")) == {2, 3}
    assert set(found(backend, 'azathioprine -"hair loss"')) == {1, 3}


def test_only_exclusions_find_nothing(backend):
    backend.index([doc(1, "Azathioprine and nausea")])

    assert backend.search(SearchQuery("-nausea")).total == 0


# Synonyms


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("imuran", "I started azathioprine in May"),
        ("azathioprine", "I started Imuran in May"),
        ("aza", "I started Azasan in May"),
        ("6-MP", "I was switched to mercaptopurine"),
        ("mercaptopurine", "I was switched to 6-MP"),
        ("AIH", "Diagnosed with autoimmune hepatitis last year"),
        ("autoimmune hepatitis", "Diagnosed with AIH last year"),
        ("TPMT", "My thiopurine methyltransferase level was normal"),
        ("LFTs", "My liver function tests came back fine"),
        ("full blood count", "The FBC was fine"),
    ],
)
def test_synonyms_work_in_both_directions(backend, typed, written):
    backend.index([doc(1, "A member's note", written), doc(2, "Unrelated", "Gardening today")])

    assert found(backend, typed) == [1]


def test_a_hit_on_the_typed_word_ranks_a_little_above_a_synonym_hit(backend):
    backend.index(
        [
            doc(1, "Week one", "I started azathioprine last week and feel fine."),
            doc(2, "Week two", "I started imuran last week and feel fine."),
        ]
    )

    imuran = backend.search(SearchQuery("imuran"))
    azathioprine = backend.search(SearchQuery("azathioprine"))

    assert imuran.post_ids == [2, 1]
    assert azathioprine.post_ids == [1, 2]
    typed, synonym = (hit.score for hit in imuran.hits)
    assert 0.5 * typed < synonym < typed


def test_missed_my_imuran_finds_a_forgotten_dose_of_azathioprine(backend):
    backend.index(
        [
            doc(1, "Oops", "I forgot a dose of azathioprine yesterday, what now?"),
            doc(2, "Holiday", "I forgot my sun cream on holiday."),
            doc(3, "Imuran start", "Just started Imuran, no problems."),
        ]
    )

    assert found(backend, "missed my Imuran") == [1]
    assert set(found(backend, "forgot")) == {1, 2}
    assert found(backend, "skipped doses of aza") == [1]


def test_multi_word_synonyms_match_as_phrases_not_scattered_words(backend):
    backend.index(
        [
            doc(1, "UC flare", "My ulcerative colitis flared."),
            doc(2, "Colitis", "The colitis was not ulcerative, said the ulcer clinic."),
        ]
    )

    assert found(backend, "UC") == [1]


# Words: stemming, medical tokens, negations, accents


@pytest.mark.parametrize("typed", ["dose", "doses", "dosing", "dosed"])
def test_word_forms_match_each_other(backend, typed):
    backend.index(
        [
            doc(1, "Dose", "The dose was lowered."),
            doc(2, "Doses", "Two doses a day."),
            doc(3, "Dosing", "Dosing by weight."),
        ]
    )

    assert set(found(backend, typed)) == {1, 2, 3}


@pytest.mark.parametrize("typed", ["stop", "stopped", "stopping", "stops"])
def test_verb_forms_match_each_other(backend, typed):
    backend.index([doc(1, "Stopped", "I stopped azathioprine."), doc(2, "Stop", "Never stop it.")])

    assert set(found(backend, typed)) == {1, 2}


def test_medical_tokens_stay_whole(backend):
    backend.index(
        [
            doc(1, "6-MP after azathioprine", "Switched to 6-MP; 6-TGN was 350 and 6-MMP low."),
            doc(2, "MP3 players", "I listen to MP3 players and an MP at the clinic."),
            doc(
                3, "Liver numbers", "My ALT and AST were high, IgG normal, NUDT15 fine, 50mg daily."
            ),
        ]
    )

    assert found(backend, "6-MP") == [1]
    assert found(backend, "6-TGN") == [1]
    assert found(backend, "6-MMP") == [1]
    assert found(backend, "ALT") == [3]
    assert found(backend, "IgG") == [3]
    assert found(backend, "NUDT15") == [3]
    assert found(backend, "50mg") == [3]
    assert found(backend, "MP3") == [2]


def test_negations_are_searchable(backend):
    backend.index(
        [
            doc(1, "Did it help", "I did not feel better and never slept well."),
            doc(2, "It helped", "I felt better and slept well."),
            doc(3, "Stopping", "I didn't stop the tablets without asking."),
        ]
    )

    assert found(backend, "not") == [1]
    assert found(backend, "never") == [1]
    assert found(backend, "didn't") == [3]
    assert found(backend, "without") == [3]
    assert found(backend, '"did not feel better"') == [1]


def test_accents_are_folded(backend):
    backend.index([doc(1, "Café visits", "Sjögren syndrome and naïve questions")])

    assert found(backend, "cafe") == [1]
    assert found(backend, "sjogren") == [1]
    assert found(backend, "Sjögren") == [1]
    assert found(backend, "naive") == [1]


def test_possessive_and_curly_apostrophes(backend):
    backend.index([doc(1, "Crohn’s flare", "My Crohn's is quiet.")])

    assert found(backend, "crohn") == [1]
    assert found(backend, "Crohn's") == [1]
    assert found(backend, "crohns disease") == [1]


# "Did you mean"


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("azathiprine", "azathioprine"),
        ("hepatitus", "hepatitis"),
        ("azathiprine hepatitus", "azathioprine hepatitis"),
        ("nausea hepatitus", "nausea hepatitis"),
    ],
)
def test_misspellings_get_a_suggestion(backend, typed, suggested):
    backend.index(
        [
            doc(1, "Azathioprine for autoimmune hepatitis", "Nausea at first."),
            doc(2, "Nausea", "Some nausea in the mornings."),
        ]
    )

    page = backend.search(SearchQuery(typed))

    assert page.suggestion == suggested


def test_words_from_the_synonym_list_are_suggested_even_if_no_post_uses_them(backend):
    backend.index([doc(1, "Azathioprine", "Started in May.")])

    page = backend.search(SearchQuery("azasn"))

    assert page.suggestion == "azasan"


def test_no_suggestion_when_the_words_are_known(backend):
    backend.index([doc(1, "Azathioprine", "Started in May."), doc(2, "Gardening", "Roses.")])

    assert backend.search(SearchQuery("azathioprine")).suggestion is None
    assert backend.search(SearchQuery("azathioprine roses")).suggestion is None


# "Did you mean" offers words of the posts indexed now, whatever the index still keeps


@pytest.mark.parametrize("first", ["rebuild", "index"])
def test_a_removed_post_takes_its_words_out_of_suggestions_at_once(backend, first):
    written = [doc(1, "Zanzibarian clinic", "Staff names."), doc(2, "Nausea", "Mornings.")]
    backend.rebuild(written) if first == "rebuild" else backend.index(written)
    assert backend.search(SearchQuery("zanzibarean")).suggestion == "zanzibarian"

    backend.remove([1])

    assert backend.search(SearchQuery("zanzibarean")).suggestion is None
    assert backend.search(SearchQuery("zanzibarian")).total == 0


def test_an_edit_that_drops_a_word_drops_its_suggestion(backend):
    backend.index([doc(1, "Zanzibarian clinic", "Staff names.")])
    backend.index([doc(1, "Zanzibarian clinic", "Staff names.")])  # indexed again, unchanged

    backend.index([doc(1, "A clinic", "No names.")])

    assert backend.search(SearchQuery("zanzibarean")).suggestion is None
    assert backend.search(SearchQuery("clinc")).suggestion == "clinic"


def test_a_word_is_suggested_while_any_indexed_post_uses_it(backend):
    backend.index([doc(1, "Zanzibarian clinic"), doc(2, "Zanzibarian tea"), doc(3, "Roses")])
    backend.index([doc(1, "Zanzibarian clinic")])

    backend.remove([1])
    assert backend.search(SearchQuery("zanzibarean")).suggestion == "zanzibarian"
    backend.index([doc(2, "Green tea")])
    assert backend.search(SearchQuery("zanzibarean")).suggestion is None


def test_a_typed_word_only_a_removed_post_used_is_corrected_to_a_live_one(backend):
    backend.index([doc(1, "Hepatitus typo in a title"), doc(2, "Autoimmune hepatitis")])

    backend.remove([1])

    assert backend.search(SearchQuery("hepatitus")).suggestion == "hepatitis"


# Hostile input


HOSTILE_QUERIES = [
    '"unbalanced quote',
    'trailing quote"',
    '""',
    '"',
    "AND OR NOT",
    "azathioprine AND",
    "OR azathioprine",
    "( ( (",
    ") azathioprine (",
    "azath* ?zathioprine",
    "azathioprine~2",
    "azathioprine^10",
    "title:azathioprine",
    "post_id:1",
    "published:[0 TO 99999999999]",
    "[a TO z] {a TO z}",
    "-",
    "--",
    "- - -azathioprine",
    "\x00\x01\x02azathioprine\x7f",
    "azathioprine\u200b\u202e\ufeff",
    "\ud83d\udc8a",
    "💊 azathioprine 💊",
    "肝炎 アザチオプリン",
    "azathioprine" + "\u0301" * 50,
    "<script>alert(1)</script>",
    "'; DROP TABLE posts; --",
    "\\",
    "%s %d {0}",
    " ",
    "",
    "a" * MAX_QUERY_LENGTH,
    "azathioprine " * (MAX_QUERY_LENGTH // 13),
]


@pytest.mark.parametrize("text", HOSTILE_QUERIES)
def test_hostile_queries_never_raise(backend, text):
    backend.index([doc(1, "Azathioprine and me", "Started azathioprine in May.")])

    page = backend.search(SearchQuery(text))
    snippet = backend.highlight_body("Started azathioprine in May.", SearchQuery(text))

    assert isinstance(page, SearchPage)
    assert isinstance(snippet, str)


@pytest.mark.parametrize("length", [MAX_QUERY_LENGTH + 1, 10_000])
def test_overlong_queries_are_refused(backend, length):
    with pytest.raises(QueryTooLong):
        backend.search(SearchQuery("a" * length))


def test_operator_syntax_is_treated_as_words(backend):
    backend.index([doc(1, "Azathioprine", "Title of a post"), doc(2, "Other", "Something")])

    assert found(backend, "title:azathioprine") == [1]
    assert found(backend, "azathioprine AND") == [1]
    assert found(backend, "azath*") == []


# Highlights


def test_title_highlights_mark_the_matched_words_and_escape_html(backend):
    backend.index([doc(1, "<b>Imuran</b> & me", "Started in May.")])

    title = backend.search(SearchQuery("azathioprine")).hits[0].highlights["title"]

    assert title == "&lt;b&gt;<mark>Imuran</mark>&lt;/b&gt; &amp; me"


def test_title_without_a_matching_word_is_returned_escaped(backend):
    backend.index([doc(1, "A <i>note</i>", "Started azathioprine in May.")])

    title = backend.search(SearchQuery("azathioprine")).hits[0].highlights["title"]

    assert title == "A &lt;i&gt;note&lt;/i&gt;"


def test_titles_are_highlighted_as_given_not_as_the_index_keeps_them(backend):
    """Results show a post's current title: the index's copy may lag behind an edit."""
    backend.index([doc(1, "Zanzibarian clinic and Imuran", "Started in May.")])
    query = SearchQuery("azathioprine")

    current = backend.highlight_title("<b>Imuran</b> & me", query)

    assert current == "&lt;b&gt;<mark>Imuran</mark>&lt;/b&gt; &amp; me"
    assert backend.highlight_title("A <i>note</i>", query) == "A &lt;i&gt;note&lt;/i&gt;"


def test_body_snippets_mark_matches_escape_html_and_stay_short(backend):
    text = (
        "Some words to begin with before the interesting part. " * 8
        + "Then I forgot a dose of azathioprine <script>alert(1)</script> and called the clinic. "
        + "More words that follow for a long while after that. " * 8
    )

    snippet = backend.highlight_body(text, SearchQuery("missed my Imuran"))

    assert "<mark>azathioprine</mark>" in snippet
    assert "<mark>forgot</mark>" in snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert snippet.startswith("… ")
    assert len(snippet) < 400


def test_body_snippet_without_a_match_is_the_escaped_beginning(backend):
    snippet = backend.highlight_body("<b>bold</b> " + "word " * 100, SearchQuery("azathioprine"))

    assert snippet.startswith("&lt;b&gt;bold&lt;/b&gt; word")
    assert snippet.endswith(" …")
    assert "<mark>" not in snippet


# Freshness: the Searcher.refresh trap


def test_edits_and_removals_show_on_the_very_next_search(open_backends):
    worker = open_backends()
    worker.rebuild([doc(1, "Azathioprine week one"), doc(2, "Azathioprine week two")])
    other_worker = open_backends()
    assert found(worker, "azathioprine") and found(other_worker, "azathioprine")

    worker.index([doc(1, "Mercaptopurine now", "Changed medicine.")])
    assert found(worker, "azathioprine") == [2]
    assert found(other_worker, "azathioprine") == [2]
    assert found(other_worker, "mercaptopurine") == [1]

    other_worker.remove([2])
    assert found(worker, "azathioprine") == []
    assert found(other_worker, "azathioprine") == []
    assert worker.doc_count() == other_worker.doc_count() == 1

    worker.rebuild([doc(3, "Azathioprine after the rebuild")])
    assert found(other_worker, "azathioprine") == [3]
    assert found(other_worker, "mercaptopurine") == []


def test_other_workers_see_a_rebuild_right_away(open_backends):
    worker, other_worker = open_backends(), open_backends()
    worker.rebuild([doc(1, "Azathioprine before")])
    assert found(other_worker, "azathioprine") == [1]

    worker.rebuild([doc(2, "Azathioprine after")])

    assert found(other_worker, "azathioprine") == [2]
    assert other_worker.doc_count() == 1


def test_many_small_updates_stay_consistent(open_backends):
    worker, other_worker = open_backends(), open_backends()
    worker.rebuild([])

    for version in range(12):
        writer = worker if version % 2 else other_worker
        writer.index([doc(1, f"Azathioprine version{version}")])
        assert found(worker, f"version{version}") == [1]
        assert found(other_worker, f"version{version}") == [1]
        assert found(other_worker, f"version{version - 1}") == []
    assert worker.doc_count() == 1


# Privacy


def test_emails_and_private_fields_never_reach_the_index(app, backend, index_dir):
    author = make_user("quiet-owl")
    author.email = "secret.mailbox@private-example.org"
    author.license_number = "LICENCE-12345"
    db.session.commit()
    tag = make_tag("azathioprine", kind="medication")
    post = make_post(author, title="Azathioprine month one", tags=[tag], body="All **fine**.")
    post_id = post.id

    document = document_for(db.session.scalar(published_posts().where(Post.id == post_id)))
    backend.index([document])

    assert "secret" not in repr(document) and "LICENCE" not in repr(document)
    assert document.body_text.startswith("All fine")
    assert document.author_username == "quiet-owl"
    for text in ("secret.mailbox", "secret", "mailbox", "private-example.org", "licence-12345"):
        assert backend.search(SearchQuery(text)).total == 0
    raw = stored_bytes(backend, index_dir)
    assert b"quiet-owl" in raw
    assert b"secret" not in raw and b"mailbox" not in raw and b"LICENCE" not in raw.upper()
