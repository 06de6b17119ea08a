"""Clinicians' articles with references and a medical review date, through HTTP end to end:
the form, the page, its JSON-LD, the API, the overdue notice (cached pages too) and the
moderators' list of articles due for review."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import cache
from app.db import utcnow
from app.extensions import db
from app.models import ArticleReference, Post
from app.models.posts import add_months
from app.posts import references
from app.posts import views as post_views
from app.posts.services import record_medical_review
from tests.api.contract import get_json
from tests.conftest import make_user
from tests.helpers import PASSWORD, make_post, make_tag, post_form, sign_out, statements_of_page

REFERENCES = "\n".join(
    [
        "PMID:20041420 Manns MP et al. Diagnosis and management of autoimmune hepatitis",
        "",
        "10.1016/j.jhep.2015.06.030 EASL <b>guidelines</b> & more",
        "https://example.org/leaflets/aza?lang=en&v=2",
    ]
)
ARTICLE = {
    "title": "Azathioprine and TPMT testing",
    "kind": "article",
    "body": "Before starting azathioprine, your team checks TPMT activity in a blood test.",
    "tags": "azathioprine",
    "references": REFERENCES,
}


@pytest.fixture
def tag(app):
    tag = make_tag("azathioprine", "medication")
    db.session.commit()
    return tag


def text(response) -> str:
    return response.get_data(as_text=True)


def write(client, url="/posts/new", **changes):
    return post_form(client, url, {**ARTICLE, **changes})


def post_count() -> int:
    return db.session.scalar(select(func.count(Post.id)))


def stored_references(post_id: int) -> list[tuple]:
    return [
        (r.position, r.kind, r.value, r.label)
        for r in db.session.scalars(
            select(ArticleReference)
            .where(ArticleReference.post_id == post_id)
            .order_by(ArticleReference.position)
        )
    ]


def published_article(client, signed_in, **changes) -> Post:
    """An article written through the form by the verified provider, then published."""
    signed_in("provider")
    response = write(client, **changes)
    assert response.status_code == 302, text(response)
    post = db.session.scalars(select(Post)).one()
    if post.status != "published":
        post.status, post.published_at = "published", utcnow()
        db.session.commit()
    return post


def jsonld_of(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


# Writing ----------------------------------------------------------------------------------------


def test_a_provider_adds_references_and_readers_see_them_numbered_and_linked(
    client, signed_in, tag
):
    post = published_article(client, signed_in)
    assert stored_references(post.id) == [
        (1, "pmid", "20041420", "Manns MP et al. Diagnosis and management of autoimmune hepatitis"),
        (2, "doi", "10.1016/j.jhep.2015.06.030", "EASL <b>guidelines</b> & more"),
        (3, "url", "https://example.org/leaflets/aza?lang=en&v=2", ""),
    ]
    assert "<b>" not in post.body_source  # kept out of the Markdown
    sign_out(client)
    page = text(client.get(post.path))
    section = page[page.index('<section class="references"') :]
    section = section[: section.index("</section>")]
    assert '<h2 id="references-heading">References</h2>' in section
    items = re.findall(r'<li id="reference-(\d+)">(.*?)</li>', section, re.S)
    assert [number for number, _ in items] == ["1", "2", "3"]
    assert (
        '<a href="https://pubmed.ncbi.nlm.nih.gov/20041420/" rel="nofollow noopener">'
        in (items[0][1])
    )
    assert "EASL &lt;b&gt;guidelines&lt;/b&gt; &amp; more. " in items[1][1]
    assert 'href="https://doi.org/10.1016/j.jhep.2015.06.030"' in items[1][1]
    assert (
        '<a href="https://example.org/leaflets/aza?lang=en&amp;v=2" rel="nofollow noopener">'
        in items[2][1]
    )
    assert "<b>guidelines" not in page


def test_the_article_json_ld_cites_every_reference(client, signed_in, tag):
    post = published_article(client, signed_in)
    sign_out(client)
    data = jsonld_of(text(client.get(post.path)))
    assert data["@type"] == ["MedicalWebPage", "Article"]
    citations = data["citation"]
    assert [c["url"] for c in citations] == [
        "https://pubmed.ncbi.nlm.nih.gov/20041420/",
        "https://doi.org/10.1016/j.jhep.2015.06.030",
        "https://example.org/leaflets/aza?lang=en&v=2",
    ]
    assert citations[0]["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "PMID",
        "value": "20041420",
    }
    assert citations[1]["name"] == "EASL <b>guidelines</b> & more"
    assert "name" not in citations[2] and "identifier" not in citations[2]


def test_a_doi_with_characters_of_a_url_is_encoded_in_its_link(client, signed_in, tag):
    post = published_article(client, signed_in, references='doi:10.1002/(SICI)1097"x<y>#z')
    sign_out(client)
    page = text(client.get(post.path))
    assert 'href="https://doi.org/10.1002/%28SICI%291097%22x%3Cy%3E%23z"' in page
    assert "doi:10.1002/(SICI)1097&#34;x&lt;y&gt;#z</a>" in page


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("PMID:12a45 Letters in a PMID", "Line 2: a PMID is 1 to 9 digits, with no letters."),
        ("12a45", "Line 2: a PMID is 1 to 9 digits, with no letters."),
        ("1234567890", "Line 2: a PMID is 1 to 9 digits, with no letters."),
        ("doi:11.1234/abc", "Line 2: a DOI starts with 10."),
        ("10.12/abc", "Line 2: a DOI is 10., 4 to 9 digits"),
        ("javascript:alert(document.cookie)", "Line 2: only http:// and https:// web addresses"),
        ("data:text/html;base64,PHNjcmlwdD4=", "Line 2: only http:// and https:// web addresses"),
        ("JaVaScRiPt:alert(1)", "Line 2: only http:// and https:// web addresses"),
        ("https://" + "a" * 2001 + ".org", "Line 2: keep web addresses under 2,000 characters."),
        ("https://user:pw@example.org/", "Line 2: a web address with a user name or password"),
        ("See the leaflet", "Line 2: start with a PMID (digits), a DOI"),
        ("PMID:20041420 again", "Line 2: the same source as line 1."),
    ],
)
def test_a_bad_line_gives_the_form_again_with_the_text_kept_and_the_line_named(
    client, signed_in, tag, line, message
):
    signed_in("provider")
    typed = f"PMID:20041420 First\n{line}"
    response = write(client, references=typed)
    assert response.status_code == 400
    page = text(response)
    assert message in html.unescape(page)
    assert html.escape(typed, quote=False) in page.replace("&#34;", '"').replace("&#39;", "'")
    assert 'id="references-error"' in page and 'aria-invalid="true"' in page
    assert ARTICLE["title"] in page
    assert post_count() == 0


def test_duplicates_are_found_in_any_form_of_the_identifier(client, signed_in, tag):
    signed_in("provider")
    typed = "PMID:20041420\n20041420 bare\n10.1016/J.JHEP.2015\ndoi:10.1016/j.jhep.2015"
    page = html.unescape(text(write(client, references=typed)))
    assert "Line 2: the same source as line 1." in page
    assert "Line 4: the same source as line 3." in page
    assert post_count() == 0


def test_more_than_thirty_references_are_refused(client, signed_in, tag):
    signed_in("provider")
    typed = "\n".join(f"PMID:{1000 + n}" for n in range(31))
    response = write(client, references=typed)
    assert response.status_code == 400
    assert "Give at most 30 references (31 given)." in text(response)
    assert post_count() == 0
    assert write(client, references=typed.rsplit("\n", 1)[0]).status_code == 302
    assert len(stored_references(db.session.scalars(select(Post.id)).one())) == 30


def test_an_oversized_references_field_is_refused_not_stored(client, signed_in, tag):
    signed_in("provider")
    response = write(client, references="PMID:1 " + "x" * 100_001)
    assert response.status_code == 400
    assert "Keep the references under 100,000 characters." in text(response)
    assert post_count() == 0


def test_editing_the_references_shows_them_and_changes_the_cached_page(app, client, signed_in, tag):
    post = published_article(client, signed_in)
    reader = app.test_client()  # no cookie at all: gets cached pages
    reader.get(post.path)
    assert reader.get(post.path).headers["X-Page-Cache"] == "hit"
    form = text(client.get(f"/posts/{post.id}/edit"))
    assert "PMID:20041420 Manns MP" in form and "10.1016/j.jhep.2015.06.030 EASL" in form
    response = write(client, f"/posts/{post.id}/edit", references="PMID:31234567 Newer study")
    assert response.status_code == 302
    assert stored_references(post.id) == [(1, "pmid", "31234567", "Newer study")]
    page = reader.get(post.path)
    assert page.headers["X-Page-Cache"] == "miss"
    assert "pubmed.ncbi.nlm.nih.gov/31234567/" in text(page)
    assert "20041420" not in text(page)
    assert db.session.get(Post, post.id).edited_at is not None


def test_saving_an_article_with_its_references_unchanged_is_not_an_edit(client, signed_in, tag):
    post = published_article(client, signed_in)
    stored = stored_references(post.id)
    response = write(client, f"/posts/{post.id}/edit")  # the same form, references and all
    assert response.status_code == 302
    assert stored_references(post.id) == stored
    assert db.session.get(Post, post.id).edited_at is None  # readers are not told "edited"


def test_a_preview_checks_the_references_too(client, signed_in, tag):
    signed_in("provider")
    response = write(client, references="PMID:20041420\nnot a source", intent="preview")
    assert response.status_code == 400
    assert "Line 2: start with a PMID" in html.unescape(text(response))
    assert post_count() == 0


def test_an_article_turned_into_an_experience_loses_its_references(client, signed_in, tag):
    post = published_article(client, signed_in)
    turned = {"kind": "experience", "references": ""}
    response = write(client, f"/posts/{post.id}/edit", **turned)
    assert response.status_code == 302, text(response)
    assert stored_references(post.id) == []
    assert "References" not in text(client.get(post.path))


def test_references_are_for_articles_only(client, signed_in, tag):
    signed_in("provider")
    response = write(client, kind="experience")
    assert response.status_code == 400
    assert "Only articles list references" in text(response)
    assert post_count() == 0


def test_a_patient_cannot_add_references_with_a_forged_post(client, signed_in, tag):
    signed_in("patient")
    form = text(client.get("/posts/new"))
    assert 'name="references"' not in form and 'name="review_due_on"' not in form
    forged = {**ARTICLE, "kind": "experience"}
    response = post_form(client, "/posts/new", forged)
    assert response.status_code == 400
    assert "Only articles list references" in text(response)
    soon = (date.today() + timedelta(days=30)).isoformat()
    response = post_form(client, "/posts/new", {**forged, "references": "", "review_due_on": soon})
    assert response.status_code == 400
    assert "Only articles have a review date" in text(response)
    response = post_form(client, "/posts/new", ARTICLE)
    assert response.status_code == 400 and "Articles are for verified providers" in text(response)
    assert post_count() == 0
    assert db.session.scalar(select(func.count()).select_from(ArticleReference)) == 0


def test_a_patient_cannot_add_references_to_their_own_post_by_editing(
    client, signed_in, users, tag
):
    post = make_post(users["patient"], title="My own experience", body="x" * 40)
    signed_in("patient")
    data = {"title": post.title, "kind": "experience", "body": "y" * 40, "tags": ""}
    response = post_form(client, f"/posts/{post.id}/edit", {**data, "references": "PMID:1"})
    assert response.status_code == 400
    assert stored_references(post.id) == []


# Review dates -----------------------------------------------------------------------------------


def test_the_review_falls_due_twelve_months_after_publication(client, signed_in, tag):
    post = published_article(client, signed_in)
    due = add_months(post.published_at.date(), 12)
    sign_out(client)
    page = text(client.get(post.path))
    assert f'Next medical review due by <time datetime="{due.isoformat()}">' in page
    assert "was due for medical review" not in page
    body = get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")
    assert body["review_due"] == due.isoformat()


def test_a_provider_chooses_an_earlier_review_date(client, signed_in, tag):
    soon = date.today() + timedelta(days=90)
    post = published_article(client, signed_in, review_due_on=soon.isoformat())
    assert post.review_due_on == soon
    form = text(client.get(f"/posts/{post.id}/edit"))
    assert f'value="{soon.isoformat()}"' in form and 'type="date"' in form
    sign_out(client)
    assert get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")["review_due"] == (
        soon.isoformat()
    )


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (lambda today: today, "Choose a review date after today"),
        (lambda today: today - timedelta(days=3), "Choose a review date after today"),
        (lambda today: add_months(today, 12) + timedelta(days=1), "no later than"),
        (lambda today: "30/06/2027", "Give the date as year-month-day"),
        (lambda today: "2027-02-30", "Give the date as year-month-day"),
    ],
)
def test_a_review_date_out_of_range_is_refused_with_the_form_kept(
    client, signed_in, tag, chosen, message
):
    signed_in("provider")
    value = chosen(date.today())
    value = value if isinstance(value, str) else value.isoformat()
    response = write(client, review_due_on=value)
    assert response.status_code == 400
    page = text(response)
    assert message in page and f'value="{value}"' in page
    assert post_count() == 0


def test_the_latest_allowed_date_is_accepted_and_an_unchanged_past_date_is_kept(
    client, signed_in, tag
):
    latest = add_months(utcnow().date(), 12)
    post = published_article(client, signed_in, review_due_on=latest.isoformat())
    assert post.review_due_on == latest
    post.review_due_on = date.today() - timedelta(days=2)  # the chosen date has passed
    db.session.commit()
    passed = post.review_due_on.isoformat()
    response = write(client, f"/posts/{post.id}/edit", review_due_on=passed)
    assert response.status_code == 302  # editing the text does not need a new date
    assert db.session.get(Post, post.id).review_due_on.isoformat() == passed


def overdue_article(author, title="An old article on TPMT", days_ago=400) -> Post:
    return make_post(author, title=title, kind="article", body="x" * 60, days_ago=days_ago)


def test_the_author_of_an_overdue_article_cannot_put_off_its_review(client, signed_in, users, tag):
    """Only a medical review moves the date later: a new date from the author is refused, and
    the notice and the moderators' list stay as they were."""
    article = overdue_article(users["provider"])
    db.session.commit()
    signed_in("provider")
    later = add_months(utcnow().date(), 20).isoformat()
    response = write(
        client,
        f"/posts/{article.id}/edit",
        title=article.title,
        body="x" * 60,
        review_due_on=later,
    )
    assert response.status_code == 400
    assert "only a review by a verified provider" in text(response)
    db.session.expire_all()
    assert db.session.get(Post, article.id).review_due_on is None
    assert "review-overdue" in text(client.get(article.path))
    signed_in("moderator")
    assert article.title in text(client.get("/moderation/overdue-articles"))


