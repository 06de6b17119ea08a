"""Tag (condition) pages, tag editing by moderators, and related reading on the post page."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, func, select

from app.db import utcnow
from app.extensions import db
from app.models import Post, SearchOutbox, Tag
from tests.conftest import make_user
from tests.helpers import csrf_from, make_post, make_tag, post_form, statements_of_page

HIDDEN_STATES = ("draft", "pending", "rejected", "hidden", "removed", "deleted")


def text(response) -> str:
    return response.get_data(as_text=True)


def between(page: str, start: str, end: str | None = None) -> str:
    """The part of a page from one marker to the next (or to the end)."""
    begin = page.index(start)
    return page[begin : page.index(end, begin) if end else len(page)]


def listing(page: str) -> str:
    return between(page, 'id="tag-posts-heading"')


def titles_in(fragment: str) -> list[str]:
    return [
        unescape(title)
        for title in re.findall(r'class="post-card-title"><a href="[^"]+">([^<]+)</a>', fragment)
    ]


@pytest.fixture
def site(app, users):
    aza = make_tag("azathioprine", "medication", "Azathioprine")
    aih = make_tag("autoimmune-hepatitis", "condition", "Autoimmune hepatitis")
    blood = make_tag("blood-tests", "topic", "Blood tests")
    lupus = make_tag("lupus", "condition", "Lupus")
    unverified = make_user("unverified_doc", "provider", display_name="Unverified Doc")
    posts = {
        "holiday": make_post(
            users["patient"], title="Forgot a dose on holiday", tags=[aza, aih], days_ago=5
        ),
        "nausea": make_post(
            users["patient"], title="Is nausea normal?", kind="question", tags=[aza], days_ago=4
        ),
        "monitoring": make_post(
            users["provider"],
            title="Monitoring azathioprine with blood tests",
            kind="article",
            tags=[aza, blood],
            days_ago=3,
        ),
        "aih_article": make_post(
            users["provider"],
            title="Azathioprine in autoimmune hepatitis",
            kind="article",
            tags=[aza, aih],
            days_ago=2,
        ),
        "first_year": make_post(
            users["other_patient"], title="My first year on AZA", tags=[aza, aih], days_ago=1
        ),
        "unverified": make_post(
            unverified, title="Notes from an unverified provider", tags=[aza], days_ago=6
        ),
    }
    hidden = {}
    for number, state in enumerate(HIDDEN_STATES):
        post = make_post(
            users["patient"], title=f"Secret {state} post", tags=[aza, aih, lupus], days_ago=1
        )
        post.status = state
        # Unpublished after having been published: the date stays, the post must not show.
        post.published_at = utcnow() - timedelta(days=2, hours=12 + number)
        post.helpful_count = 1000
        hidden[state] = post
    db.session.commit()
    return {"aza": aza, "aih": aih, "blood": blood, "lupus": lupus, "posts": posts, **hidden}


# The tag page -----------------------------------------------------------------------------


def test_tag_page_shows_intro_then_posts_with_author_role_date_summary_and_reading_time(
    client, site
):
    response = client.get("/tags/azathioprine")
    page = text(response)
    assert response.status_code == 200
    assert page.index("About azathioprine.") < page.index('id="tag-posts-heading"')
    posts = listing(page)
    assert titles_in(posts) == [
        "My first year on AZA",
        "Azathioprine in autoimmune hepatitis",
        "Monitoring azathioprine with blood tests",
        "Is nausea normal?",
        "Forgot a dose on holiday",
        "Notes from an unverified provider",
    ]
    monitoring = site["posts"]["monitoring"]
    assert "badge-provider" in posts and "badge-verified" in posts and "badge-patient" in posts
    assert f'datetime="{monitoring.published_at.isoformat()}"' in posts
    assert "Some text about my treatment." in posts and "1 min read" in posts


@pytest.mark.parametrize(
    ("kind", "label", "expected"),
    [
        (
            "article",
            "Articles from providers",
            ["Azathioprine in autoimmune hepatitis", "Monitoring azathioprine with blood tests"],
        ),
        ("question", "Questions", ["Is nausea normal?"]),
        (
            "experience",
            "Experiences",
            [
                "My first year on AZA",
                "Forgot a dose on holiday",
                "Notes from an unverified provider",
            ],
        ),
    ],
)
def test_kind_filter_lists_only_that_kind_and_marks_the_current_link(
    client, site, kind, label, expected
):
    page = text(client.get(f"/tags/azathioprine?kind={kind}"))
    assert titles_in(listing(page)) == expected
    assert f'href="/tags/azathioprine?kind={kind}" aria-current="page">{label}</a>' in page
    assert 'href="/tags/azathioprine">All</a>' in page
    all_posts = text(client.get("/tags/azathioprine"))
    assert 'href="/tags/azathioprine" aria-current="page">All</a>' in all_posts
    assert f'href="/tags/azathioprine?kind={kind}">{label}</a>' in all_posts


def test_filter_links_keep_the_sort_and_sort_links_keep_the_filter(client, site):
    page = text(client.get("/tags/azathioprine?kind=article&sort=helpful"))
    assert 'href="/tags/azathioprine?kind=question&amp;sort=helpful">Questions</a>' in page
    assert 'href="/tags/azathioprine?kind=article">Newest</a>' in page
    assert 'href="/tags/azathioprine?kind=article&amp;sort=helpful" aria-current="page">' in page


def test_an_empty_filter_says_so_and_links_back(client, site):
    page = text(client.get("/tags/blood-tests?kind=question"))
    assert "No questions here yet." in page
    assert 'href="/tags/blood-tests">See all posts about Blood tests</a>' in page


def test_sort_by_helpful_puts_the_most_helpful_first_then_the_newest(client, site):
    posts = site["posts"]
    posts["nausea"].helpful_count = 7
    posts["holiday"].helpful_count = 3
    posts["monitoring"].helpful_count = 3
    db.session.commit()
    page = text(client.get("/tags/azathioprine?sort=helpful"))
    assert titles_in(listing(page))[:4] == [
        "Is nausea normal?",
        "Monitoring azathioprine with blood tests",
        "Forgot a dose on holiday",
        "My first year on AZA",
    ]
    assert 'href="/tags/azathioprine?sort=helpful" aria-current="page">Most helpful</a>' in page
    newest = text(client.get("/tags/azathioprine?sort=newest"))
    assert titles_in(listing(newest))[0] == "My first year on AZA"


def test_pagination_keeps_the_filter_and_the_sort(client, site, users):
    for number in range(25):
        post = make_post(
            users["patient"],
            title=f"Question number {number:02d}",
            kind="question",
            tags=[site["aza"]],
            days_ago=1,
        )
        post.helpful_count = number
    db.session.commit()
    first = text(client.get("/tags/azathioprine?kind=question&sort=helpful"))
    assert "Page 1 of 2" in first
    assert titles_in(listing(first))[0] == "Question number 24"
    next_url = unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1))
    assert parse_qs(urlsplit(next_url).query) == {
        "page": ["2"],
        "kind": ["question"],
        "sort": ["helpful"],
    }
    second = text(client.get(next_url))
    assert "Page 2 of 2" in second
    # 26 questions, 20 a page; among equally helpful ones the newest comes first
    assert titles_in(listing(second)) == [
        "Question number 04",
        "Question number 03",
        "Question number 02",
        "Question number 01",
        "Question number 00",
        "Is nausea normal?",
    ]
    previous_url = unescape(re.search(r'rel="prev" href="([^"]+)"', second).group(1))
    assert parse_qs(urlsplit(previous_url).query) == {
        "page": ["1"],
        "kind": ["question"],
        "sort": ["helpful"],
    }


def test_related_tags_are_those_most_often_on_the_same_published_posts(client, site):
    page = text(client.get("/tags/azathioprine"))
    related = between(page, 'aria-label="Related topics"', "</nav>")
    assert related.index("Autoimmune hepatitis") < related.index("Blood tests")
    assert 'Autoimmune hepatitis <span class="count">3</span>' in related
    assert 'Blood tests <span class="count">1</span>' in related
    assert "/tags/lupus" not in related  # only ever beside unpublished posts
    assert "/tags/azathioprine" not in related
    lupus = text(client.get("/tags/lupus"))
    assert 'aria-label="Related topics"' not in lupus


def test_patients_and_providers_sections_sit_side_by_side(app, client, site):
    page = text(client.get("/tags/azathioprine"))
    voices = between(page, 'class="tag-voices"', 'id="tag-posts-heading"')
    patients = between(voices, "What patients say", "From providers")
    providers = between(voices, "From providers")
    assert "My first year on AZA" in patients and "Is nausea normal?" in patients
    assert "Forgot a dose on holiday" in patients
    assert "Monitoring azathioprine" not in patients
    assert "Notes from an unverified provider" not in patients
    assert patients.count("<li>") == 3
    assert "Azathioprine in autoimmune hepatitis" in providers
    assert "Monitoring azathioprine with blood tests" in providers
    assert "Notes from an unverified provider" not in providers
    assert 'href="/tags/azathioprine?kind=experience">All experiences</a>' in patients
    assert 'href="/tags/azathioprine?kind=question">All questions</a>' in patients
    assert 'href="/tags/azathioprine?kind=article">All articles from providers</a>' in providers
    css = (Path(app.static_folder) / "css" / "site.css").read_text()
    assert ".tag-voices { display: grid;" in css
    assert re.search(
        r"@media \(min-width: [\d.]+rem\) \{ \.tag-voices \{ grid-template-columns", css
    )


def test_sections_show_a_few_of_the_latest_items(client, site, users):
    for number in range(6):
        make_post(users["patient"], title=f"Latest story {number}", tags=[site["aza"]], days_ago=0)
    page = text(client.get("/tags/azathioprine"))
    patients = between(page, "What patients say", "From providers")
    assert patients.count("<li>") == 4


def test_each_section_keeps_its_own_few_when_both_sides_are_busy(client, site, users):
    for number in range(6):
        make_post(users["patient"], title=f"Latest story {number}", tags=[site["aza"]], days_ago=0)
        make_post(
            users["provider"],
            title=f"Latest article {number}",
            kind="article",
            tags=[site["aza"]],
            days_ago=0,
        )
    page = text(client.get("/tags/azathioprine"))
    patients = between(page, "What patients say", "From providers")
    providers = between(page, "From providers", 'id="tag-posts-heading"')
    assert patients.count("<li>") == 4 and "Latest article" not in patients
    assert providers.count("<li>") == 4 and "Latest story" not in providers
    assert "Latest article 5" in providers and "Latest story 5" in patients


def test_sections_are_left_out_of_filtered_and_later_pages(client, site):
    assert "What patients say" not in text(client.get("/tags/azathioprine?kind=article"))


def test_a_tag_with_posts_from_one_side_says_the_other_side_is_empty(client, site):
    page = text(client.get("/tags/blood-tests"))
    assert "No member has shared an experience or question here yet." in page
    assert "Monitoring azathioprine with blood tests" in between(page, "From providers")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=-1", "page must be a whole number"),
        ("page=abc", "page must be a whole number"),
        ("page=0", "page must be a whole number"),
        ("sort=nonsense", "sort must be one of newest, helpful."),
        ("kind=poem", "kind must be one of article, experience, question."),
        ("kind=" + "x" * 5000, "kind must be one of"),
        ("sort=%3Cscript%3E", "sort must be one of"),
    ],
)
def test_bad_parameters_get_a_clear_400(client, site, query, message):
    response = client.get(f"/tags/azathioprine?{query}")
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert "<script>" not in page


def test_unknown_tags_and_pages_past_the_end_are_404(client, site):
    assert client.get("/tags/no-such-tag").status_code == 404
    assert client.get("/tags/no-such-tag?kind=article").status_code == 404
    assert client.get("/tags/azathioprine?kind=question&page=2").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/tags/azathioprine",
        "/tags/azathioprine?sort=helpful",
        "/tags/azathioprine?kind=experience",
        "/tags/azathioprine?kind=experience&sort=helpful",
        "/tags/autoimmune-hepatitis",
        "/tags/lupus",
    ],
)
def test_unpublished_posts_never_appear_on_a_tag_page(client, site, url):
    page = text(client.get(url))
    assert "Secret" not in page


# The post page: related posts and previous / next ------------------------------------------


def related_section(page: str) -> list[str]:
    if 'id="related-heading"' not in page:
        return []
    section = between(page, 'id="related-heading"', "</section>")
    return [
        unescape(t) for t in re.findall(r'class="compact-title" href="[^"]+">([^<]+)</a>', section)
    ]


def neighbours(page: str) -> dict[str, str]:
    found = {}
    for rel in ("prev", "next"):
        match = re.search(rf'<a rel="{rel}" href="([^"]+)">([^<]+)</a>', page)
        if match:
            found[rel] = unescape(match.group(2)).strip("←→ ")
    return found


def test_related_posts_share_the_most_tags_then_are_newest(client, site):
    post = site["posts"]["holiday"]  # azathioprine + autoimmune hepatitis
    page = text(client.get(post.path))
    assert related_section(page) == [
        "My first year on AZA",
        "Azathioprine in autoimmune hepatitis",
        "Monitoring azathioprine with blood tests",
        "Is nausea normal?",
    ]
    assert "Secret" not in page


def test_related_posts_are_looked_for_among_the_newest_of_each_tag(client, users, monkeypatch):
    """A bounded read however large the tags: a post sharing both tags is found while it is
    among the newest CANDIDATES_PER_TAG of one of them, and out of reach after that."""
    from app.posts import related

    client.set_cookie("returning", "1")  # keeps the page cache out: the setting changes below
    x, y = make_tag("x-topic"), make_tag("y-topic")
    post = make_post(users["patient"], title="The post itself", tags=[x, y], days_ago=10)
    make_post(users["patient"], title="Old, sharing both tags", tags=[x, y], days_ago=30)
    for number in (1, 2):
        make_post(users["patient"], title=f"Newer in x {number}", tags=[x], days_ago=number)
        make_post(users["patient"], title=f"Newer in y {number}", tags=[y], days_ago=number)
    assert related_section(text(client.get(post.path)))[0] == "Old, sharing both tags"
    monkeypatch.setattr(related, "CANDIDATES_PER_TAG", 2)
    titles = related_section(text(client.get(post.path)))
    assert "Old, sharing both tags" not in titles
    assert len(titles) == 4


def test_related_posts_are_topped_up_from_search_without_the_post_itself(client, site, users):
    rare = make_tag("rare-topic", "topic", "Rare topic")
    other = make_tag("other-topic", "topic", "Other topic")
    post = make_post(
        users["patient"], title="Tiredness after starting azathioprine", tags=[rare], days_ago=2
    )
    make_post(users["patient"], title="Tiredness and fatigue on Imuran", tags=[other], days_ago=3)
    make_post(users["patient"], title="Gardening tips for the summer", tags=[other], days_ago=3)
    hidden = make_post(
        users["patient"], title="Tiredness after starting azathioprine again", tags=[rare]
    )
    hidden.status, hidden.published_at = "hidden", utcnow() - timedelta(days=1)
    db.session.commit()
    page = text(client.get(post.path))
    related = related_section(page)
    assert "Tiredness and fatigue on Imuran" in related
    assert "Gardening tips for the summer" not in related
    assert "Tiredness after starting azathioprine" not in related
    assert "Tiredness after starting azathioprine again" not in related
    assert len(related) <= 4


def test_a_broken_search_index_leaves_the_related_posts_it_has(
    client, site, app, users, monkeypatch
):
    from app.search import SearchUnavailable, get_backend

    client.get("/")  # the index check on the first request

    def broken(query):
        raise SearchUnavailable("index gone")

    monkeypatch.setattr(get_backend(app), "search", broken)
    post = site["posts"]["monitoring"]  # shares tags with every published post in azathioprine
    lonely = make_post(users["patient"], title="A lonely post", days_ago=1)
    assert client.get(post.path).status_code == 200
    response = client.get(lonely.path)
    assert response.status_code == 200
    assert related_section(text(response)) == []


def test_previous_and_next_follow_the_first_tag_by_publication_date(client, site):
    page = text(client.get(site["posts"]["monitoring"].path))  # first tag: Azathioprine
    assert neighbours(page) == {
        "prev": "Is nausea normal?",
        "next": "Azathioprine in autoimmune hepatitis",
    }
    assert 'aria-label="More about Azathioprine"' in page
    assert 'Previous in <a href="/tags/azathioprine">Azathioprine</a>' in page
    assert 'Next in <a href="/tags/azathioprine">Azathioprine</a>' in page
    newest = text(client.get(site["posts"]["first_year"].path))
    assert neighbours(newest) == {"prev": "Azathioprine in autoimmune hepatitis"}
    oldest = text(client.get(site["posts"]["unverified"].path))
    assert neighbours(oldest) == {"next": "Forgot a dose on holiday"}


def test_previous_and_next_skip_unpublished_posts_even_with_a_date(client, site):
    # First tag: Autoimmune hepatitis, where the secret posts are dated between "holiday"
    # (5 days ago) and "aih_article" (2 days ago).
    page = text(client.get(site["posts"]["aih_article"].path))
    assert neighbours(page) == {"prev": "Forgot a dose on holiday", "next": "My first year on AZA"}
    assert "Secret" not in page


def test_authors_viewing_an_unpublished_post_see_no_neighbours(client, site, signed_in):
    signed_in("patient")
    page = text(client.get(site["pending"].path))
    assert "Only you and the moderators can see this post" in page
    assert neighbours(page) == {}
    assert all("Secret" not in title for title in related_section(page))


# Creating and editing tags -------------------------------------------------------------------


def tag_data(**changes) -> dict:
    data = {
        "name": "Primary sclerosing cholangitis",
        "slug": "psc",
        "kind": "condition",
        "description": "**PSC** is a liver disease. <script>alert(1)</script>",
        "synonyms": "PSC,  sclerosing cholangitis , psc",
    }
    data.update(changes)
    return data


def test_a_moderator_creates_a_tag(client, signed_in):
    signed_in("moderator")
    response = post_form(client, "/tags/new", tag_data())
    assert response.status_code == 302
    assert response.headers["Location"] == "/tags/psc"
    tag = db.session.scalar(select(Tag).where(Tag.slug == "psc"))
    assert (tag.name, tag.kind) == ("Primary sclerosing cholangitis", "condition")
    assert tag.synonyms == "PSC, sclerosing cholangitis"
    assert "<strong>PSC</strong>" in tag.description_html
    assert "<script>" not in tag.description_html
    page = text(client.get("/tags/psc"))
    assert "<strong>PSC</strong> is a liver disease." in page
    assert "Also called: PSC, sclerosing cholangitis" in page
    assert 'href="/tags/psc">Primary sclerosing cholangitis</a>' in text(client.get("/tags/"))


def test_a_blank_slug_is_made_from_the_name(client, signed_in):
    signed_in("moderator")
    response = post_form(client, "/tags/new", tag_data(slug="  "))
    assert response.headers["Location"] == "/tags/primary-sclerosing-cholangitis"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "azathioprine"}, "slug", "The slug “azathioprine” is already used"),
        ({"slug": "Bad Slug!"}, "slug", "lowercase letters, digits and single hyphens"),
        ({"slug": "x"}, "slug", "lowercase letters, digits and single hyphens"),
        ({"slug": "-edge-"}, "slug", "lowercase letters, digits and single hyphens"),
        ({"slug": "a" * 61}, "slug", "lowercase letters, digits and single hyphens"),
        ({"slug": "new"}, "slug", "reserved"),
        ({"name": "P"}, "name", "Use 2 to 80 characters for the name."),
        ({"name": "P" * 81}, "name", "Use 2 to 80 characters for the name."),
        ({"name": "Bell\x07 name"}, "name", "plain text"),
        ({"kind": "poem"}, "kind", "Choose condition, medication or topic."),
        ({"description": "x" * 20_001}, "description", "limited to 20,000 characters"),
        ({"synonyms": "ok, " + "y" * 81}, "synonyms", "at most 80 characters"),
    ],
)
def test_bad_tag_input_is_refused_with_the_text_kept(
    client, signed_in, site, changes, field, message
):
    signed_in("moderator")
    data = tag_data(**changes)
    response = post_form(client, "/tags/new", data)
    page = text(response)
    assert response.status_code == 400
    assert message in unescape(page)
    assert f'id="{field}-error"' in page
    assert "Primary sclerosing cholangitis" in page or field == "name"
    assert "**PSC** is a liver disease. &lt;script&gt;" in page or field == "description"
    assert db.session.scalar(select(func.count(Tag.id))) == 4


def test_a_tag_name_with_markup_is_shown_as_text(client, signed_in, site, users):
    signed_in("moderator")
    name = "<script>alert('x')</script> <b>Bold</b>"
    response = post_form(client, "/tags/new", tag_data(name=name, slug="hostile"))
    assert response.status_code == 302
    hostile = db.session.scalar(select(Tag).where(Tag.slug == "hostile"))
    make_post(users["patient"], title="Tagged with a hostile name", tags=[hostile], days_ago=1)
    for url in ("/tags/hostile", "/tags/", "/tags/hostile/edit"):
        page = text(client.get(url))
        assert "<script>alert" not in page and "<b>Bold</b>" not in page, url
        assert "&lt;script&gt;" in page, url


def test_a_moderator_edits_the_intro_and_the_slug(client, signed_in, site):
    signed_in("moderator")
    form = text(client.get("/tags/blood-tests/edit"))
    assert 'value="blood-tests"' in form and "About blood-tests." in form
    response = post_form(
        client,
        "/tags/blood-tests/edit",
        tag_data(
            name="Blood tests (monitoring)",
            slug="blood-monitoring",
            kind="topic",
            description="Full blood count and *liver tests*.",
            synonyms="FBC, LFTs",
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/tags/blood-monitoring"
    assert client.get("/tags/blood-tests").status_code == 404
    page = text(client.get("/tags/blood-monitoring"))
    assert "<h1>Blood tests (monitoring)</h1>" in page
    assert "<em>liver tests</em>" in page
    assert "Monitoring azathioprine with blood tests" in page


def test_renaming_a_tag_reindexes_its_published_posts(client, signed_in, site):
    signed_in("moderator")
    client.get("/")
    post_form(client, "/tags/blood-tests/edit", tag_data(slug="blood-monitoring", kind="topic"))
    found = text(client.get("/search?q=azathioprine&tag=blood-monitoring"))
    assert "1 result for" in found
    assert f'href="{site["posts"]["monitoring"].path}"' in found
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0


def test_a_slug_can_change_only_to_a_free_one(client, signed_in, site):
    signed_in("moderator")
    response = post_form(client, "/tags/blood-tests/edit", tag_data(slug="lupus", kind="topic"))
    assert response.status_code == 400
    assert "The slug “lupus” is already used by another tag" in unescape(text(response))
    assert db.session.scalar(select(Tag.slug).where(Tag.id == site["blood"].id)) == "blood-tests"
    same = post_form(client, "/tags/blood-tests/edit", tag_data(slug="blood-tests", kind="topic"))
    assert same.status_code == 302


def test_an_edit_of_an_unknown_tag_is_404(client, signed_in):
    signed_in("moderator")
    assert client.get("/tags/nothing-here/edit").status_code == 404


@pytest.mark.parametrize("role", ["patient", "provider"])
def test_only_moderators_create_and_edit_tags(client, signed_in, site, role):
    signed_in(role)
    assert client.get("/tags/new").status_code == 403
    assert client.get("/tags/azathioprine/edit").status_code == 403
    token = csrf_from(text(client.get("/")))
    for url in ("/tags/new", "/tags/azathioprine/edit"):
        response = client.post(url, data={**tag_data(slug="sneaky"), "csrf_token": token})
        assert response.status_code == 403
    assert db.session.scalar(select(Tag.id).where(Tag.slug == "sneaky")) is None
    page = text(client.get("/tags/azathioprine"))
    assert "/tags/azathioprine/edit" not in page


def test_anonymous_visitors_are_sent_to_sign_in(client, site):
    response = client.get("/tags/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_tag_forms_need_the_csrf_token(client, signed_in, site):
    signed_in("moderator")
    assert client.post("/tags/new", data=tag_data()).status_code == 400
    assert client.post("/tags/azathioprine/edit", data=tag_data()).status_code == 400
    assert db.session.scalar(select(Tag.id).where(Tag.slug == "psc")) is None


def test_moderators_see_links_to_create_and_edit(client, signed_in, site):
    signed_in("moderator")
    assert 'href="/tags/new"' in text(client.get("/tags/"))
    assert 'href="/tags/azathioprine/edit"' in text(client.get("/tags/azathioprine"))


# No query per item ----------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    return len(statements_of_page(client, url))


def add_tagged_posts(users, tags, number: int, start: int) -> None:
    authors = [users["patient"], users["other_patient"], users["provider"]]
    kinds = ["experience", "question", "article"]
    for n in range(start, start + number):
        make_post(
            authors[n % 3], title=f"Counted post {n}", kind=kinds[n % 3], tags=tags, days_ago=1
        )


def counted_tags(client, users, number: int) -> list[Tag]:
    """Two tags on `number` posts; the client has a cookie, so no page comes from the cache."""
    client.set_cookie("returning", "1")  # a cookie keeps the page cache out of the count
    tags = [make_tag("counted", "condition"), make_tag("beside", "topic")]
    db.session.commit()
    client.get("/")  # the first request checks the search index
    add_tagged_posts(users, tags, number, 0)
    return tags


def test_the_tag_page_does_not_query_per_post(client, users):
    tags = counted_tags(client, users, 5)
    few = count_queries(client, "/tags/counted")
    add_tagged_posts(users, tags, 20, 5)
    many = count_queries(client, "/tags/counted")
    assert few == many


def test_the_tag_overview_reads_the_database_four_times(client, users):
    """The tag with its count, the listed posts, their tags and the related tags: both
    sections are picked from the listed posts when those hold enough of each (each PostgreSQL
    round trip costs the web node and the database server alike). The figures of "What
    members report" add one after a change, kept until the next."""
    counted_tags(client, users, 6)
    statements = statements_for(client, "/tags/counted")
    reads = [statement for statement in statements if statement.startswith("SELECT")]
    assert len(reads) == 4 + 1, reads
    assert any("experience_report_rows" in read for read in reads)
    statements = statements_for(client, "/tags/counted")
    reads = [statement for statement in statements if statement.startswith("SELECT")]
    assert len(reads) == 4, reads
    page = text(client.get("/tags/counted"))
    assert "Counted post 5" in between(page, "From providers", 'id="tag-posts-heading"')
    assert "Counted post 4" in between(page, "What patients say", "From providers")


