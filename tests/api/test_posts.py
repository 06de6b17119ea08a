"""GET /api/v1/posts and /api/v1/posts/<id>: filters, pages, details and N+1 safety."""

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.api.contract import get_json
from tests.conftest import make_user
from tests.helpers import make_post, make_tag


def ids(body) -> list[int]:
    return [post["id"] for post in body["results"]]


def test_the_list_shows_published_posts_newest_first(client, community):
    body = get_json(client, "/api/v1/posts", "PostList")
    published = community["published"]
    expected = sorted(published.values(), key=lambda post: post.published_at, reverse=True)
    assert ids(body) == [post.id for post in expected]
    assert body["page"] == 1 and body["per_page"] == 20
    assert body["total"] == len(published) and body["next"] is None


def test_a_post_object_carries_the_documented_fields(app, client, community):
    question = community["published"]["question"]
    body = get_json(client, "/api/v1/posts", "PostList")
    item = next(post for post in body["results"] if post["id"] == question.id)
    assert item == {
        "id": question.id,
        "url": f"/posts/{question.id}/{question.slug}",
        "title": "Lupus and azathioprine together?",
        "kind": "question",
        "summary": question.summary,
        "tags": ["azathioprine", "lupus"],
        "author": {"username": "pat", "display_name": "Pat", "role": "patient", "verified": False},
        "published_at": question.published_at.isoformat(),
        "answered": False,
        "accepted_comment_id": None,
    }
    assert item["published_at"].endswith("+00:00")
    assert app.url_map.bind("localhost").match(item["url"])[0] == "posts.show"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("tag=lupus", {"question", "other"}),
        ("tag=diet", {"other", "claimant"}),
        ("tag=unused-topic", set()),
        ("tag=only-unpublished", set()),
        ("author=pat", {"experience", "question"}),
        ("author=prov", {"article"}),
        ("kind=question", {"question"}),
        ("kind=article", {"article"}),
        ("tag=azathioprine&author=pat", {"experience", "question"}),
        ("tag=azathioprine&kind=article", {"article"}),
        ("tag=lupus&author=other&kind=experience", {"other"}),
        ("tag=lupus&author=prov", set()),
        (
            "tag=&author=&kind=",
            {"experience", "question", "article", "other", "claimant", "suspended"},
        ),
    ],
)
def test_filters(client, community, query, names):
    body = get_json(client, "/api/v1/posts?" + query, "PostList")
    expected = {community["published"][name].id for name in names}
    assert set(ids(body)) == expected and body["total"] == len(expected)


def test_pages_link_to_the_next_one_keeping_the_filters(client, community):
    first = get_json(client, "/api/v1/posts?per_page=2&tag=azathioprine", "PostList")
    assert first["total"] == 3 and len(first["results"]) == 2
    assert first["next"] == "/api/v1/posts?page=2&per_page=2&tag=azathioprine"
    second = get_json(client, first["next"], "PostList")
    assert second["page"] == 2 and second["next"] is None and len(second["results"]) == 1
    assert set(ids(first)) | set(ids(second)) == {
        community["published"][name].id for name in ("experience", "question", "article")
    }

    walked, url = [], "/api/v1/posts?per_page=1&kind=experience&author=pat"
    while url:
        body = get_json(client, url, "PostList")
        walked += ids(body)
        url = body["next"]
    assert walked == [community["published"]["experience"].id]


def test_a_page_past_the_last_is_empty(client, community):
    body = get_json(client, "/api/v1/posts?page=50", "PostList")
    assert body["results"] == [] and body["next"] is None and body["total"] == 6


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=-1", "page must be a whole number from 1 to 10000"),
        ("page=0", "page must be a whole number"),
        ("page=abc", "page must be a whole number"),
        ("page=1.5", "page must be a whole number"),
        ("page=%C2%B2", "page must be a whole number"),
        ("page=%D9%A3", "page must be a whole number"),
        ("page=10001", "page must be a whole number"),
        ("per_page=0", "per_page must be a whole number from 1 to 100"),
        ("per_page=101", "per_page must be a whole number from 1 to 100"),
        ("per_page=", "per_page must be a whole number"),
        ("kind=poem", "kind must be one of experience, question, article"),
        ("kind=Article", "kind must be one of"),
        ("tag=no-such-tag", "There is no tag 'no-such-tag'"),
        ("author=nobody", "There is no author 'nobody'"),
        ("author=silent", "There is no author 'silent'"),
        ("author=drafter", "There is no author 'drafter'"),
    ],
)
def test_bad_parameters_are_a_json_400_with_a_message(client, community, query, message):
    body = get_json(client, "/api/v1/posts?" + query, "Error", status=400)
    assert body["status"] == 400 and message in body["message"]