def test_an_overdue_article_tells_its_readers(client, users, tag):
    post = overdue_article(users["provider"])
    due = add_months(post.published_at.date(), 12)
    page = text(client.get(post.path))
    assert (
        f'This article was due for medical review on <time datetime="{due.isoformat()}">'
        f"{due.strftime('%-d %B %Y')}</time>; information may be out of date." in page
    )
    assert "Next medical review due" not in page
    old_experience = make_post(users["patient"], title="An old experience", days_ago=900)
    assert "due for medical review" not in text(client.get(old_experience.path))


def test_a_chosen_date_that_has_passed_makes_the_article_overdue(client, users, tag):
    post = overdue_article(users["provider"], days_ago=10)
    assert "due for medical review on" not in text(client.get(post.path))
    post = db.session.get(Post, post.id)
    post.review_due_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert "This article was due for medical review on" in text(client.get(post.path))


def test_a_medical_review_restarts_the_interval_and_ends_the_notice(client, users, tag):
    post = overdue_article(users["provider"])
    post.review_due_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert "due for medical review on" in text(client.get(post.path))
    reviewer = make_user(
        "second-opinion", "provider", verification_state="verified", credentials="MD"
    )
    post = db.session.get(Post, post.id)
    record_medical_review(post, reviewer)
    db.session.commit()
    assert post.review_due_on is None
    page = text(client.get(post.path))
    assert "due for medical review on" not in page
    assert add_months(date.today(), 12).isoformat() in page