def test_a_section_reaches_past_a_first_page_without_enough_of_its_side(client, users):
    client.set_cookie("returning", "1")
    tag = make_tag("counted", "condition")
    make_post(users["provider"], title="An older article", kind="article", tags=[tag], days_ago=30)
    for number in range(20):
        make_post(users["patient"], title=f"Newer story {number}", tags=[tag], days_ago=1)
    page = text(client.get("/tags/counted"))
    listed = between(page, 'id="tag-posts-heading"')
    assert "An older article" not in listed  # it is on the second page
    assert "An older article" in between(page, "From providers", 'id="tag-posts-heading"')
    assert between(page, "What patients say", "From providers").count("<li>") == 4


ARRANGEMENTS = {
    "a short listing": [("patient", "experience", 2), ("provider", "article", 3)] * 2,
    "a busy listing": [("patient", "question", 1), ("provider", "article", 1)] * 13,
    "providers only long ago": [("patient", "experience", 1)] * 22
    + [("provider", "article", 40)] * 3,
    "patients only long ago": [("provider", "article", 1)] * 21 + [("other", "question", 50)],
    "a member's article is no patient voice": [("patient", "article", 1)] * 5
    + [("patient", "experience", 2), ("provider", "article", 2)] * 5,
    "an unverified provider is no provider voice": [("unverified", "article", 1)] * 3
    + [("patient", "experience", 2), ("provider", "article", 2)] * 3,
    "what no section shows": [("patient", "article", 1), ("unverified", "article", 1)] * 11
    + [("patient", "experience", 9), ("provider", "question", 9)],
}


