"""Atom feeds, the sitemap, robots.txt and what every page tells search engines about itself."""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from app.db import utcnow
from app.extensions import db
from app.feeds import sitemap as sitemap_module
from app.templating import jsonld
from tests.conftest import make_user
from tests.helpers import make_post, make_tag, sign_in
from tests.xss_checks import page_problems

REPO_ROOT = Path(__file__).resolve().parents[2]
SITEMAP_XSD = REPO_ROOT / "tests" / "data" / "schemas" / "sitemap.xsd"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
HIDDEN_STATES = ("draft", "pending", "rejected", "hidden", "removed", "deleted")
HOSTILE_TITLE = "</script><script>alert(1)</script> & <!-- it"
BASE = "http://localhost"


@pytest.fixture
def world(app, users):
    writer = make_user("liver_writer", display_name="Liver Writer")
    reviewer = make_user(
        "rev",
        "provider",
        display_name="Dr Rev",
        verification_state="verified",
        credentials="PharmD",
        specialty="Clinical pharmacy",
    )
    silent = make_user("silent_one", display_name="Silent One")
    aza = make_tag("azathioprine", "medication", "Azathioprine")
    lupus = make_tag("lupus", "condition", "Lupus")
    make_tag("diet", "topic", "Diet")
    experience = make_post(writer, title="Forgot a dose of azathioprine", tags=[aza])
    question = make_post(
        writer,
        title="Blood tests every three months?",
        kind="question",
        tags=[aza, lupus],
        days_ago=2,
    )
    question.edited_at = utcnow() - timedelta(hours=2)
    article = make_post(
        users["provider"],
        title="TPMT testing before azathioprine",
        kind="article",
        tags=[aza],
        days_ago=3,
    )
    article.reviewed_by_id = reviewer.id
    article.last_reviewed_at = utcnow() - timedelta(days=2)
    hidden = {
        state: make_post(writer, title=f"Secret {state} post", status=state, tags=[aza, lupus])
        for state in HIDDEN_STATES
    }
    silent_post = make_post(silent, title="Secret post of a silent member", status="pending")
    db.session.commit()
    return {
        "writer": writer,
        "reviewer": reviewer,
        "provider": users["provider"],
        "silent": silent,
        "tag": aza,
        "experience": experience,
        "question": question,
        "article": article,
        "hidden": hidden,
        "silent_post": silent_post,
        "published": [experience, question, article],
    }


def text(response) -> str:
    return response.get_data(as_text=True)


def w3c(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def page_url(post) -> str:
    return f"{BASE}/posts/{post.id}/{post.slug}"


def parsed_feed(response):
    assert response.status_code == 200, text(response)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def assert_nothing_private(body: str) -> None:
    assert "Secret" not in body
    assert "@example.org" not in body


# --- Atom feeds ------------------------------------------------------------------------------


def test_latest_feed_is_atom_with_only_published_posts(client, world):
    response = client.get("/feeds/latest.atom")
    feed = parsed_feed(response)
    assert_nothing_private(text(response))
    assert [entry.title for entry in feed.entries] == [
        "Forgot a dose of azathioprine",
        "Blood tests every three months?",
        "TPMT testing before azathioprine",
    ]
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": f"{BASE}/feeds/latest.atom", "alternate": f"{BASE}/"}
    assert feed.feed.id == f"{BASE}/feeds/latest.atom"
    assert feed.feed.updated == w3c(world["question"].edited_at)


def test_feed_entries_carry_id_dates_author_name_tags_and_escaped_html(client, world):
    feed = parsed_feed(client.get("/feeds/latest.atom"))
    entries = {entry.title: entry for entry in feed.entries}
    experience, question = world["experience"], world["question"]
    entry = entries[experience.title]
    assert entry.id == f"{BASE}/posts/{experience.id}"
    assert entry.link == page_url(experience)
    assert entry.author == "Liver Writer"
    assert entry.author_detail.href == f"{BASE}/authors/liver_writer"
    assert entry.published == w3c(experience.published_at)
    assert entry.updated == w3c(experience.published_at)
    assert entries[question.title].updated == w3c(question.edited_at)
    assert [tag.term for tag in entry.tags] == ["azathioprine"]
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value == experience.body_html.strip()
    assert "<strong>text</strong>" in entry.content[0].value
    article = entries["TPMT testing before azathioprine"]
    assert article.updated == w3c(world["article"].last_reviewed_at)


def test_feed_content_is_escaped_text_not_markup(client, world):
    body = text(client.get("/feeds/latest.atom"))
    assert '<content type="html">&lt;p&gt;Some &lt;strong&gt;text&lt;/strong&gt;' in body


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "/tags/azathioprine/feed.atom",
            {
                "Forgot a dose of azathioprine",
                "Blood tests every three months?",
                "TPMT testing before azathioprine",
            },
        ),
        ("/tags/lupus/feed.atom", {"Blood tests every three months?"}),
        ("/tags/diet/feed.atom", set()),
        (
            "/authors/liver_writer/feed.atom",
            {"Forgot a dose of azathioprine", "Blood tests every three months?"},
        ),
        ("/authors/prov/feed.atom", {"TPMT testing before azathioprine"}),
        ("/authors/rev/feed.atom", set()),
    ],
)
def test_tag_and_author_feeds_hold_their_published_posts_only(client, world, url, expected):
    response = client.get(url)
    feed = parsed_feed(response)
    assert_nothing_private(text(response))
    assert {entry.title for entry in feed.entries} == expected
    assert {link.rel: link.href for link in feed.feed.links}["self"] == BASE + url


