from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.db import utcnow
from app.extensions import db
from app.models import Comment, Flag, Notification, Post, Revision, SearchOutbox
from tests.helpers import csrf_from, make_post, make_tag, post_form


@pytest.fixture
def tags(app):
    tags = [
        make_tag("azathioprine", "medication"),
        make_tag("missed-doses"),
        make_tag("blood-tests"),
    ]
    db.session.commit()
    return tags


GOOD = {
    "title": "Forgot my Imuran on holiday",
    "kind": "experience",
    "body": "I forgot a dose of azathioprine while travelling and called my nurse.",
    "tags": "azathioprine, missed-doses",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def write(client, url="/posts/new", **changes):
    return post_form(client, url, {**GOOD, **changes})


def only_post() -> Post:
    return db.session.scalars(select(Post).options(selectinload(Post.tags))).one()


def post_count() -> int:
    return db.session.scalar(select(func.count(Post.id)))


def test_a_new_members_post_waits_for_review_and_they_are_told(client, signed_in, tags):
    signed_in("patient")
    response = write(client)
    post = only_post()
    assert response.status_code == 302 and response.headers["Location"] == post.path
    assert post.status == "pending"
    assert [t.slug for t in post.tags] == ["azathioprine", "missed-doses"]
    page = text(client.get(post.path))
    assert "Waiting for review" in page and "A moderator will review your post" in page
    client.post("/auth/logout", data={"csrf_token": csrf_from(page)})
    assert client.get(post.path).status_code == 404


def test_trusted_members_and_verified_providers_publish_directly(client, signed_in, tags, users):
    users["patient"].approved_post_count = 3
    db.session.commit()
    signed_in("patient")
    write(client)
    assert only_post().status == "published"
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
    found = client.get("/api/v1/search?q=imuran").get_json()
    assert [hit["id"] for hit in found["results"]] == [only_post().id]


def test_providers_write_articles_patients_cannot(client, signed_in, tags, users):
    signed_in("patient")
    refused = write(client, kind="article")
    assert refused.status_code == 400
    assert "Articles are for verified providers" in text(refused)
    assert GOOD["body"] in text(refused)
    assert post_count() == 0


def test_a_verified_provider_publishes_an_article(client, signed_in, tags):
    signed_in("provider")
    write(client, kind="article")
    post = only_post()
    assert (post.kind, post.status) == ("article", "published")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Use 5 to 200 characters for the title."),
        ({"title": "x" * 201}, "Use 5 to 200 characters for the title."),
        ({"body": "short"}, "Write 20 to 50,000 characters."),
        ({"body": "x" * 50_001}, "Write 20 to 50,000 characters."),
        ({"kind": "poem"}, "Choose experience, question or article."),
        ({"tags": "azathioprine, no-such-tag, other"}, "Unknown tags: no-such-tag, other."),
        ({"tags": ",".join(f"t{i}" for i in range(7))}, "Choose at most 6 tags."),
    ],
)
def test_bad_posts_are_refused_with_the_text_kept(client, signed_in, tags, changes, message):
    signed_in("patient")
    response = write(client, **changes)
    page = text(response)
    assert response.status_code == 400
    assert message in page
    body = changes.get("body", GOOD["body"])
    if len(body) < 1000:
        assert body in page
    assert post_count() == 0


def test_double_submit_does_not_make_two_posts(client, signed_in, tags):
    signed_in("patient")
    assert write(client).status_code == 302
    again = write(client)
    assert again.status_code == 409
    assert "You already sent this post" in text(again)
    assert post_count() == 1


def test_preview_shows_what_will_be_published_and_saves_nothing(client, signed_in, tags):
    signed_in("patient")
    response = write(
        client, intent="preview", body="My **ALT** came down. Call me on +44 20 7946 0958 please."
    )
    page = text(response)
    assert response.status_code == 200
    assert "<strong>ALT</strong>" in page
    assert "Phone number" in page and "+44 20 7946 0958" in page
    assert post_count() == 0


