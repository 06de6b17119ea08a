"""Editing a profile (display name, bio, shown conditions) and changing the public handle."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MemberCondition, SearchOutbox, User
from tests.conftest import make_user
from tests.helpers import make_post, make_tag, post_form, sign_in, sign_out


@pytest.fixture
def member(client, users):
    """The patient, signed in, with one published post (so the profile page is public)."""
    make_post(users["patient"], title="How my first year on azathioprine went")
    sign_in(client, users["patient"].email)
    return users["patient"]


@pytest.fixture
def trusted(monkeypatch):
    """The member publishes without review (tests/security/test_write_gate.py covers review)."""
    monkeypatch.setattr("app.moderation.service.is_trusted", lambda user: True)


@pytest.fixture
def conditions(app):
    aih = make_tag("autoimmune-hepatitis", kind="condition", name="Autoimmune hepatitis")
    pbc = make_tag("pbc", kind="condition", name="Primary biliary cholangitis")
    make_tag("diet")
    db.session.commit()
    return {"aih": aih, "pbc": pbc}


def save_profile(client, **fields):
    data = {"display_name": "Pat", "bio": "", **fields}
    return post_form(client, "/me/profile", data)


def reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# Profile ------------------------------------------------------------------------------------


def test_the_profile_form_shows_what_is_stored(client, member):
    member.bio_source = "I was diagnosed in **2019**."
    db.session.commit()
    page = text(client.get("/me/profile"))
    assert 'value="Pat"' in page
    assert "I was diagnosed in **2019**." in page


def test_saving_name_and_bio_updates_the_public_profile(client, member, trusted):
    response = save_profile(
        client,
        display_name="  Pat   from   Leeds ",
        bio="Diagnosed in **2019**. <script>alert(1)</script> [clinic](javascript:alert(1))",
    )
    assert response.status_code == 302
    saved = reload(member)
    assert saved.display_name == "Pat from Leeds"
    assert "<strong>2019</strong>" in saved.bio_html
    assert "<script" not in saved.bio_html and 'href="javascript' not in saved.bio_html
    assert saved.bio_source.startswith("Diagnosed in **2019**.")
    page = client.get("/authors/pat").get_data(as_text=True)
    assert "Pat from Leeds" in page
    assert "<strong>2019</strong>" in page
    assert member.email not in page


def test_display_names_are_plain_text(client, member):
    save_profile(client, display_name="<b>Pat</b>\u200b\x07 ")
    assert reload(member).display_name == "<b>Pat</b>"
    page = client.get("/authors/pat").get_data(as_text=True)
    assert "&lt;b&gt;Pat&lt;/b&gt;" in page
    assert "<b>Pat</b>" not in page


@pytest.mark.parametrize(
    ("display_name", "message"),
    [
        ("", "Enter a display name (1–80 characters)."),
        ("   \t ", "Enter a display name (1–80 characters)."),
        ("x" * 81, "Keep your display name to 80 characters (it has 81)."),
    ],
)
def test_bad_display_names_are_refused_and_the_text_kept(client, member, display_name, message):
    response = save_profile(client, display_name=display_name, bio="My bio stays here.")
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert "My bio stays here." in page
    assert reload(member).display_name == "Pat"


def test_an_oversized_bio_is_refused_and_kept_in_the_form(client, member):
    bio = "word " * 1000 + "end"
    response = save_profile(client, display_name="Pat the patient", bio=bio)
    assert response.status_code == 400
    page = text(response)
    assert "Keep your bio to 5,000 characters (it has 5,003)." in page
    assert bio.strip() in page
    assert 'value="Pat the patient"' in page
    saved = reload(member)
    assert (saved.display_name, saved.bio_source) == ("Pat", "")


def test_a_bio_of_exactly_the_limit_is_saved(client, member, trusted):
    assert save_profile(client, bio="y" * 5000).status_code == 302
    assert len(reload(member).bio_source) == 5000


def test_role_verification_email_and_handle_never_come_from_the_profile_form(client, member):
    response = save_profile(
        client,
        display_name="Still Pat",
        role="admin",
        verification_state="verified",
        email="new@example.org",
        username="someone-else",
        credentials="MD",
    )
    assert response.status_code == 302
    saved = reload(member)
    assert saved.display_name == "Still Pat"
    assert (saved.role, saved.verification_state) == ("patient", "unverified")
    assert (saved.email, saved.username, saved.credentials) == ("pat@example.org", "pat", None)


def test_conditions_can_be_listed_privately_or_shown(client, member, conditions):
    page = text(client.get("/me/profile"))
    assert "Autoimmune hepatitis" in page and "Primary biliary cholangitis" in page
    assert "condition-diet" not in page, "only condition tags are offered"
    response = save_profile(
        client,
        **{
            "condition-autoimmune-hepatitis": "shown",
            "condition-pbc": "private",
            "condition-diet": "shown",
        },
    )
    assert response.status_code == 302
    rows = db.session.scalars(
        select(MemberCondition).where(MemberCondition.user_id == member.id)
    ).all()
    assert {(row.tag_id, row.shown) for row in rows} == {
        (conditions["aih"].id, True),
        (conditions["pbc"].id, False),
    }
    profile = client.get("/authors/pat").get_data(as_text=True)
    assert "Autoimmune hepatitis" in profile
    assert "Primary biliary cholangitis" not in profile
    form = client.get("/me/profile").get_data(as_text=True)
    assert (
        'id="condition-autoimmune-hepatitis-shown" name="condition-autoimmune-hepatitis" ' in form
    )
    assert 'value="shown" checked' in form and 'value="private" checked' in form


def test_conditions_can_be_hidden_again_and_removed(client, member, conditions):
    save_profile(client, **{"condition-autoimmune-hepatitis": "shown", "condition-pbc": "shown"})
    save_profile(client, **{"condition-autoimmune-hepatitis": "private", "condition-pbc": "no"})
    rows = db.session.scalars(select(MemberCondition)).all()
    assert [(row.tag_id, row.shown) for row in rows] == [(conditions["aih"].id, False)]
    profile = client.get("/authors/pat").get_data(as_text=True)
    assert "Autoimmune hepatitis" not in profile and "Lives with" not in profile


def test_an_unknown_condition_choice_is_refused(client, member, conditions):
    response = save_profile(
        client, bio="Kept bio text.", **{"condition-autoimmune-hepatitis": "everyone"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "Choose not listed, private or shown for Autoimmune hepatitis." in page
    assert "Kept bio text." in page
    assert db.session.scalars(select(MemberCondition)).all() == []


def test_showing_a_condition_refreshes_the_cached_author_page(app, client, member, conditions):
    def anonymous_get(url):
        return app.test_client().get(url)

    anonymous_get("/authors/pat")
    assert anonymous_get("/authors/pat").headers["X-Page-Cache"] == "hit"
    save_profile(client, **{"condition-autoimmune-hepatitis": "shown"})
    fresh = anonymous_get("/authors/pat")
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "Autoimmune hepatitis" in fresh.get_data(as_text=True)


def test_profile_without_csrf_token_is_refused(client, member):
    response = client.post("/me/profile", data={"display_name": "Hacked", "bio": ""})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert reload(member).display_name == "Pat"


def test_profile_pages_need_an_account(client):
    for url in ("/me/profile", "/me/handle"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")


def test_own_author_page_links_to_the_profile_form(client, member):
    assert 'href="/me/profile"' in client.get("/authors/pat").get_data(as_text=True)


# Handle -------------------------------------------------------------------------------------


def change_handle(client, username: str):
    return post_form(client, "/me/handle", {"username": username})


def test_changing_the_handle_moves_the_profile(client, member):
    response = change_handle(client, "  Pat-Renamed ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/authors/pat-renamed"
    assert reload(member).username == "pat-renamed"
    assert client.get("/authors/pat-renamed").status_code == 200
    assert client.get("/authors/pat").status_code == 404
    assert "@pat-renamed" in client.get("/").get_data(as_text=True)


def test_a_new_handle_reindexes_the_members_published_posts(client, member, users, monkeypatch):
    """The index stores each post's author handle: the change queues every published post."""
    make_post(users["patient"], title="A draft nobody sees", status="draft")
    db.session.execute(SearchOutbox.__table__.delete())
    db.session.commit()
    monkeypatch.setattr("app.search.outbox.apply_pending", lambda backend: 0)
    change_handle(client, "pat-two")
    queued = db.session.scalars(select(SearchOutbox)).all()
    assert [row.operation for row in queued] == ["index"]


