import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from tests.helpers import (
    PASSWORD,
    choose_password,
    confirmation_link,
    csrf_from,
    make_post,
    post_form,
    register_and_confirm,
    sign_in,
    take_mails,
)

GOOD = {"email": "New.Member@Example.org", "username": "new_member", "consent": "y"}
GOOD_PASSWORD = "a long enough passphrase"


def text(response) -> str:
    return response.get_data(as_text=True)


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def register(client, **changes):
    return post_form(client, "/auth/register", {**GOOD, **changes})


def registration_link(client, app) -> str:
    """The link mailed for GOOD: its page is where the password is chosen."""
    take_mails(app)
    assert register(client).status_code == 200
    (message,) = take_mails(app)
    return confirmation_link(message)


def test_register_creates_a_member_signs_them_in_and_records_consent(client, app):
    response = register_and_confirm(client, app, GOOD, GOOD_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.scalar(select(User).where(User.username == "new_member"))
    assert user.email == "new.member@example.org"
    assert user.role == "patient"
    assert user.consented_at is not None
    assert user.password_hash.startswith("$argon2id$")
    assert GOOD_PASSWORD not in user.password_hash
    assert "@new_member" in text(client.get("/"))


def test_strong_hashing_parameters_are_used_outside_tests(app):
    from argon2 import extract_parameters

    from app.auth.passwords import hash_password

    app.config["PASSWORD_HASH_PROFILE"] = "strong"
    params = extract_parameters(hash_password("a long enough passphrase"))
    assert params.type.name == "ID"
    assert params.memory_cost >= 64 * 1024 and params.time_cost >= 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "a" * 250 + "@example.org"}, "Field cannot be longer than 254"),
        ({"username": ""}, "Choose a public handle."),
        ({"username": "ab"}, "Field must be between 3 and 30 characters long."),
        ({"username": "x" * 31}, "Field must be between 3 and 30 characters long."),
        ({"username": "bad name!"}, "Use 3–30 lowercase letters"),
        ({"username": "admin"}, "That handle is reserved"),
        ({"consent": ""}, "We need your consent to store health information."),
    ],
)
def test_bad_registrations_are_refused_with_the_form_kept(client, app, changes, message):
    response = register(client, **changes)
    page = text(response)
    assert response.status_code == 400
    assert message in page
    assert user_count() == 0
    if changes.get("email") != "" and "email" not in changes:
        assert 'value="new.member@example.org"' in page


def test_a_taken_email_whatever_the_case_creates_nothing_and_is_not_revealed(client, app):
    assert register_and_confirm(client, app, GOOD).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_from(text(client.get("/")))})
    response = register(client, email="NEW.MEMBER@example.ORG", username="someone_else")
    assert response.status_code == 200
    assert "We sent a link to that address" in text(response)
    assert "already exists" not in text(response)
    assert user_count() == 1
    (message,) = take_mails(app)
    assert message["To"] == "new.member@example.org"
    assert "already belongs to an account" in message.get_content()


def test_duplicate_username_is_refused(client, users):
    make_post(users["patient"])  # only the handle of a member with a public page is reported
    response = register(client, username="PAT")
    assert response.status_code == 400
    assert "That handle is taken" in text(response)


def test_registration_without_csrf_token_is_refused(client, app):
    response = client.post("/auth/register", data=GOOD)
    assert response.status_code == 400
    assert "missing or invalid security token" in text(response)
    assert user_count() == 0


def test_sign_in_and_out(client, users):
    response = sign_in(client, "PAT@example.org")
    assert response.headers["Location"] == "/"
    home = text(client.get("/"))
    assert "Sign out" in home
    response = client.post("/auth/logout", data={"csrf_token": csrf_from(home)})
    assert response.status_code == 302
    assert "Sign in" in text(client.get("/"))


def test_unknown_email_and_wrong_password_get_the_same_answer(client, users):
    wrong = post_form(client, "/auth/login", {"email": "pat@example.org", "password": "x" * 12})
    unknown = post_form(client, "/auth/login", {"email": "ghost@example.org", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 400
    strip = lambda page: re.sub(r'value="[^"]*"', "", page)  # noqa: E731
    assert strip(text(wrong)) == strip(text(unknown))
    assert "That email and password do not match an account." in text(wrong)


def test_sign_in_with_empty_fields_is_a_clear_400(client, users):
    response = post_form(client, "/auth/login", {"email": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your email address." in text(response)
    assert "Enter your password." in text(response)


@pytest.mark.parametrize(
    ("next_value", "destination"),
    [
        ("/tags/azathioprine", "/tags/azathioprine"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_redirects_within_the_site(client, users, next_value, destination):
    response = post_form(
        client,
        "/auth/login",
        {"email": "pat@example.org", "password": PASSWORD, "next": next_value},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == destination


def test_next_from_the_query_string_is_carried_through_the_form(client, users):
    page = text(client.get("/auth/login?next=/tags/lupus"))
    assert 'name="next" type="hidden" value="/tags/lupus"' in page


def test_the_session_is_renewed_at_sign_in(client, users):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, "pat@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{users['patient'].id}:1"


def test_sign_out_needs_a_post_with_csrf(client, users):
    sign_in(client, "pat@example.org")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert "Sign out" in text(client.get("/"))


def test_signed_in_members_are_sent_home_from_the_forms(client, users):
    sign_in(client, "pat@example.org")
    assert client.get("/auth/register").status_code == 302
    assert client.get("/auth/login").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, users):
    response = sign_in(client, "pat@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_oversized_request_bodies_are_refused(client, app):
    response = client.post("/auth/register", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Choose a password."),
        ("short", "Use 12 to 128 characters."),
        ("p" * 129, "Use 12 to 128 characters."),
        ("password1234", "one of the most common passwords"),
        ("qwerty123456", "one of the most common passwords"),
        ("aaaaaaaaaaaaaaaa", "Please choose a stronger password"),
        ("new_member2025", "Please choose a stronger password"),
        ("iloveyou12345", "Please choose a stronger password"),
    ],
)
def test_short_common_and_guessable_passwords_are_refused_on_the_link_page(
    client, app, password, message
):
    link = registration_link(client, app)
    response = choose_password(client, link, password)
    assert response.status_code == 400
    assert message in text(response)
    assert user_count() == 0


def test_long_passwords_are_not_truncated(client, app):
    long_password = ("correct horse battery staple " * 5)[:128]
    assert len(long_password) == 128
    assert register_and_confirm(client, app, GOOD, long_password).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_from(text(client.get("/")))})
    near_miss = post_form(
        client, "/auth/login", {"email": GOOD["email"], "password": long_password[:127]}
    )
    assert near_miss.status_code == 400
    assert sign_in(client, GOOD["email"], long_password[:128]).status_code == 302


def test_sign_out_ends_the_session_on_the_server(client, users, app):
    sign_in(client, "pat@example.org")
    with client.session_transaction() as session:
        stolen = dict(session)
    client.post("/auth/logout", data={"csrf_token": csrf_from(text(client.get("/")))})
    with client.session_transaction() as session:
        session.update(stolen)
    page = text(client.get("/me/posts", follow_redirects=False) and client.get("/"))
    assert "Sign out" not in page
    assert client.get("/me/posts").status_code == 302


def test_rehash_on_sign_in_when_parameters_change(client, users, app):
    from app.models import User

    old_hash = db.session.get(User, users["patient"].id).password_hash
    app.config["PASSWORD_HASH_PROFILE"] = "strong"
    sign_in(client, "pat@example.org")
    new_hash = db.session.get(User, users["patient"].id).password_hash
    assert new_hash != old_hash and "m=65536" in new_hash