def test_a_cached_article_page_expires_when_its_review_falls_due(client, monkeypatch, users, tag):
    post = overdue_article(users["provider"], days_ago=10)
    due = date.today() + timedelta(days=3)
    db.session.get(Post, post.id).review_due_on = due
    db.session.commit()
    first = client.get(post.path)
    assert first.headers["X-Page-Cache"] == "miss"
    assert client.get(post.path).headers["X-Page-Cache"] == "hit"
    assert "due for medical review on" not in text(first)

    one_minute_before = references.start_of(due).timestamp() - 60
    monkeypatch.setattr(cache, "wall_clock", lambda: one_minute_before)
    assert client.get(post.path).headers["X-Page-Cache"] == "hit"

    monkeypatch.setattr(cache, "wall_clock", lambda: references.start_of(due).timestamp() + 1)
    monkeypatch.setattr(post_views, "today", lambda: due)
    after = client.get(post.path)
    assert after.headers.get("X-Page-Cache") == "miss"
    assert "This article was due for medical review on" in text(after)
    again = client.get(post.path)
    assert again.headers["X-Page-Cache"] == "hit"  # overdue for good: cached with no end
    assert "This article was due for medical review on" in text(again)


# The moderators' list ---------------------------------------------------------------------------


def test_moderators_list_overdue_articles_longest_overdue_first(client, signed_in, users, tag):
    provider = users["provider"]
    oldest = overdue_article(provider, title="Published long ago", days_ago=800)
    chosen = overdue_article(provider, title="Chosen date passed", days_ago=30)
    chosen.review_due_on = date.today() - timedelta(days=20)
    recent = overdue_article(provider, title="A year and a bit", days_ago=395)
    reviewed = overdue_article(provider, title="Reviewed lately", days_ago=800)
    reviewed.last_reviewed_at = utcnow() - timedelta(days=20)
    overdue_article(provider, title="Fresh article", days_ago=20)
    overdue_article(provider, title="Hidden overdue article", days_ago=800).status = "hidden"
    make_post(users["patient"], title="Old experience", days_ago=800)
    db.session.commit()

    signed_in("moderator")
    page = text(client.get("/moderation/overdue-articles"))
    listed = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)
    assert listed == ["Published long ago", "A year and a bit", "Chosen date passed"]
    assert "3 articles due for review" in page
    assert f'href="{oldest.path}"' in page and f'href="{recent.path}"' in page
    queue = text(client.get("/moderation/"))
    assert 'href="/moderation/overdue-articles"' in queue