def test_tag_and_author_feeds_link_to_their_pages(client, world):
    tag_feed = parsed_feed(client.get("/tags/azathioprine/feed.atom"))
    author_feed = parsed_feed(client.get("/authors/liver_writer/feed.atom"))
    assert tag_feed.feed.title == "Azathioprine · AZA & AIH Community"
    assert tag_feed.feed.link == f"{BASE}/tags/azathioprine"
    assert author_feed.feed.link == f"{BASE}/authors/liver_writer"
    assert author_feed.feed.author == "Liver Writer"


def test_an_empty_feed_is_still_valid(client, app):
    feed = parsed_feed(client.get("/feeds/latest.atom"))
    assert feed.entries == [] and feed.feed.updated


def test_feeds_hold_the_newest_thirty(client, world):
    for number in range(35):
        make_post(world["writer"], title=f"Numbered {number:02d}", tags=[world["tag"]], days_ago=0)
    for url in ("/feeds/latest.atom", "/tags/azathioprine/feed.atom"):
        titles = [entry.title for entry in parsed_feed(client.get(url)).entries]
        assert len(titles) == 30
        assert titles[0] == "Numbered 34" and "Numbered 04" not in titles


def test_hostile_titles_and_control_characters_stay_text_in_feeds(client, world):
    make_post(world["writer"], title=f"{HOSTILE_TITLE} \x0b\x00 <b>bold</b>", days_ago=0)
    response = client.get("/feeds/latest.atom")
    feed = parsed_feed(response)
    assert feed.entries[0].title == f"{HOSTILE_TITLE}  <b>bold</b>"
    assert "<script>" not in text(response)


@pytest.mark.parametrize(
    "url",
    [
        "/tags/nope/feed.atom",
        "/authors/nobody/feed.atom",
        "/authors/silent_one/feed.atom",
        "/authors/pat/feed.atom",
    ],
)
def test_unknown_or_silent_tags_and_authors_have_no_feed(client, world, url):
    assert client.get(url).status_code == 404


def test_feeds_are_cached_for_visitors_until_content_changes(client, world):
    assert client.get("/feeds/latest.atom").headers["X-Page-Cache"] == "miss"
    assert client.get("/feeds/latest.atom").headers["X-Page-Cache"] == "hit"
    make_post(world["writer"], title="Brand new post", days_ago=0)
    response = client.get("/feeds/latest.atom")
    assert response.headers["X-Page-Cache"] == "miss"
    assert "Brand new post" in text(response)


@pytest.mark.parametrize("url", ["/feeds/latest.atom", "/sitemap.xml", "/robots.txt", "/"])
def test_a_forged_host_header_cannot_poison_what_others_get(client, world, url):
    poisoned = client.get(url, headers={"Host": "evil.example"})
    assert poisoned.status_code == 400  # another host than SITE_URL's (tests/security)
    assert "evil.example" not in text(poisoned)
    assert "evil.example" not in text(client.get(url))


# --- Autodiscovery -----------------------------------------------------------------------------


