"""One write gate: what an abuser tries with profile fields, drafts and reviews, through HTTP.

Suspended members change nothing public; an untrusted member's bio waits for a moderator;
names and handles cannot pose as a badge or a role; profile edits are rate-limited; a draft is
its author's alone; a suspended provider records no medical review.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.models import ModerationEvent, Notification, Post, ProfileChange, User
from tests.conftest import RequestIsolatedClient, make_user
from tests.helpers import PASSWORD, csrf_from, make_post, post_form, sign_in, sign_out

EMAIL_BIO = "Write to me at jane.doe@example.com about azathioprine."
PLAIN_BIO = "Living with autoimmune hepatitis since 2019, on azathioprine 75 mg."


def reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def suspend(user) -> None:
    user.suspended_until = utcnow() + timedelta(days=3)
    user.suspension_reason = "spam"
    db.session.commit()


def save_profile(client, display_name: str, bio: str = ""):
    return post_form(client, "/me/profile", {"display_name": display_name, "bio": bio})


def anonymous(app):
    app.test_client_class = RequestIsolatedClient
    return app.test_client()


@pytest.fixture
def pat(client, users):
    """The untrusted patient, signed in, with one published post (a public author page)."""
    make_post(users["patient"], title="How my first year on azathioprine went")
    sign_in(client, users["patient"].email)
    return users["patient"]


# Suspended members change nothing public ----------------------------------------------------


def test_a_suspended_member_cannot_change_name_or_bio(client, pat):
    suspend(pat)
    response = save_profile(client, "Totally New Name", PLAIN_BIO)
    assert response.status_code == 403
    assert "suspended" in text(response)
    saved = reload(pat)
    assert (saved.display_name, saved.bio_source, saved.bio_html) == ("Pat", "", "")


def test_a_suspended_member_cannot_change_handle(client, pat):
    suspend(pat)
    response = post_form(client, "/me/handle", {"username": "pat-elsewhere"})
    assert response.status_code == 403
    assert "suspended" in text(response)
    assert reload(pat).username == "pat"


def test_a_suspended_member_cannot_send_provider_credentials(client, pat):
    suspend(pat)
    response = post_form(
        client,
        "/me/provider",
        {"credentials": "MD", "specialty": "Hepatology", "license_number": "GMC 1234567"},
    )
    assert response.status_code == 403
    saved = reload(pat)
    assert (saved.credentials, saved.specialty, saved.verification_state) == (
        None,
        None,
        "unverified",
    )


def test_a_suspended_member_cannot_post_reply_or_flag(client, pat, users):
    target = make_post(users["other_patient"], title="Someone else's experience")
    posts_before = db.session.scalars(select(Post.id).where(Post.author_id == pat.id)).all()
    suspend(pat)
    new_post = post_form(
        client,
        "/posts/new",
        {"kind": "question", "title": "A question", "body": "What about the dose of azathioprine?"},
    )
    token = csrf_from(client.get(target.path).get_data(as_text=True))
    reply = client.post(
        f"/posts/{target.id}/comments", data={"csrf_token": token, "body": "Me too here."}
    )
    flag = client.post(f"/posts/{target.id}/flag", data={"csrf_token": token, "reason": "spam"})
    assert [new_post.status_code, reply.status_code, flag.status_code] == [403, 403, 403]
    posts_after = db.session.scalars(select(Post.id).where(Post.author_id == pat.id)).all()
    assert posts_after == posts_before


def test_a_suspended_provider_cannot_record_a_medical_review(client, users):
    author = make_user("prov-two", "provider", verification_state="verified")
    article = make_post(author, title="Azathioprine and TPMT testing", kind="article")
    reviewer = users["provider"]
    suspend(reviewer)
    sign_in(client, reviewer.email)
    token = csrf_from(client.get(article.path).get_data(as_text=True))
    response = client.post(f"/posts/{article.id}/review", data={"csrf_token": token})
    assert response.status_code == 403
    assert "suspended" in text(response)
    db.session.expire_all()
    assert db.session.get(Post, article.id).reviewed_by_id is None


# An untrusted member's bio waits for a moderator --------------------------------------------


def approve_or_reject(client, decision: str, reason: str = ""):
    queue = client.get("/moderation/").get_data(as_text=True)
    match = re.search(r'action="(/moderation/profiles/\d+/)approve"', queue)
    assert match, "no pending profile change in the queue"
    return client.post(
        match.group(1) + decision, data={"csrf_token": csrf_from(queue), "reason": reason}
    )


@pytest.mark.parametrize(
    ("bio", "marker"), [(EMAIL_BIO, "jane.doe@example.com"), (PLAIN_BIO, "hepatitis since 2019")]
)
def test_an_untrusted_members_bio_waits_until_a_moderator_approves(
    app, client, pat, users, bio, marker
):
    assert save_profile(client, "Pat", bio).status_code == 302
    assert marker not in text(anonymous(app).get("/authors/pat"))
    feed = anonymous(app).get("/authors/pat/feed.atom")
    assert feed.status_code == 200 and marker not in text(feed)
    assert anonymous(app).get("/api/v1/authors/pat").get_json()["bio_html"] == ""
    assert reload(pat).bio_html == ""
    own_form = text(client.get("/me/profile"))
    assert bio in own_form, "the member sees what they wrote"
    assert "waiting for a moderator" in own_form
    assert marker in text(client.get("/authors/pat"))

    sign_out(client)
    sign_in(client, users["moderator"].email)
    assert marker in text(client.get("/moderation/"))
    assert marker in text(client.get("/authors/pat")), "moderators see it too"
    assert approve_or_reject(client, "approve").status_code == 302

    assert marker in text(anonymous(app).get("/authors/pat"))
    assert marker in anonymous(app).get("/api/v1/authors/pat").get_json()["bio_html"]
    event = db.session.scalars(
        select(ModerationEvent).where(ModerationEvent.target_type == "user")
    ).one()
    assert (event.target_id, event.to_state) == (pat.id, "published")
    assert db.session.scalar(select(Notification.message).where(Notification.user_id == pat.id))


def test_a_rejected_bio_never_becomes_public(app, client, pat, users):
    save_profile(client, "Pat", EMAIL_BIO)
    sign_out(client)
    sign_in(client, users["moderator"].email)
    assert approve_or_reject(client, "reject", "").status_code == 400, "a reason is needed"
    assert approve_or_reject(client, "reject", "No email addresses, please.").status_code == 302
    assert "jane.doe" not in text(anonymous(app).get("/authors/pat"))
    assert "jane.doe" not in text(anonymous(app).get("/api/v1/authors/pat"))
    assert reload(pat).bio_source == ""
    notice = db.session.scalar(select(Notification.message).where(Notification.user_id == pat.id))
    assert "No email addresses, please." in notice
    assert "moderation/profiles" not in text(client.get("/moderation/"))


def test_a_waiting_bio_is_in_the_export_and_erased_with_the_account(client, pat):
    save_profile(client, "Pat", EMAIL_BIO)
    exported = client.get("/me/export").get_json()
    assert [change["bio"] for change in exported["profile_changes"]] == [EMAIL_BIO]
    response = post_form(client, "/me/delete", {"writing": "erase", "password": PASSWORD})
    assert response.status_code == 302
    assert db.session.scalars(select(ProfileChange)).all() == []


def test_only_moderators_decide_profile_changes(client, pat, users):
    save_profile(client, "Pat", PLAIN_BIO)
    sign_out(client)
    sign_in(client, users["moderator"].email)
    queue = client.get("/moderation/").get_data(as_text=True)
    action = re.search(r'action="(/moderation/profiles/\d+/approve)"', queue).group(1)
    sign_out(client)
    sign_in(client, users["other_patient"].email)
    token = csrf_from(client.get("/me/profile").get_data(as_text=True))
    assert client.post(action, data={"csrf_token": token}).status_code in (403, 404)
    assert reload(pat).bio_source == ""


def test_a_trusted_members_bio_is_public_at_once_but_still_screened(app, client, users):
    sign_in(client, users["provider"].email)
    assert save_profile(client, "Dr Prov", PLAIN_BIO).status_code == 302
    assert "hepatitis" in text(anonymous(app).get("/authors/prov"))
    assert save_profile(client, "Dr Prov", EMAIL_BIO).status_code == 302
    assert "jane.doe" not in text(anonymous(app).get("/authors/prov"))
    assert "hepatitis" in text(anonymous(app).get("/authors/prov")), "the approved bio stays"


def test_a_display_name_with_contact_details_is_held(app, client, pat):
    assert save_profile(client, "Pat 07700 900123").status_code == 302
    assert "07700" not in text(anonymous(app).get("/authors/pat"))
    assert reload(pat).display_name == "Pat"


# Names and handles cannot pose as a badge or a role -----------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Moderator",
        "m o d e r a t o r",
        "ADMIN",
        "Verified ✓",
        "Pat ✔",
        "Pr0vider",
        "Mod\u200derator",
        "Ad\u200bmin",
        "M.O.D",
        "Jane (Staff)",
        "Official Account",
        "\u0410dmin",  # Cyrillic A
        "Site Administrator",
        "JaneModerator",
        "ｍｏｄｅｒａｔｏｒ",  # fullwidth
        "V3rif1ed member",
        "Adm\u0332in",  # a combining underline between letters
        "Ad Min",
        "Ⓜⓞⓓ",
        "Ádmín",
    ],
)
def test_names_that_impersonate_a_role_or_badge_are_refused(client, pat, name):
    response = save_profile(client, name)
    assert response.status_code == 400
    assert "badge or a role" in text(response)
    assert reload(pat).display_name == "Pat"


def test_moderators_are_not_exempt(client, users):
    sign_in(client, users["moderator"].email)
    assert save_profile(client, "Moderator Modi").status_code == 400


@pytest.mark.parametrize(
    "name", ["Modesty Blaise", "Badminton fan", "Pat from Staffordshire", "Dr Ann Provence"]
)
def test_ordinary_names_with_those_letters_are_fine(client, pat, name):
    assert save_profile(client, name).status_code == 302
    assert reload(pat).display_name == name


@pytest.mark.parametrize(
    "handle", ["m0derator", "verified", "official-team", "jane-admin", "the_mod", "provider"]
)
def test_handles_that_impersonate_a_role_are_refused(client, pat, handle):
    response = post_form(client, "/me/handle", {"username": handle})
    assert response.status_code == 400
    assert reload(pat).username == "pat"


# Rate limits ---------------------------------------------------------------------------------


@pytest.fixture
def limited_app(limited_app):
    make_user("limited")
    return limited_app


def test_profile_edits_are_rate_limited_per_member(limited_app):
    client = limited_app.test_client()
    sign_in(client, "limited@example.org")
    token = csrf_from(client.get("/me/profile").get_data(as_text=True))
    statuses = [
        client.post(
            "/me/profile", data={"csrf_token": token, "display_name": f"Name {n}", "bio": ""}
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429
    assert db.session.scalar(select(User.display_name).where(User.username == "limited")) == (
        "Name 9"
    )


def test_handle_changes_are_rate_limited_per_member(limited_app):
    client = limited_app.test_client()
    sign_in(client, "limited@example.org")
    token = csrf_from(client.get("/me/handle").get_data(as_text=True))
    statuses = [
        client.post("/me/handle", data={"csrf_token": token, "username": f"lim-{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


# Drafts are their author's alone -------------------------------------------------------------


@pytest.fixture
def draft(users):
    return make_post(
        users["patient"], title="My unfinished draft about azathioprine", status="draft"
    )


def draft_urls(post, signed_in: bool) -> list[str]:
    urls = [f"/posts/{post.id}", f"/posts/{post.id}/{post.slug}", f"/api/v1/posts/{post.id}"]
    if signed_in:  # these ask anonymous visitors to sign in first
        urls += [f"/posts/{post.id}/history", f"/posts/{post.id}/edit"]
    return urls


@pytest.mark.parametrize("who", ["anonymous", "other_patient", "moderator", "admin"])
def test_a_draft_is_not_found_by_anyone_but_its_author(client, users, draft, who):
    if who != "anonymous":
        sign_in(client, users[who].email)
    urls = draft_urls(draft, signed_in=who != "anonymous")
    statuses = {url: client.get(url).status_code for url in urls}
    assert set(statuses.values()) == {404}, statuses


def test_the_author_sees_their_draft_and_moderators_see_submitted_posts(client, users, draft):
    sign_in(client, users["patient"].email)
    assert client.get(f"/posts/{draft.id}/{draft.slug}").status_code == 200
    pending = make_post(users["patient"], title="Waiting for a moderator's look", status="pending")
    sign_out(client)
    sign_in(client, users["moderator"].email)
    assert client.get(f"/posts/{pending.id}/{pending.slug}").status_code == 200


def test_a_moderator_cannot_act_on_a_draft(client, users, draft):
    sign_in(client, users["moderator"].email)
    token = csrf_from(client.get("/moderation/").get_data(as_text=True))
    for action in ("approve", "remove", "hide"):
        response = client.post(
            f"/moderation/posts/{draft.id}/{action}", data={"csrf_token": token, "reason": "x"}
        )
        assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Post, draft.id).status == "draft"


@pytest.mark.parametrize("who", ["anonymous", "moderator"])
def test_a_draft_is_in_no_search_feed_or_listing(client, users, draft, who):
    if who != "anonymous":
        sign_in(client, users[who].email)
    pages = [
        "/search?q=unfinished",
        "/api/v1/search?q=unfinished",
        "/feeds/latest.atom",
        "/api/v1/posts",
        "/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "draft about azathioprine" not in text(response).lower(), url
