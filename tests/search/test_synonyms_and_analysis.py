"""The synonym file, its expansion, and the analyzer, without an index."""

from __future__ import annotations

import os

import pytest

from app.search import QueryTooLong, clean_query_text
from app.search.analysis import MEDICAL_ANALYZER, SPELLING_ANALYZER, analyze
from app.search.querying import edit_distance, split_clauses
from app.search.synonyms import (
    DEFAULT_SYNONYMS_PATH,
    Segment,
    SynonymExpander,
    SynonymFile,
    load_synonyms,
    parse_synonyms,
)

REQUIRED_GROUPS = [
    {"azathioprine", "imuran", "azasan", "aza"},
    {"mercaptopurine", "6-mp", "purinethol", "purixan"},
    {"autoimmune hepatitis", "aih"},
    {"thiopurine methyltransferase", "tpmt"},
    {"mycophenolate", "cellcept", "mmf", "myfortic"},
    {"prednisone", "prednisolone", "steroids", "pred"},
    {"budesonide", "entocort"},
    {"tacrolimus", "prograf"},
    {"ulcerative colitis", "uc"},
    {"rheumatoid arthritis", "ra"},
    {"lupus", "sle"},
    {"missed dose", "forgot dose", "skipped dose", "missed my", "forgot my"},
    {"crohn's disease", "crohns", "crohn"},
    {"inflammatory bowel disease", "ibd"},
    {"full blood count", "fbc", "cbc", "complete blood count"},
    {"liver function tests", "lft", "lfts"},
    {"white blood cell", "white count", "wbc"},
    {"hair loss", "hair thinning"},
    {"sun protection", "sunscreen", "spf"},
    {"6-tgn", "thioguanine nucleotides"},
    {"switching", "switch", "changed to"},
]


def stemmed(entry: str) -> tuple[str, ...]:
    return tuple(analyze(entry))


# The shipped file


def test_the_shipped_synonyms_parse_cleanly_and_cover_the_agreed_groups():
    groups = load_synonyms(DEFAULT_SYNONYMS_PATH)

    assert groups.problems == ()
    for required in REQUIRED_GROUPS:
        assert any(required <= set(group) for group in groups.groups), required
    assert "nudt15" in {entry for group in groups.groups for entry in group}


def test_the_shipped_file_explains_how_to_extend_and_reload_it():
    header = DEFAULT_SYNONYMS_PATH.read_text().split("\n\n", 1)[0]

    assert "flask --app wsgi search reload-synonyms" in DEFAULT_SYNONYMS_PATH.read_text()
    assert header.startswith("#")


def test_no_shipped_entry_swallows_a_plain_word():
    shipped = SynonymExpander(load_synonyms(DEFAULT_SYNONYMS_PATH), stemmed)

    for word in ("blood", "liver", "dose", "test", "hair", "skin", "sun", "white", "my", "to"):
        assert shipped.segment(analyze(word)) == [Segment(stemmed(word))], word


# Parsing


def test_parsing_ignores_comments_blank_lines_case_spacing_and_repeats():
    groups = parse_synonyms(
        "# a comment\n\n  Imuran ,  AZATHIOPRINE,imuran  # brand first\nfull   blood count, FBC\n"
    )

    assert groups.groups == (("imuran", "azathioprine"), ("full blood count", "fbc"))
    assert groups.problems == ()


def test_parsing_reports_groups_of_one():
    groups = parse_synonyms("azathioprine, imuran\nlonely,\n")

    assert groups.groups == (("azathioprine", "imuran"),)
    assert groups.problems and "line 2" in groups.problems[0]


# Expansion


@pytest.fixture
def expander():
    return SynonymExpander(
        parse_synonyms(
            "azathioprine, imuran\n"
            "missed dose, forgot dose, missed my\n"
            "autoimmune hepatitis, aih\n"
            "hepatitis, liver inflammation\n"
        ),
        stemmed,
    )