class HeadReader(HTMLParser):
    """The <title>, <meta> and <link> elements of a page, and its JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.jsonld: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "title":
            self._in = "title"
        elif tag == "meta" and ("name" in attributes or "property" in attributes):
            key = attributes.get("name") or attributes["property"]
            self.meta.setdefault(key, []).append(attributes.get("content", ""))
        elif tag == "link":
            self.links.append(attributes)
        elif tag == "script" and attributes.get("type") == "application/ld+json":
            self._in = "jsonld"
            self.jsonld.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "jsonld":
            self.jsonld[-1] += data

    def alternates(self) -> dict[str, str]:
        return {
            link["href"]: link.get("title", "")
            for link in self.links
            if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
        }

    def canonical(self) -> list[str]:
        return [link["href"] for link in self.links if link.get("rel") == "canonical"]


def read_head(response) -> HeadReader:
    reader = HeadReader()
    reader.feed(text(response))
    reader.close()
    return reader


@pytest.mark.parametrize(
    "url, feeds",
    [
        ("/", {"/feeds/latest.atom"}),
        ("/tags/azathioprine", {"/feeds/latest.atom", "/tags/azathioprine/feed.atom"}),
        ("/authors/liver_writer", {"/feeds/latest.atom", "/authors/liver_writer/feed.atom"}),
    ],
)
def test_pages_announce_their_feeds(client, world, url, feeds):
    alternates = read_head(client.get(url)).alternates()
    assert set(alternates) == {BASE + feed for feed in feeds}
    assert all(alternates.values()), "every feed link has a title"
    for href in alternates:
        parsed_feed(client.get(href.removeprefix(BASE)))


# --- Sitemap and robots.txt --------------------------------------------------------------------


def sitemap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))


def sitemap_urls(response) -> dict[str, str | None]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    document = etree.fromstring(response.data)
    schema = sitemap_schema()
    assert schema.validate(document), schema.error_log
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in document.findall("s:url", SITEMAP_NS)
    }


def test_sitemap_is_valid_and_lists_public_pages_only(client, world):
    response = client.get("/sitemap.xml")
    urls = sitemap_urls(response)
    assert_nothing_private(text(response))
    posts = {page_url(post) for post in world["published"]}
    expected = {
        f"{BASE}/",
        f"{BASE}/tags/",
        f"{BASE}/tags/azathioprine",
        f"{BASE}/tags/lupus",
        f"{BASE}/tags/diet",
        f"{BASE}/authors/liver_writer",
        f"{BASE}/authors/prov",
        *posts,
    }
    assert set(urls) == expected
    for post in world["hidden"].values():
        assert f"/posts/{post.id}/" not in text(response)


def test_sitemap_gives_posts_their_last_change(client, world):
    urls = sitemap_urls(client.get("/sitemap.xml"))
    assert urls[page_url(world["experience"])] == w3c(world["experience"].published_at)
    assert urls[page_url(world["question"])] == w3c(world["question"].edited_at)
    assert urls[page_url(world["article"])] == w3c(world["article"].last_reviewed_at)
    assert urls[f"{BASE}/"] == w3c(world["question"].edited_at)
    assert urls[f"{BASE}/authors/liver_writer"] == w3c(world["question"].edited_at)
    assert all(urls.values())


def post_id_in(url: str) -> int | None:
    match = re.search(r"/posts/(\d+)/", url)
    return int(match.group(1)) if match else None


def test_posts_past_the_first_block_are_in_numbered_sitemaps_that_robots_names(
    client, world, monkeypatch
):
    monkeypatch.setattr(sitemap_module, "POSTS_PER_SITEMAP", 2)
    published_blocks = {post.id // 2 for post in world["published"]} - {0}
    hidden_only = {post.id // 2 for post in world["hidden"].values()} - published_blocks - {0}
    assert published_blocks and hidden_only, "the world must fill several blocks"

    robots = text(client.get("/robots.txt")).splitlines()
    sitemaps = [line.removeprefix("Sitemap: ") for line in robots if line.startswith("Sitemap: ")]
    assert sitemaps == [f"{BASE}/sitemap.xml"] + [
        f"{BASE}/sitemaps/posts-{block}.xml" for block in sorted(published_blocks)
    ]
    listed: dict[str, str | None] = {}
    for number, sitemap_url in enumerate(sitemaps):
        urls = sitemap_urls(client.get(sitemap_url.removeprefix(BASE)))
        assert not set(urls) & set(listed), "a URL is in one sitemap only"
        listed.update(urls)
        block = 0 if number == 0 else int(re.search(r"posts-(\d+)", sitemap_url).group(1))
        post_ids = [post_id_in(url) for url in urls if post_id_in(url) is not None]
        assert post_ids and all(post_id // 2 == block for post_id in post_ids)
    assert set(listed) == set(sitemap_urls(client.get("/sitemap.xml"))) | {
        page_url(post) for post in world["published"]
    }
    assert listed[page_url(world["article"])] == w3c(world["article"].last_reviewed_at)
    for block in [0, *hidden_only, 10**6]:
        assert client.get(f"/sitemaps/posts-{block}.xml").status_code == 404


def test_an_empty_site_has_a_valid_sitemap(client, app):
    assert set(sitemap_urls(client.get("/sitemap.xml"))) == {f"{BASE}/", f"{BASE}/tags/"}


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_areas(client, app):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = text(response).splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    for path in ("/moderation/", "/auth/", "/me/", "/posts/new", "/search", "/api/"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines


# --- Titles, descriptions, canonical URLs, Open Graph, robots meta ----------------------------


def public_pages(world) -> dict[str, str]:
    """Page URL -> its canonical URL."""
    article = world["article"]
    return {
        "/": f"{BASE}/",
        "/tags/": f"{BASE}/tags/",
        "/tags/azathioprine": f"{BASE}/tags/azathioprine",
        f"/posts/{article.id}/{article.slug}": page_url(article),
        "/authors/liver_writer": f"{BASE}/authors/liver_writer",
    }


def assert_page_metadata(head: HeadReader, canonical: str | None) -> None:
    assert head.title.strip() and head.title.endswith("· AZA & AIH Community")
    assert len(head.meta["description"]) == 1 and head.meta["description"][0].strip()
    for key in ("og:title", "og:description", "og:type", "og:site_name"):
        assert len(head.meta.get(key, [])) == 1 and head.meta[key][0].strip(), key
    assert head.meta["og:site_name"] == ["AZA & AIH Community"]
    if canonical is not None:
        assert head.canonical() == [canonical]
        assert head.meta["og:url"] == [canonical]


def test_public_pages_have_title_description_canonical_and_open_graph(client, world):
    for url, canonical in public_pages(world).items():
        head = read_head(client.get(url))
        assert_page_metadata(head, canonical)
        assert "robots" not in head.meta, url
        assert head.meta["og:title"][0] in head.title


def test_descriptions_and_types_describe_each_page(client, world):
    post = world["experience"]
    post_head = read_head(client.get(f"/posts/{post.id}/{post.slug}"))
    assert post_head.meta["description"] == [post.summary]
    assert post_head.meta["og:type"] == ["article"]
    assert post_head.meta["og:title"] == [post.title]
    tag_head = read_head(client.get("/tags/azathioprine"))
    assert tag_head.meta["description"] == ["About azathioprine."]
    author_head = read_head(client.get("/authors/liver_writer"))
    assert author_head.meta["og:type"] == ["profile"]
    assert "Liver Writer" in author_head.meta["description"][0]
    assert read_head(client.get("/")).meta["og:type"] == ["website"]


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("/?utm_source=newsletter&fbclid=abc", "/"),
        ("/tags/azathioprine?utm_campaign=x&sort=helpful", "/tags/azathioprine"),
        ("/tags/azathioprine?page=1", "/tags/azathioprine"),
        ("/?page=abc", "/"),
        ("/tags/azathioprine?kind=question&gclid=1", "/tags/azathioprine?kind=question"),
        ("/authors/liver_writer?ref=twitter", "/authors/liver_writer"),
    ],
)
def test_canonical_urls_drop_tracking_and_sorting_arguments(client, world, url, canonical):
    head = read_head(client.get(url))
    assert head.canonical() == [BASE + canonical]


def test_paginated_pages_keep_their_page_number_in_the_canonical_url(client, world):
    for number in range(25):
        make_post(world["writer"], title=f"Numbered {number:02d}", tags=[world["tag"]])
    head = read_head(client.get("/tags/azathioprine?page=2&utm_medium=email"))
    assert head.canonical() == [f"{BASE}/tags/azathioprine?page=2"]
    assert head.meta["og:url"] == [f"{BASE}/tags/azathioprine?page=2"]


def test_post_urls_with_a_stale_slug_still_redirect_to_the_canonical_one(client, world):
    post = world["experience"]
    assert (
        client.get(f"/posts/{post.id}/old").headers["Location"] == f"/posts/{post.id}/{post.slug}"
    )


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=dose",
        "/search",
        "/auth/login",
        "/auth/register",
        "/auth/register/confirm?token=secret-token",
        "/auth/reset",
    ],
)
def test_search_and_sign_in_pages_are_not_indexed(client, world, url):
    head = read_head(client.get(url))
    assert head.meta["robots"] == ["noindex"]
    assert_page_metadata(head, None)
    assert len(head.canonical()) == 1 and head.canonical()[0].startswith(BASE)
    assert "token" not in head.canonical()[0]


@pytest.mark.parametrize("url", ["/moderation/", "/me/posts", "/me/profile", "/posts/new"])
def test_member_and_moderator_pages_are_not_indexed(client, world, url):
    sign_in(client, "modi@example.org")
    head = read_head(client.get(url))
    assert head.meta["robots"] == ["noindex"]
    assert_page_metadata(head, None)


def test_an_authors_view_of_an_unpublished_post_is_not_indexed(client, world):
    sign_in(client, world["writer"].email)
    post = world["hidden"]["pending"]
    response = client.get(f"/posts/{post.id}/{post.slug}")
    assert response.status_code == 200
    head = read_head(response)
    assert head.meta["robots"] == ["noindex"]
    assert head.jsonld == []


def test_error_pages_are_not_indexed_and_claim_no_canonical_url(client, world):
    for url in ("/tags/nope", "/no/such/page", "/posts/99999/x"):
        response = client.get(url)
        assert response.status_code == 404
        head = read_head(response)
        assert head.meta["robots"] == ["noindex"]
        assert head.canonical() == [] and "og:url" not in head.meta


# --- JSON-LD -----------------------------------------------------------------------------------


def jsonld_of(client, url: str) -> dict:
    blocks = read_head(client.get(url)).jsonld
    assert len(blocks) == 1, blocks
    return json.loads(blocks[0])


def test_a_reviewed_article_is_a_medical_web_page_with_author_and_reviewer(client, world):
    article = world["article"]
    data = jsonld_of(client, f"/posts/{article.id}/{article.slug}")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == ["MedicalWebPage", "Article"]
    assert data["headline"] == "TPMT testing before azathioprine"
    assert data["url"] == data["mainEntityOfPage"] == page_url(article)
    assert data["author"] == {
        "@type": "Person",
        "name": "Prov",
        "url": f"{BASE}/authors/prov",
        "honorificSuffix": "MD",
        "jobTitle": "Hepatology",
    }
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr Rev",
        "url": f"{BASE}/authors/rev",
        "honorificSuffix": "PharmD",
        "jobTitle": "Clinical pharmacy",
    }
    assert data["datePublished"] == w3c(article.published_at)
    assert data["dateModified"] == data["lastReviewed"] == w3c(article.last_reviewed_at)
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "AZA & AIH Community",
        "url": f"{BASE}/",
    }
    assert {"@type": "Thing", "name": "Azathioprine"} in data["about"]
    assert "@example.org" not in json.dumps(data)


def test_member_posts_are_forum_postings_without_credentials(client, world):
    post = world["question"]
    data = jsonld_of(client, f"/posts/{post.id}/{post.slug}")
    assert data["@type"] == "DiscussionForumPosting"
    assert data["headline"] == post.title
    assert data["author"] == {
        "@type": "Person",
        "name": "Liver Writer",
        "url": f"{BASE}/authors/liver_writer",
    }
    assert data["datePublished"] == w3c(post.published_at)
    assert data["dateModified"] == w3c(post.edited_at)
    assert data["commentCount"] == 0
    assert "reviewedBy" not in data


def test_unverified_providers_get_no_job_title(client, world):
    world["provider"].verification_state = "pending"
    db.session.commit()
    article = world["article"]
    data = jsonld_of(client, f"/posts/{article.id}/{article.slug}")
    assert data["author"] == {"@type": "Person", "name": "Prov", "url": f"{BASE}/authors/prov"}


def test_a_tag_page_is_a_collection_page(client, world):
    data = jsonld_of(client, "/tags/azathioprine")
    assert data["@type"] == "CollectionPage"
    assert data["name"] == "Azathioprine"
    assert data["description"] == "About azathioprine."
    assert data["url"] == f"{BASE}/tags/azathioprine"
    listed = [item["url"] for item in data["mainEntity"]["itemListElement"]]
    assert page_url(world["experience"]) in listed and len(listed) == 3


def test_a_tag_pages_kept_json_ld_follows_every_value_it_shows(app, client, world):
    """The tag page's JSON-LD text is kept per worker by the values it is made of: a new
    description, synonym, post, page or site address each gives new text."""
    tag = world["tag"]
    before = jsonld_of(client, "/tags/azathioprine")
    tag.description_html = "<p>Now <em>with</em> more to say.</p>"
    tag.synonyms = "Imuran"
    db.session.commit()
    changed = jsonld_of(client, "/tags/azathioprine")
    assert before["description"] == "About azathioprine."
    assert changed["description"] == "Now with more to say."
    assert changed["about"]["alternateName"] == ["Imuran"]
    newest = make_post(world["writer"], title="A fourth post about aza", tags=[tag], days_ago=0)
    db.session.commit()
    listed = jsonld_of(client, "/tags/azathioprine")["mainEntity"]["itemListElement"]
    assert [item["url"] for item in listed][0] == page_url(newest) and len(listed) == 4
    assert jsonld_of(client, "/tags/azathioprine?kind=question")["url"] == (
        f"{BASE}/tags/azathioprine?kind=question"
    )
    app.config["SITE_URL"] = "http://example.org/community"
    page = client.get("/tags/azathioprine", base_url="http://example.org/community/")
    moved = json.loads(read_head(page).jsonld[0])
    assert moved["url"] == "http://example.org/community/tags/azathioprine"
    assert moved["mainEntity"]["itemListElement"][0]["url"].startswith(
        "http://example.org/community/posts/"
    )


def test_the_kept_json_ld_text_is_the_serialized_json_ld(app, world):
    from app.feeds.metadata import tag_jsonld, tag_structured_data

    with app.test_request_context("/tags/azathioprine"):
        posts = world["published"]
        assert tag_structured_data(world["tag"], posts) == jsonld(tag_jsonld(world["tag"], posts))


def test_an_author_page_is_a_profile_page(client, world):
    data = jsonld_of(client, "/authors/prov")
    assert data["@type"] == "ProfilePage"
    assert data["mainEntity"]["name"] == "Prov" and data["mainEntity"]["jobTitle"] == "Hepatology"
    assert "@example.org" not in json.dumps(data)


def test_a_hostile_title_cannot_break_out_of_the_json_ld_block(client, world):
    post = make_post(world["writer"], title=HOSTILE_TITLE, tags=[world["tag"]], days_ago=0)
    for url in (f"/posts/{post.id}/{post.slug}", "/tags/azathioprine", "/"):
        response = client.get(url)
        page = text(response)
        assert "<script>alert(1)" not in page, url
        assert page_problems(page) == [], url
    page = text(client.get(f"/posts/{post.id}/{post.slug}"))
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert block and "<" not in block.group(1)
    assert json.loads(block.group(1))["headline"] == HOSTILE_TITLE


def test_the_jsonld_filter_escapes_everything_that_could_end_a_script():
    data = {"a": "</script><!-- & \u2028 ]]>", "b": ["x"]}
    serialized = str(jsonld(data))
    assert not set("<>&\u2028") & set(serialized)
    assert json.loads(serialized) == data


@pytest.mark.parametrize("site", ["https://example.org", "https://example.org/community"])
def test_a_posts_url_is_the_one_site_url_for_builds(app, site):
    from app.feeds.metadata import post_url
    from app.links import site_url_for

    app.config["SITE_URL"] = site
    post = make_post(make_user("url_author"), title="Après la greffe: 5 ans & plus")
    db.session.commit()
    built = site_url_for("posts.show", post_id=post.id, slug=post.slug)
    assert post_url(post) == built
    assert built.startswith(site + "/posts/")


def test_kept_absolute_links_follow_the_site_address(app, monkeypatch):
    from app import links

    monkeypatch.setattr(links, "KEPT_LINKS", 3)
    with app.test_request_context("/"):
        app.config["SITE_URL"] = "https://example.org"
        first = links.site_url_for("tags.show", slug="lupus")
        assert links.site_url_for("tags.show", slug="lupus") == first
        assert first == "https://example.org/tags/lupus"
        app.config["SITE_URL"] = "https://example.org/community"
        assert links.site_url_for("tags.show", slug="lupus") == (
            "https://example.org/community/tags/lupus"
        )
        for number in range(10):
            assert links.site_url_for("tags.show", slug=f"t{number}").endswith(f"/t{number}")
        assert len(app.extensions["site_links"][2]) <= 3
        listed = links.site_url_for("tags.show", slug="lupus", tag=["x", "y"])  # not a key
        assert listed == "https://example.org/community/tags/lupus?tag=x&tag=y"
        kept = dict(app.extensions["site_links"][2])
        mailed = links.site_url_for("auth.reset", token="one-off-secret")
        assert mailed == "https://example.org/community/auth/reset/new?token=one-off-secret"
        assert app.extensions["site_links"][2] == kept  # a mailed link's token is kept by no one