def test_findings_hold_even_a_trusted_members_post(client, signed_in, tags, users):
    users["patient"].approved_post_count = 10
    db.session.commit()
    signed_in("patient")
    write(client, body="Email me at someone@example.org and I will share my notes.")
    post = only_post()
    assert post.status == "pending"
    assert [f["kind"] for f in post.finding_list] == ["email"]


def test_links_from_new_members_are_findings_but_not_from_trusted_ones(
    client, signed_in, tags, users
):
    signed_in("patient")
    write(client, body="Helpful page: https://medlineplus.gov/druginfo/meds/a682167.html")
    assert [f["kind"] for f in only_post().finding_list] == ["link"]


def test_dosages_lab_values_and_dates_are_not_findings(client, signed_in, tags):
    signed_in("patient")
    write(client, body="azathioprine 50 mg twice daily, ALT 45 U/L, 2.5 mg/kg on 12/03/2025")
    assert only_post().finding_list == []


def test_save_as_draft_then_submit(client, signed_in, tags):
    signed_in("patient")
    write(client, intent="draft")
    post = only_post()
    assert post.status == "draft"
    response = write(client, url=f"/posts/{post.id}/edit", intent="submit")
    assert response.status_code == 302
    assert db.session.get(Post, post.id).status == "pending"


def test_edits_keep_revisions_and_show_edited(client, signed_in, tags, users):
    for number in range(3):  # trusted: three earlier posts are published
        make_post(users["patient"], title=f"Earlier post {number}")
    signed_in("patient")
    write(client)
    post = db.session.scalars(select(Post).where(Post.title == GOOD["title"])).one()
    write(client, url=f"/posts/{post.id}/edit", title="Forgot my Imuran twice on holiday")
    revision = db.session.scalars(select(Revision)).one()
    assert (revision.title, revision.editor_id) == (GOOD["title"], users["patient"].id)
    post = db.session.get(Post, post.id)
    assert post.status == "published" and post.edited_at is not None
    page = text(client.get(post.path))
    assert "edited" in page
    history = text(client.get(f"/posts/{post.id}/history"))
    assert GOOD["title"] in history


def test_an_edit_by_a_member_still_under_review_goes_back_to_the_queue(
    client, signed_in, tags, users
):
    signed_in("patient")
    post = make_post(users["patient"], title="Approved earlier", tags=[tags[0]])
    write(client, url=f"/posts/{post.id}/edit", title="Approved earlier, now changed")
    assert db.session.get(Post, post.id).status == "pending"


def test_only_the_author_edits_not_other_members_nor_moderators(client, signed_in, tags, users):
    post = make_post(users["patient"], tags=[tags[0]])
    for role in ("other_patient", "moderator"):
        signed_in(role)
        assert client.get(f"/posts/{post.id}/edit").status_code == 403
        refused = client.post(
            f"/posts/{post.id}/edit", data={**GOOD, "csrf_token": csrf_from(text(client.get("/")))}
        )
        assert refused.status_code == 403
    assert db.session.get(Post, post.id).title == "A post about azathioprine"