def test_the_overdue_list_is_capped_and_says_how_many_there_are(
    client, signed_in, users, tag, monkeypatch
):
    for n in range(4):
        overdue_article(users["provider"], title=f"Overdue number {n}", days_ago=400 + n)
    monkeypatch.setattr(references, "OVERDUE_LIST_LIMIT", 2)
    signed_in("moderator")
    page = text(client.get("/moderation/overdue-articles"))
    assert "Showing the 2 longest overdue of 4." in page
    assert "Overdue number 3" in page and "Overdue number 2" in page
    assert "Overdue number 0" not in page


@pytest.mark.parametrize("role", ["patient", "provider"])
def test_others_cannot_see_the_overdue_list(client, signed_in, role):
    signed_in(role)
    assert client.get("/moderation/overdue-articles").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_for_the_overdue_list(client, users):
    response = client.get("/moderation/overdue-articles")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


# API and speed ----------------------------------------------------------------------------------


def test_the_api_carries_references_and_the_review_date(client, signed_in, users, tag):
    post = published_article(client, signed_in)
    sign_out(client)
    body = get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")
    assert body["references"] == [
        {
            "kind": "pmid",
            "value": "20041420",
            "url": "https://pubmed.ncbi.nlm.nih.gov/20041420/",
            "label": "Manns MP et al. Diagnosis and management of autoimmune hepatitis",
        },
        {
            "kind": "doi",
            "value": "10.1016/j.jhep.2015.06.030",
            "url": "https://doi.org/10.1016/j.jhep.2015.06.030",
            "label": "EASL <b>guidelines</b> & more",
        },
        {
            "kind": "url",
            "value": "https://example.org/leaflets/aza?lang=en&v=2",
            "url": "https://example.org/leaflets/aza?lang=en&v=2",
            "label": None,
        },
    ]
    experience = make_post(users["patient"], title="Not an article")
    body = get_json(client, f"/api/v1/posts/{experience.id}", "PostDetail")
    assert body["references"] == [] and body["review_due"] is None
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schema["Reference"]["required"] == ["kind", "value", "url", "label"]
    assert schema["PostDetail"]["properties"]["references"]["maxItems"] == 30