@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
def test_sections_picked_from_the_first_page_are_those_the_statement_picks(users, arrangement):
    from app.posts.queries import paginate_cards
    from app.tags import queries

    authors = {
        **users,
        "other": users["other_patient"],
        "unverified": make_user("unverified", "provider", verification_state="pending"),
    }
    tag = make_tag("arranged", "condition")
    for number, (author, kind, days_ago) in enumerate(ARRANGEMENTS[arrangement]):
        make_post(
            authors[author], title=f"Arranged {number}", kind=kind, tags=[tag], days_ago=days_ago
        )
    listing = queries.tag_listing(None, queries.DEFAULT_SORT, None)
    first_page = paginate_cards(listing, {"listed_tag_id": tag.id}, 1, 20)
    picked = queries.overview_sections(tag, 4, first_page)
    assert picked == queries.overview_sections(tag, 4)
    assert picked.patient_posts or picked.provider_posts


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/", ['Azathioprine</a> <span class="count">6<', 'Lupus</a> <span class="count">0<']),
        (
            "/tags/",
            [
                'Azathioprine</a> <span class="count">6 posts<',
                'Lupus</a> <span class="count">0 posts<',
            ],
        ),
    ],
)
def test_every_tag_comes_with_its_count_in_one_statement(client, site, url, shown):
    """The home page and the tag index read the tags' labels and published counts together,
    and none of a tag's introduction, which neither page shows."""
    client.set_cookie("returning", "1")
    client.get(url)
    statements = statements_for(client, url)
    counted = [s for s in statements if "tag_kind_counts" in s]
    assert len(counted) == 1 and "tags.name" in counted[0], counted
    assert not [s for s in statements if "description_" in s]
    page = text(client.get(url))
    for label in shown:
        assert label in page
    assert page.index('Autoimmune hepatitis</a> <span class="count">3') < page.index(">Lupus<")