def test_the_author_withdraws_their_post(client, signed_in, users):
    post = make_post(users["patient"])
    signed_in("patient")
    page = text(client.get(post.path))
    response = client.post(f"/posts/{post.id}/withdraw", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert db.session.get(Post, post.id).status == "deleted"
    assert client.get(post.path).status_code == 404


def test_another_member_cannot_withdraw_a_post(client, signed_in, users):
    post = make_post(users["patient"])
    signed_in("other_patient")
    token = csrf_from(text(client.get(post.path)))
    assert client.post(f"/posts/{post.id}/withdraw", data={"csrf_token": token}).status_code == 403
    assert db.session.get(Post, post.id).status == "published"


def test_replies_from_new_members_wait_and_trusted_replies_publish(client, signed_in, users):
    post = make_post(users["provider"])
    signed_in("patient")
    token = csrf_from(text(client.get(post.path)))
    client.post(f"/posts/{post.id}/comments", data={"csrf_token": token, "body": "Thank you!"})
    comment = db.session.scalars(select(Comment)).one()
    assert comment.status == "pending"
    assert "Waiting for review" in text(client.get(post.path))
    signed_in("provider")
    token = csrf_from(text(client.get(post.path)))
    client.post(f"/posts/{post.id}/comments", data={"csrf_token": token, "body": "You're welcome"})
    assert db.session.scalars(select(Comment.status).order_by(Comment.id)).all() == [
        "pending",
        "published",
    ]


def test_an_empty_reply_is_refused_with_a_message(client, signed_in, users):
    post = make_post(users["provider"])
    signed_in("patient")
    token = csrf_from(text(client.get(post.path)))
    response = client.post(f"/posts/{post.id}/comments", data={"csrf_token": token, "body": " "})
    assert response.status_code == 400
    assert "Write 2 to 10,000 characters." in text(response)


def test_suspended_members_cannot_post_reply_or_flag_and_see_why(client, signed_in, tags, users):
    target = make_post(users["provider"])
    users["patient"].suspended_until = utcnow() + timedelta(days=3)
    users["patient"].suspension_reason = "Repeated unsafe advice"
    db.session.commit()
    signed_in("patient")
    page = text(client.get("/"))
    assert "Your account is suspended" in page and "Repeated unsafe advice" in page
    refused = write(client)
    assert refused.status_code == 403 and "Repeated unsafe advice" in text(refused)
    token = csrf_from(page)
    assert (
        client.post(
            f"/posts/{target.id}/comments", data={"csrf_token": token, "body": "hello there"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/posts/{target.id}/flag", data={"csrf_token": token, "reason": "spam"}
        ).status_code
        == 403
    )
    assert post_count() == 1
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_role_and_status_are_never_taken_from_the_form(client, signed_in, tags, users):
    signed_in("patient")
    write(client, status="published", author_id=str(users["admin"].id), role="admin")
    post = only_post()
    assert (post.status, post.author_id) == ("pending", users["patient"].id)
    assert users["patient"].role == "patient"


def test_notifications_tell_the_author_when_a_moderator_decides(client, signed_in, users):
    post = make_post(users["patient"], status="pending")
    signed_in("moderator")
    token = csrf_from(text(client.get("/moderation/")))
    client.post(
        f"/moderation/posts/{post.id}/reject",
        data={"csrf_token": token, "reason": "Please remove the clinic's name."},
    )
    note = db.session.scalars(select(Notification)).one()
    assert note.user_id == users["patient"].id
    assert "not approved" in note.message and "clinic's name" in note.message
    signed_in("patient")
    assert 'Notifications <span class="badge">1' in text(client.get("/"))
    mine = text(client.get("/me/posts"))
    assert "Not approved" in mine and "Please remove the clinic&#39;s name." in mine


def test_verified_providers_record_a_medical_review_of_anothers_article(client, signed_in, users):
    from app.auth.services import create_account

    author = create_account(
        email="doc2@example.org",
        username="doc2",
        role="provider",
        password="correct horse battery staple",
        consented=True,
    )
    author.verification_state = "verified"
    db.session.commit()
    article = make_post(author, kind="article", title="Understanding TPMT results")
    signed_in("patient")
    assert (
        client.post(
            f"/posts/{article.id}/review",
            data={"csrf_token": csrf_from(text(client.get(article.path)))},
        ).status_code
        == 403
    )
    signed_in("provider")
    page = text(client.get(article.path))
    assert "Mark as medically reviewed today" in page
    client.post(f"/posts/{article.id}/review", data={"csrf_token": csrf_from(page)})
    reviewed = db.session.get(Post, article.id)
    assert reviewed.reviewed_by_id == users["provider"].id
    assert reviewed.last_reviewed_at is not None
    assert "Medically reviewed by" in text(client.get(article.path))
    own = make_post(users["provider"], kind="article", title="My own article here")
    refused = client.post(f"/posts/{own.id}/review", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 400
