"""Reading references from the article form and the review date rules, without a database."""

from datetime import UTC, date, datetime

import pytest

from app.models.posts import Post, add_months, reference_url
from app.posts.references import (
    MAX_REFERENCES,
    Reference,
    ReferenceInputError,
    default_cutoff,
    is_overdue,
    parse_references,
    parse_review_date,
    references_text,
)


def errors_of(text: str) -> list[str]:
    with pytest.raises(ReferenceInputError) as caught:
        parse_references(text)
    return caught.value.messages


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("20041420", Reference("pmid", "20041420")),
        ("PMID:20041420", Reference("pmid", "20041420")),
        ("pmid:000123 Leading zeros", Reference("pmid", "123", "Leading zeros")),
        ("10.1016/j.jhep.2015.06.030", Reference("doi", "10.1016/j.jhep.2015.06.030")),
        ("DOI:10.1002/hep.23584 AASLD", Reference("doi", "10.1002/hep.23584", "AASLD")),
        ("https://example.org/a?b=c", Reference("url", "https://example.org/a?b=c")),
        (
            "HTTP://Example.org  spaced   label ",
            Reference("url", "http://Example.org", "spaced label"),  # the API's schema: ^https?://
        ),
        (
            'https://example.org/café?q="x"&r=<y>',
            Reference("url", "https://example.org/caf%C3%A9?q=%22x%22&r=%3Cy%3E"),  # a URI
        ),
        ("https://example.org/a%20b", Reference("url", "https://example.org/a%20b")),
        ("PMID:1 - | x", Reference("pmid", "1", "x")),
        ("PMID:1 -- :foo", Reference("pmid", "1", "foo")),
        ("  PMID:1\u200b\u0007 label\u202e  ", Reference("pmid", "1", "label")),
        ("PMID: 123 – A title", Reference("pmid", "123", "A title")),
        ("pmid 123 | A title", Reference("pmid", "123", "A title")),
        ("DOI 10.1000/xyz Title", Reference("doi", "10.1000/xyz", "Title")),
        ("doi: 10.1000/xyz", Reference("doi", "10.1000/xyz")),
    ],
)
def test_each_kind_of_identifier_is_read(line, expected):
    assert parse_references(line) == [expected]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("PMID:", "a PMID is 1 to 9 digits"),
        ("PMID:0", "a PMID is 1 to 9 digits"),
        ("PMID:１２３", "a PMID is 1 to 9 digits"),  # full-width digits are not ASCII digits
        ("PMID:12a", "a PMID is 1 to 9 digits"),
        ("1234567890", "a PMID is 1 to 9 digits"),
        ("doi:10.1234", "a DOI is 10., 4 to 9 digits"),
        ("doi:10.1234/", "a DOI is 10., 4 to 9 digits"),
        ("doi:10.123/abc", "a DOI is 10., 4 to 9 digits"),
        ("doi:9.1234/abc", "a DOI starts with 10."),
        ("11.1234/abc", "a DOI starts with 10."),
        ("javascript:alert(1)", "only http:// and https://"),
        ("vbscript:msgbox", "only http:// and https://"),
        ("data:text/html,x", "only http:// and https://"),
        ("ftp://example.org/file", "only http:// and https://"),
        ("https://", "not a web address that can be linked"),
        ("https:///path-only", "not a web address that can be linked"),
        ("https://[::1", "not a web address that can be linked"),
        ("https:\\\\evil.example", "can be linked"),
        ("https://a@evil.example", "user name or password"),
        ("//evil.example/path", "start with a PMID"),
        ("<script>", "start with a PMID"),
        ("PMID:1 " + "x" * 301, "keep the label under 300 characters"),
        ("doi:10.1234/" + "x" * 293, "a DOI is 10., 4 to 9 digits"),  # 301 characters
    ],
)
def test_bad_lines_are_named_with_a_reason(line, message):
    (error,) = errors_of("PMID:99\n\n" + line)
    assert error.startswith("Line 3: ") and message in error


def test_every_bad_line_is_reported_and_duplicates_by_identity():
    errors = errors_of("PMID:5\nbad one\n5\n10.1000/ABC\ndoi:10.1000/abc x\nhttps://e.org\n")
    assert errors == [
        "Line 2: start with a PMID (digits), a DOI (10.xxxx/…) or a web address (https://…), "
        "then the title if you like.",
        "Line 3: the same source as line 1.",
        "Line 5: the same source as line 4.",
    ]


def test_at_most_thirty_references():
    lines = "\n".join(f"PMID:{n}" for n in range(1, MAX_REFERENCES + 2))
    assert errors_of(lines) == ["Give at most 30 references (31 given)."]
    assert len(parse_references(lines.rsplit("\n", 1)[0])) == MAX_REFERENCES