@pytest.mark.parametrize("url", ["/authors/pat", "/api/v1/authors/pat", "/authors/pat/feed.atom"])
def test_an_author_is_read_once_with_the_count_of_their_posts(client, users, url):
    counted_tags(client, users, 6)  # two of the six are the patient's
    statements = statements_for(client, url)
    accounts = [s for s in statements if "FROM users" in s and "FROM posts" not in s]
    assert len(accounts) == 1, accounts
    if url == "/authors/pat":
        assert 'Published posts <span class="count">2</span>' in text(client.get(url))


def test_the_post_page_does_not_query_per_related_post(client, users):
    tags = counted_tags(client, users, 5)
    post = db.session.scalar(select(Post).where(Post.title == "Counted post 2"))
    few = count_queries(client, post.path)
    add_tagged_posts(users, tags, 20, 5)
    many = count_queries(client, post.path)
    assert few == many


def test_a_post_page_reads_what_to_read_next_in_one_statement(client, users):
    """Related posts and the previous and next post come together: the post, its tags, its
    replies, then one statement for both (each PostgreSQL round trip costs twice)."""
    counted_tags(client, users, 9)
    post = db.session.scalar(select(Post).where(Post.title == "Counted post 4"))
    reads = [s for s in statements_for(client, post.path) if s.startswith("SELECT")]
    assert len([s for s in reads if "post_tags.post_id !=" in s]) == 1, reads
    assert len(reads) == 4, reads
    page = text(client.get(post.path))
    assert neighbours(page) == {"prev": "Counted post 3", "next": "Counted post 5"}
    assert len(related_section(page)) == 4


