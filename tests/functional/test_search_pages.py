"""The search page and GET /api/v1/search over the real stack (database + Whoosh)."""

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import Tag
from tests.conftest import make_user, on_postgres
from tests.helpers import csrf_from, make_post, make_tag, sign_in, sign_out


@pytest.fixture
def corpus(app, users):
    aza = make_tag("azathioprine", "medication", "Azathioprine")
    lupus = make_tag("lupus", "condition", "Lupus")
    writer = make_user("searcher_writer", display_name="Searcher Writer")
    posts = {
        "forgot": make_post(
            writer,
            title="I forgot a dose of azathioprine",
            tags=[aza],
            body="On holiday I forgot my dose and rang the nurse.",
            days_ago=3,
        ),
        "article": make_post(
            users["provider"],
            kind="article",
            tags=[aza],
            title="Missed doses of Imuran: what to do",
            body="If you miss a dose of Imuran, check the leaflet.",
            days_ago=1,
        ),
        "lupus": make_post(
            writer,
            title="Lupus flare on AZA",
            tags=[lupus],
            body="My lupus flared while on azathioprine.",
            days_ago=2,
        ),
    }
    db.session.commit()
    return posts


def api(client, query: str):
    return client.get("/api/v1/search?" + query)


def ids(response) -> list[int]:
    return [hit["id"] for hit in response.get_json()["results"]]


def test_api_search_returns_the_documented_shape(client, corpus):
    response = api(client, "q=imuran")
    body = response.get_json()
    assert response.status_code == 200
    assert set(body) == {"total", "total_is_estimate", "page", "per_page", "results", "suggestion"}
    assert body["total_is_estimate"] is False
    assert body["page"] == 1 and body["per_page"] == 10 and body["total"] == len(body["results"])
    hit = body["results"][0]
    assert set(hit) == {"id", "title", "url", "snippet", "author", "tags", "kind", "published_at"}
    assert set(hit["author"]) == {"username", "display_name", "role", "verified"}
    assert hit["url"].startswith(f"/posts/{hit['id']}/")
    assert "<mark>" in hit["snippet"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_search_reads_its_posts_with_their_tags_in_one_statement(client, corpus, users):
    """On PostgreSQL the hits' posts, authors and tags come in one SELECT (the backend's own
    statements aside; SQLite takes the tags in a second, which costs no round trip): tags
    complete and in name order, each post once."""
    aza = db.session.scalar(select(Tag).where(Tag.slug == "azathioprine"))
    two_tags = make_post(
        users["patient"],
        title="Azathioprine and sunscreen",
        tags=[make_tag("sun-safety", "topic", "Sun safety"), aza],
    )
    db.session.commit()
    api(client, "q=azathioprine")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        backends_own = "set_config" in statement  # the search backend's read settings
        if statement.lstrip().upper().startswith("SELECT") and not backends_own:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = api(client, "q=azathioprine")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    results = response.get_json()["results"]
    assert len(statements) == (1 if on_postgres() else 2) and "tags" in statements[-1]
    assert sorted(ids(response)) == sorted({hit["id"] for hit in results})
    tags = {hit["id"]: hit["tags"] for hit in results}
    assert tags[two_tags.id] == ["azathioprine", "sun-safety"]
    assert tags[corpus["forgot"].id] == ["azathioprine"]


def test_synonyms_find_brand_and_generic_names(client, corpus):
    assert set(ids(api(client, "q=imuran"))) == {
        corpus["forgot"].id,
        corpus["article"].id,
        corpus["lupus"].id,
    }
    assert corpus["article"].id in ids(api(client, "q=azathioprine"))


def test_filters_sort_and_pages(client, corpus):
    assert ids(api(client, "q=azathioprine&tag=lupus")) == [corpus["lupus"].id]
    assert ids(api(client, "q=azathioprine&kind=article")) == [corpus["article"].id]
    assert ids(api(client, "q=azathioprine&role=provider")) == [corpus["article"].id]
    newest = ids(api(client, "q=azathioprine&sort=newest"))
    assert newest == [corpus["article"].id, corpus["lupus"].id, corpus["forgot"].id]
    first = api(client, "q=azathioprine&sort=newest&per_page=2&page=1").get_json()
    second = api(client, "q=azathioprine&sort=newest&per_page=2&page=2").get_json()
    assert first["total"] == second["total"] == 3
    assert [h["id"] for h in first["results"] + second["results"]] == newest


def test_phrases_and_exclusion(client, corpus):
    assert ids(api(client, 'q="forgot a dose"')) == [corpus["forgot"].id]
    assert corpus["lupus"].id not in ids(api(client, "q=azathioprine+-lupus"))


def test_misspellings_get_a_suggestion(client, corpus):
    body = api(client, "q=azathiprine").get_json()
    assert body["suggestion"] == "azathioprine"
    page = client.get("/search?q=azathiprine").get_data(as_text=True)
    assert "Did you mean" in page and "azathioprine</a>" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=x&kind=poem", "kind must be one of"),
        ("q=x&role=wizard", "role must be one of"),
        ("q=x&sort=nonsense", "sort must be one of"),
        ("q=x&page=abc", "page must be a whole number"),
        ("q=x&page=0", "page must be a whole number"),
        ("q=x&per_page=101", "per_page must be a whole number from 1 to"),
        ("q=x&tag=no-such-tag", "There is no tag"),
        ("q=" + "a" * 10_000, "Please shorten your search"),
    ],
)
def test_bad_parameters_are_a_json_400_with_a_message(client, corpus, query, message):
    response = api(client, query)
    assert response.status_code == 400
    assert message in response.get_json()["message"]
    page = client.get("/search?" + query)
    assert page.status_code == 400 and message in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "AND OR NOT (",
        "a:b [c TO d] {e}",
        "imuran\x00\x07\x1b",
        "*?~^",
        "ÄžÄthiöprine",
        "-",
        '""',
    ],
)
def test_hostile_queries_never_fail(client, corpus, query):
    assert api(client, "q=" + query.replace("\x00", "%00")).status_code == 200
    assert client.get("/search", query_string={"q": query}).status_code == 200


def test_an_empty_search_suggests_topics(client, corpus):
    page = client.get("/search?q=zebra+unicorn").get_data(as_text=True)
    assert "Nothing matched" in page and 'href="/tags/azathioprine"' in page


def test_a_post_leaves_search_in_the_request_that_unpublishes_it(client, corpus, users):
    target = corpus["lupus"]
    assert target.id in ids(api(client, "q=lupus"))
    sign_in(client, users["moderator"].email)
    token = csrf_from(client.get("/moderation/").get_data(as_text=True))
    response = client.post(
        f"/moderation/posts/{target.id}/remove",
        data={"csrf_token": token, "reason": "Misinformation"},
    )
    assert response.status_code == 302
    assert target.id not in ids(api(client, "q=lupus"))
    sign_out(client)
    assert "Lupus flare on AZA" not in client.get("/search?q=lupus").get_data(as_text=True)


def test_search_results_never_show_emails(client, corpus, users):
    body = api(client, "q=azathioprine").get_data(as_text=True)
    assert "@example.org" not in body


def test_a_broken_index_is_a_clear_503_not_a_500(client, corpus, app):
    from app.search import SearchUnavailable, get_backend

    backend = get_backend(app)

    def broken(query):
        raise SearchUnavailable("index damaged")

    backend.search = broken
    response = api(client, "q=lupus")
    assert (
        response.status_code == 503 and "temporarily unavailable" in response.get_json()["message"]
    )
    assert client.get("/search?q=lupus").status_code == 503