def test_stored_references_read_back_as_the_same_text():
    parsed = parse_references(
        "20041420 Title one\n10.1000/xyz\nhttps://e.org/p Leaflet\n"
        "PMID:7 - | Separators twice\nhttps://e.org/caf\u00e9 Encoded"
    )
    assert parse_references(references_text(parsed)) == parsed
    assert references_text(parsed).splitlines()[0] == "PMID:20041420 Title one"


def test_a_text_of_many_bad_lines_names_the_first_ten():
    errors = errors_of("x\n" * 50)
    assert len(errors) == 11
    assert errors[0].startswith("Line 1: ") and errors[9].startswith("Line 10: ")
    assert errors[10] == "…and 40 more lines to fix."


def test_a_doi_of_three_hundred_characters_is_kept():
    doi = "10.1234/" + "x" * 292
    assert len(doi) == 300 and parse_references(f"doi:{doi}") == [Reference("doi", doi)]


@pytest.mark.parametrize(
    ("kind", "value", "url"),
    [
        ("pmid", "20041420", "https://pubmed.ncbi.nlm.nih.gov/20041420/"),
        ("doi", "10.1000/a b?c#d%e", "https://doi.org/10.1000/a%20b%3Fc%23d%25e"),
        ("doi", '10.1000/"><script>', "https://doi.org/10.1000/%22%3E%3Cscript%3E"),
        ("url", "https://example.org/x?y=1&z=2", "https://example.org/x?y=1&z=2"),
    ],
)
def test_links_are_built_and_encoded(kind, value, url):
    assert reference_url(kind, value) == url


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 12, 6), 12, date(2027, 12, 6)),
        (date(2026, 11, 30), 24, date(2028, 11, 30)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2027, 1, 15), -12, date(2026, 1, 15)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    "on", [date(2029, 2, 28), date(2029, 3, 1), date(2027, 12, 6), date(2028, 2, 29)]
)
def test_the_overdue_cutoff_agrees_with_the_due_date_of_every_day(on):
    cutoff = default_cutoff(on)
    for offset in range(-400, -330):
        published = date.fromordinal(on.toordinal() + offset)
        overdue = add_months(published, 12) <= on
        moment = datetime(published.year, published.month, published.day, 23, 59, tzinfo=UTC)
        assert (moment < cutoff) == overdue, (on, published)


def article(**fields) -> Post:
    defaults = {"kind": "article", "published_at": datetime(2026, 3, 10, 9, tzinfo=UTC)}
    return Post(**{**defaults, **fields})


def test_the_review_due_date():
    assert article().review_due == date(2027, 3, 10)
    reviewed = article(last_reviewed_at=datetime(2026, 8, 1, tzinfo=UTC))
    assert reviewed.review_due == date(2027, 8, 1)
    assert article(review_due_on=date(2026, 6, 1)).review_due == date(2026, 6, 1)
    assert article(published_at=None).review_due is None
    assert article(kind="question").review_due is None
    assert is_overdue(date(2026, 6, 1), date(2026, 6, 1))
    assert not is_overdue(date(2026, 6, 2), date(2026, 6, 1))
    assert not is_overdue(None, date(2026, 6, 1))


def test_a_chosen_review_date():
    today, latest = date(2026, 12, 6), date(2027, 12, 6)
    assert parse_review_date("", None, today, latest) is None
    assert parse_review_date(" 2027-01-01 ", None, today, latest) == date(2027, 1, 1)
    assert parse_review_date("2027-12-06", None, today, latest) == date(2027, 12, 6)
    assert parse_review_date("2026-01-01", date(2026, 1, 1), today, latest) == date(2026, 1, 1)
    for raw, message in [
        ("2026-12-06", "after today"),
        ("2025-01-01", "after today"),
        ("2027-12-07", "no later than 2027-12-06"),
        ("tomorrow", "year-month-day"),
        ("2027-13-01", "year-month-day"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_review_date(raw, None, today, latest)


def test_an_overdue_article_takes_no_new_date_from_its_author():
    today, latest = date(2026, 12, 6), date(2026, 11, 30)  # the default passed a week ago
    with pytest.raises(ValueError, match="only a review by a verified provider"):
        parse_review_date("2027-06-01", None, today, latest)
    assert parse_review_date("", None, today, latest) is None


def test_a_chosen_date_never_puts_the_review_past_the_default():
    published = article(published_at=datetime(2026, 1, 10, tzinfo=UTC))
    published.review_due_on = date(2027, 6, 1)  # stored before this rule, or forged
    assert published.review_due == date(2027, 1, 10)
    published.review_due_on = date(2026, 9, 1)
    assert published.review_due == date(2026, 9, 1)