def test_what_to_read_next_in_one_statement_is_what_two_would_read(app, site, users):
    """For every post of a site, public or not, with or without tags."""
    from app.posts.queries import tags_of
    from app.posts.related import previous_next, read_next, related_posts

    make_post(users["patient"], title="A post without tags", tags=[])
    every_post = db.session.scalars(select(Post).order_by(Post.id)).all()
    assert any(post.status != "published" for post in every_post)
    with app.test_request_context("/"):
        for post in every_post:
            tags = tags_of(post.id)
            together = read_next(post, tags)
            assert together.related == related_posts(post, tags), post.title
            assert together.neighbours == previous_next(post, tags), post.title


def statements_for(client, url: str) -> list[str]:
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


@pytest.mark.parametrize(
    "url", ["/", "/tags/counted", "/authors/pat", "/api/v1/posts?tag=counted", "/me/feed"]
)
def test_listings_show_reading_times_without_fetching_bodies(client, users, signed_in, url):
    tags = [make_tag("counted", "condition"), make_tag("beside", "topic")]
    db.session.commit()
    long_body = "word " * 1200  # about 6,000 characters: five minutes
    make_post(users["patient"], title="A long read", body=long_body, tags=tags, days_ago=1)
    add_tagged_posts(users, tags, 3, 0)
    db.session.commit()
    signed_in("other_patient")
    page = text(client.get("/authors/pat"))
    client.post("/authors/pat/follow", data={"csrf_token": csrf_from(page)})
    statements = statements_for(client, url)
    # the rows a listing shows (a COUNT over the same query reads no column)
    listed = [s for s in statements if "FROM posts" in s and not s.startswith("SELECT count(")]
    assert listed, "the page lists posts"
    for statement in listed:
        assert "body_source" not in statement and "body_html" not in statement, statement
    if not url.startswith("/api/"):
        assert "5 min read" in text(client.get(url))