def test_signing_in_still_works_after_a_handle_change(client, member):
    change_handle(client, "pat-two")
    sign_out(client)
    sign_in(client, "pat@example.org")
    assert "@pat-two" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("other", "That handle is taken; please choose another."),
        ("OTHER", "That handle is taken; please choose another."),
        ("admin", "That handle is reserved; please choose another."),
        ("me", "Use 3–30 lowercase letters"),
        ("no spaces!", "Use 3–30 lowercase letters"),
        ("x" * 31, "Use 3–30 lowercase letters"),
        ("", "Use 3–30 lowercase letters"),
        ("pat", "That is already your handle."),
    ],
)
def test_bad_handles_are_refused_with_the_text_kept(client, member, username, message):
    response = change_handle(client, username)
    assert response.status_code == 400
    page = text(response)
    assert message in page
    if username:
        assert f'value="{username}"' in page
    assert reload(member).username == "pat"


def test_a_freed_handle_can_be_taken_by_someone_else(client, member, users):
    change_handle(client, "pat-new")
    make_user("late")
    sign_out(client)
    sign_in(client, "late@example.org")
    assert change_handle(client, "pat").status_code == 302
    assert db.session.scalar(select(User.email).where(User.username == "pat")) == (
        "late@example.org"
    )


def test_handle_without_csrf_token_is_refused(client, member):
    assert client.post("/me/handle", data={"username": "sneaky"}).status_code == 400
    assert reload(member).username == "pat"