def test_the_detail_adds_the_body(client, community):
    post = community["published"]["experience"]
    body = get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")
    assert body["id"] == post.id and body["url"] == post.path
    assert body["body_html"] == post.body_html and "<strong>text</strong>" in body["body_html"]
    assert body["reviewed_by"] is None and body["last_reviewed_at"] is None
    assert body["tags"] == ["azathioprine"]


def test_an_article_says_who_reviewed_it_and_when(client, community):
    article = community["published"]["article"]
    body = get_json(client, f"/api/v1/posts/{article.id}", "PostDetail")
    assert body["reviewed_by"] == {
        "username": "reviewer",
        "display_name": "Reviewer",
        "role": "provider",
        "verified": True,
    }
    assert body["last_reviewed_at"] == article.last_reviewed_at.isoformat()
    assert body["author"]["verified"] is True


@pytest.mark.parametrize("path", ["0", "999999", "99999999999999999999999", "%D9%A3", "abc", "-1"])
def test_unknown_ids_are_a_json_404(client, community, path):
    body = get_json(client, f"/api/v1/posts/{path}", "Error", status=404)
    assert body["status"] == 404


@pytest.fixture
def many_posts(app):
    """Sixty posts by six authors over five tags: enough for an N+1 to show."""
    tags = [make_tag(f"topic-{n}") for n in range(5)]
    authors = [make_user(f"writer{n}") for n in range(6)]
    for n in range(60):
        make_post(
            authors[n % 6],
            title=f"Post number {n}",
            tags=[tags[n % 5], tags[(n + 1) % 5]],
            days_ago=n + 1,
        )


def count_statements(client, url: str) -> int:
    """SQL statements one request runs, once connections and caches are warm (SQLite's BEGIN
    left out: PostgreSQL's is not one the engine reports)."""
    client.get(url)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "query", ["", "&tag=topic-1", "&author=writer3", "&kind=experience&tag=topic-2"]
)
def test_the_number_of_queries_does_not_grow_with_the_page(client, many_posts, query):
    small = count_statements(client, "/api/v1/posts?per_page=5" + query)
    large = count_statements(client, "/api/v1/posts?per_page=50" + query)
    assert small == large
    assert len(client.get("/api/v1/posts?per_page=50" + query).get_json()["results"]) > 5


@pytest.mark.parametrize("query", ["tag=topic-1", "kind=experience&tag=topic-2"])
def test_a_tag_filter_reads_the_tag_with_its_count(client, many_posts, query):
    """The tag with its count, the posts, their tags: the count needs no query of its own."""
    client.set_cookie("returning", "1")  # a cookie keeps the cache of API reads out of the count
    url = "/api/v1/posts?per_page=5&" + query
    assert count_statements(client, url) == 3
    body = client.get(url).get_json()
    everything = client.get("/api/v1/posts?per_page=100&" + query).get_json()
    assert body["total"] == len(everything["results"]) > 5


def test_the_number_of_queries_of_the_tag_list_does_not_grow_with_the_page(client, many_posts):
    assert count_statements(client, "/api/v1/tags?per_page=1") == count_statements(
        client, "/api/v1/tags?per_page=5"
    )


@pytest.mark.parametrize("query", ["", "&tag=topic-1", "&author=writer1&kind=experience"])
def test_the_list_reads_rows_and_builds_no_post_objects(client, many_posts, query):
    """ORM objects cost most of an uncached list (issue 22): the list is made from rows."""
    from app.models import Post

    loaded = []

    def record(target, context):
        loaded.append(target)

    client.set_cookie("returning", "1")  # past the cache of API reads
    client.get("/api/v1/posts")  # the worker's first request indexes the new posts
    event.listen(Post, "load", record)
    try:
        body = client.get("/api/v1/posts?per_page=20" + query).get_json()
    finally:
        event.remove(Post, "load", record)
    assert len(body["results"]) > 3
    assert loaded == []