PRIVATE_USER_COLUMNS = ("email", "password_hash", "license_number", "session_version")


@pytest.mark.parametrize(
    "url", ["/", "/tags/counted", "/authors/pat", "/api/v1/posts?tag=counted", "post", "search"]
)
def test_pages_load_only_the_byline_of_authors(client, users, signed_in, url):
    """Posts, replies and their authors come with what a byline shows: no address, password
    hash or licence number is read for a page that lists or shows posts (only the signed-in
    member's own account is loaded whole, to check the session)."""
    from app.posts.services import create_comment

    tags = [make_tag("counted", "condition"), make_tag("beside", "topic")]
    db.session.commit()
    add_tagged_posts(users, tags, 4, 0)
    post = db.session.scalar(select(Post).where(Post.title == "Counted post 1"))
    create_comment(post=post, author=users["provider"], body="A reply from a provider.")
    db.session.commit()
    signed_in("other_patient")
    target = {"post": post.path, "search": "/search?q=counted"}.get(url, url)
    client.get(target)  # the first request checks the search index
    statements = statements_for(client, target)
    own_account = [s for s in statements if "FROM users WHERE users.id = " in s]
    others = [s for s in statements if s not in own_account]
    assert any("users" in s for s in others), "authors were loaded"
    for statement in others:
        assert not any(f".{column}" in statement for column in PRIVATE_USER_COLUMNS), statement