def reference_queries(client, url: str) -> tuple[int, int]:
    statements = statements_of_page(client, url)
    return len(statements), sum("article_references" in s for s in statements)


def test_the_article_page_reads_its_references_in_one_query(client, signed_in, users, tag):
    post = published_article(client, signed_in, references="PMID:1")
    sign_out(client)
    client.set_cookie("returning", "1")  # a cookie keeps the page cache out of the count
    client.get("/")
    few, read = reference_queries(client, post.path)
    assert read == 1
    many_lines = "\n".join(f"PMID:{n}" for n in range(1, 31))
    db.session.get(Post, post.id)
    references.replace_references(
        db.session.get(Post, post.id), references.parse_references(many_lines)
    )
    db.session.commit()
    many, read = reference_queries(client, post.path)
    assert (many, read) == (few, 1)
    experience = make_post(users["patient"], title="Not an article at all")
    assert reference_queries(client, experience.path)[1] == 0


# Data rights ------------------------------------------------------------------------------------


def test_the_authors_export_has_their_references_and_erasure_removes_them(client, signed_in, tag):
    soon = date.today() + timedelta(days=60)
    post = published_article(client, signed_in, review_due_on=soon.isoformat())
    exported = json.loads(client.get("/me/export").data)
    (article,) = exported["posts"]
    assert article["review_due_on"] == soon.isoformat()
    assert [r["value"] for r in article["references"]] == [
        "20041420",
        "10.1016/j.jhep.2015.06.030",
        "https://example.org/leaflets/aza?lang=en&v=2",
    ]
    response = post_form(client, "/me/delete", {"writing": "erase", "password": PASSWORD})
    assert response.status_code == 302
    assert stored_references(post.id) == []
