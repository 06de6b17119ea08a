import pytest

from app.extensions import db
from tests.conftest import make_user
from tests.helpers import make_post, make_tag

HIDDEN_STATES = ("draft", "pending", "rejected", "hidden", "removed", "deleted")


@pytest.fixture
def content(app):
    author = make_user("liver_writer", display_name="Liver Writer")
    tag = make_tag("azathioprine", "medication", "Azathioprine")
    other_tag = make_tag("lupus", "condition", "Lupus")
    published = make_post(author, title="Forgot a dose of azathioprine", tags=[tag])
    older = make_post(
        author, title="Blood tests every three months", tags=[tag, other_tag], days_ago=30
    )
    hidden = {
        state: make_post(author, title=f"Secret {state} post", status=state, tags=[tag])
        for state in HIDDEN_STATES
    }
    db.session.commit()
    return {"author": author, "tag": tag, "published": published, "older": older, "hidden": hidden}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_home_lists_latest_published_posts_tags_and_a_search_box(client, content):
    page = text(client.get("/"))
    assert page.index("Forgot a dose of azathioprine") < page.index("Blood tests every three")
    assert 'href="/tags/azathioprine"' in page
    assert 'role="search"' in page and 'name="q"' in page
    assert "not medical advice" in page


@pytest.mark.parametrize(
    "url", ["/", "/tags/azathioprine", "/authors/liver_writer", "/search?q=secret", "/tags/"]
)
def test_readers_never_see_unpublished_posts(client, content, url):
    page = text(client.get(url))
    for state in HIDDEN_STATES:
        assert f"Secret {state} post" not in page


def test_tag_counts_only_published_posts(client, content):
    page = text(client.get("/tags/"))
    assert 'Azathioprine</a> <span class="count">2 posts' in page
    assert 'Lupus</a> <span class="count">1 post<' in page


def test_tag_page_shows_intro_and_its_posts(client, content):
    response = client.get("/tags/azathioprine")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Azathioprine</h1>" in page
    assert "About azathioprine." in page
    assert "Forgot a dose of azathioprine" in page
    lupus = text(client.get("/tags/lupus"))
    assert "Blood tests every three months" in lupus
    assert "Forgot a dose" not in lupus


def test_post_page_shows_title_author_role_date_tags_body_and_disclaimer(client, content):
    post = content["published"]
    response = client.get(f"/posts/{post.id}/{post.slug}")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Forgot a dose of azathioprine</h1>" in page
    assert "Liver Writer" in page and "badge-patient" in page
    assert f'datetime="{post.published_at.isoformat()}"' in page
    assert 'href="/tags/azathioprine"' in page
    assert "<strong>text</strong>" in page
    assert "Not medical advice." in page


def test_post_url_without_or_with_a_wrong_slug_redirects_to_the_canonical_one(client, content):
    post = content["published"]
    for url in (f"/posts/{post.id}", f"/posts/{post.id}/old-title"):
        response = client.get(url)
        assert response.status_code == 301
        assert response.headers["Location"] == f"/posts/{post.id}/{post.slug}"


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unpublished_posts_are_not_found_by_readers(client, content, state):
    post = content["hidden"][state]
    assert client.get(f"/posts/{post.id}/{post.slug}").status_code == 404


def test_authors_see_their_own_pending_post_with_its_status(client, content):
    from tests.helpers import sign_in

    sign_in(client, content["author"].email)
    post = content["hidden"]["pending"]
    page = text(client.get(f"/posts/{post.id}/{post.slug}"))
    assert "Only you and the moderators can see this post" in page


def test_other_members_do_not_see_someone_elses_pending_post(client, content, signed_in):
    signed_in("other_patient")
    post = content["hidden"]["pending"]
    assert client.get(f"/posts/{post.id}/{post.slug}").status_code == 404


def test_author_page_shows_profile_and_published_posts_but_never_the_email(client, content):
    page = text(client.get("/authors/liver_writer"))
    assert "<h1>Liver Writer</h1>" in page
    assert "Forgot a dose of azathioprine" in page
    assert "member since" in page
    assert "@example.org" not in page


def test_verified_provider_page_shows_badge_and_credentials(client, users):
    page = text(client.get("/authors/prov"))
    assert "Verified provider" in page
    assert "MD · Hepatology" in page
    assert "prov@example.org" not in page


def test_a_member_who_never_posted_has_no_public_page(client, users):
    assert client.get("/authors/pat").status_code == 404


def test_a_member_sees_their_own_page_before_posting(client, users, signed_in):
    signed_in("patient")
    assert client.get("/authors/pat").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/tags/nope",
        "/authors/nobody",
        "/posts/99999/x",
        "/no/such/page",
        "/tags/azathioprine?page=99",
    ],
)
def test_unknown_things_get_a_friendly_404(client, content, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in text(response)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "99999999999", ""])
def test_bad_page_numbers_get_a_clear_400(client, content, page):
    response = client.get(f"/tags/azathioprine?page={page}")
    assert response.status_code == 400
    assert "page must be a whole number" in text(response)


def test_pagination_splits_long_tag_pages(client, content):
    author = content["author"]
    for number in range(25):
        make_post(author, title=f"Numbered post {number:02d}", tags=[content["tag"]])
    first = text(client.get("/tags/azathioprine"))
    second = text(client.get("/tags/azathioprine?page=2"))
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in second and 'rel="prev"' in second


def test_search_finds_published_posts_by_words(client, content):
    page = text(client.get("/search?q=forgot+azathioprine"))
    assert "1 result for" in page
    assert "<mark>Forgot</mark> a dose of <mark>azathioprine</mark>" in page


def test_search_handles_hostile_and_oversized_input(client, content):
    assert client.get("/search?q=%22unbalanced+(quote+OR+-").status_code == 200
    assert client.get("/search?q=100%25_off").status_code == 200
    response = client.get("/search?q=" + "a" * 10_000)
    assert response.status_code == 400
    assert "Please shorten your search" in text(response)


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_server_errors_show_a_reference_and_no_traceback(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom-for-test")
    page = text(response)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "Reference:" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_static_assets_are_local(client):
    page = text(client.get("/"))
    assert "http://" not in page.replace("http://localhost", "")
    assert "https://" not in page
    css = client.get("/static/css/site.css")
    assert css.status_code == 200 and b"prefers-color-scheme: dark" in css.data
    css.close()