def test_the_longest_entry_wins(expander):
    segments = expander.segment(analyze("missed my imuran for autoimmune hepatitis"))

    assert segments == [
        Segment(stemmed("missed my"), (stemmed("missed dose"), stemmed("forgot dose"))),
        Segment(stemmed("imuran"), (stemmed("azathioprine"),)),
        Segment(("for",)),
        Segment(stemmed("autoimmune hepatitis"), (stemmed("aih"),)),
    ]


def test_entries_match_other_word_forms(expander):
    segments = expander.segment(analyze("Missed doses"))

    assert segments[0].alternatives == (stemmed("forgot dose"), stemmed("missed my"))


def test_words_outside_the_list_pass_through(expander):
    assert expander.segment(["tired"]) == [Segment(("tired",))]
    assert expander.segment([]) == []


def test_an_entry_in_two_groups_gets_both_groups_alternatives():
    expander = SynonymExpander(parse_synonyms("pred, prednisolone\npred, prediction\n"), stemmed)

    assert expander.alternatives(stemmed("pred")) == (
        stemmed("prednisolone"),
        stemmed("prediction"),
    )


def test_the_synonym_file_is_reread_when_it_changes(tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("azathioprine, imuran\n")
    synonyms = SynonymFile(path)
    first = synonyms.current()

    assert synonyms.current() is first
    path.write_text("azathioprine, imuran, azasan\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))

    assert synonyms.current().groups == (("azathioprine", "imuran", "azasan"),)


def test_an_unreadable_synonym_file_keeps_the_last_good_groups(tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("azathioprine, imuran\n")
    synonyms = SynonymFile(path)
    good = synonyms.current()

    path.unlink()

    assert synonyms.current() is good
    assert synonyms.reload() is good


# Analysis


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("6-MP", ["6-mp"]),
        ("6-TGN 6-MMP", ["6-tgn", "6-mmp"]),
        ("ALT, AST and IgG.", ["alt", "ast", "and", "igg"]),
        ("TPMT NUDT15 CD4 50mg", ["tpmt", "nudt15", "cd4", "50mg"]),
        (
            "not never without stopped stop didn't",
            ["not", "never", "without", "stop", "stop", "didn't"],
        ),
        ("dose doses dosing", ["dose", "dose", "dose"]),
        ("Café naïve Sjögren", ["cafe", "naiv", "sjogren"]),
        ("Crohn's Crohn’s", ["crohn", "crohn"]),
    ],
)
def test_the_medical_analyzer(text, terms):
    assert analyze(text) == terms


def test_hyphenated_words_also_index_their_parts_but_queries_stay_whole():
    indexed = [token.text for token in MEDICAL_ANALYZER("azathioprine-induced 6-MP", mode="index")]

    assert indexed == ["azathioprine-induc", "azathioprin", "induc", "6-mp"]
    assert analyze("azathioprine-induced") == ["azathioprine-induc"]


def test_the_spelling_analyzer_does_not_stem():
    assert analyze("Hepatitis doses", SPELLING_ANALYZER) == ["hepatitis", "doses"]


# Reading the query text


def test_query_text_is_cleaned_of_control_characters():
    assert clean_query_text("\x00aza\tthioprine\u200b \x7f ") == "aza thioprine"


def test_query_text_over_the_limit_is_refused():
    with pytest.raises(QueryTooLong):
        clean_query_text("a" * 501)


def test_clauses_are_words_phrases_and_exclusions():
    clauses = split_clauses('imuran -nausea "blood test" -"hair loss" AND OR NOT "open')

    assert [(c.text, c.quoted, c.negated) for c in clauses] == [
        ("imuran", False, False),
        ("nausea", False, True),
        ("blood test", True, False),
        ("hair loss", True, True),
        ("NOT", False, False),
        ("open", True, False),
    ]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("azathiprine", "azathioprine", 1), ("hepatitus", "hepatitis", 1), ("ab", "ba", 1)],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b, 2) == distance
