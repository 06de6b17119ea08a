"""Registration by emailed link: the same answer whether or not an address has an account."""

import contextvars
import re
import threading
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth import registration
from app.auth.passwords import verify_password
from app.auth.services import create_account
from app.db import utcnow
from app.extensions import db
from app.models import PendingRegistration, User
from tests.conftest import make_user
from tests.helpers import (
    PASSWORD,
    choose_password,
    confirmation_link,
    csrf_from,
    make_post,
    post_form,
    sign_in,
    take_mails,
)

NEW = {"email": "New.Member@Example.org", "username": "new_member", "consent": "y"}
CHOSEN = "a long enough passphrase"  # what the owner of the address types on the link's page
SENT = "We sent a link to that address to finish creating your account."
EXPIRED = "This link has expired or was already used"
HEALTH_WORDS = ("azathioprine", "imuran", "hepatitis", "aih", "aza", "condition", "health")


def text(response) -> str:
    return response.get_data(as_text=True)


def without_tokens(page: str) -> str:
    return re.sub(r'value="[^"]*"|nonce-[\w-]+', "", page)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def register(client, **changes):
    return post_form(client, "/auth/register", {**NEW, **changes})


def registered_link(client, app, **changes) -> str:
    take_mails(app)
    assert register(client, **changes).status_code == 200
    (message,) = take_mails(app)
    return confirmation_link(message)


def press_confirm(client, link: str, password: str = CHOSEN):
    """The form on the confirmation page, for a link whose page may not open (a CSRF token
    from any form of the site)."""
    token = csrf_from(text(client.get("/auth/login")))
    data = {"csrf_token": token, "password": password, "password_again": password}
    return client.post(link, data=data)


def test_a_new_and_a_taken_address_get_the_same_page_and_status(client, app, users):
    fresh = register(client)
    taken = register(app.test_client(), email="PAT@example.org", username="someone_new")
    assert fresh.status_code == taken.status_code == 200
    assert without_tokens(text(fresh)) == without_tokens(text(taken))
    assert SENT in text(fresh)
    assert sorted(fresh.headers.keys()) == sorted(taken.headers.keys())
    assert count(User) == len(users)


def test_a_new_and_a_taken_address_do_the_same_work_before_they_part(
    client, app, users, monkeypatch
):
    calls = []
    for name in ("purge_expired", "forget_pending", "token_digest"):
        real = getattr(registration, name)
        monkeypatch.setattr(
            registration, name, lambda *a, _n=name, _r=real: calls.append(_n) or _r(*a)
        )
    register(client)
    fresh, calls[:] = list(calls), []
    register(client, email="pat@example.org", username="someone_new")
    assert sorted(fresh) == sorted(calls) == ["forget_pending", "purge_expired", "token_digest"]


def test_a_new_address_gets_a_link_and_only_a_hash_of_its_token_is_stored(client, app):
    assert register(client).status_code == 200
    (message,) = take_mails(app)
    body = message.get_content()
    assert message["To"] == "new.member@example.org"
    assert message["Subject"] == "Finish creating your account"
    assert "within 24 hours" in body
    for word in (*HEALTH_WORDS, "community", NEW["username"]):
        assert word not in (message["Subject"] + body).lower(), word
    token = confirmation_link(message).split("token=", 1)[1]
    pending = db.session.scalars(select(PendingRegistration)).one()
    assert pending.email == "new.member@example.org"
    assert pending.username == "new_member"
    assert len(pending.token_hash) == 64 and token not in pending.token_hash
    assert pending.consented_at <= utcnow()
    lifetime = pending.expires_at - pending.created_at
    assert timedelta(hours=23) < lifetime <= timedelta(hours=24)
    assert count(User) == 0


def test_a_taken_address_is_told_how_to_sign_in_and_nothing_changes(client, app, users):
    before = db.session.get(User, users["patient"].id).password_hash
    assert register(client, email="PAT@Example.org", username="someone_new").status_code == 200
    (message,) = take_mails(app)
    body = message.get_content()
    assert message["To"] == "pat@example.org"
    assert message["Subject"] == "Someone tried to register with your email address"
    assert "already belongs to an account" in body
    assert "http://localhost/auth/login" in body
    assert "http://localhost/auth/reset" in body
    assert "/auth/register/confirm" not in body
    for word in HEALTH_WORDS:
        assert word not in (message["Subject"] + body).lower(), word
    assert count(PendingRegistration) == 0
    assert count(User) == len(users)
    db.session.expire_all()
    assert db.session.get(User, users["patient"].id).password_hash == before


def test_opening_the_link_changes_nothing_and_its_form_creates_the_account(client, app):
    link = registered_link(client, app)
    consented_at = db.session.scalars(select(PendingRegistration)).one().consented_at
    page = client.get(link)
    assert page.status_code == 200
    assert "@new_member" in text(page) and "Create my account" in text(page)
    assert 'name="password" required type="password"' in text(page)
    assert 'name="password_again" required type="password"' in text(page)
    assert text(page).count('autocomplete="new-password"') == 2
    assert count(User) == 0 and count(PendingRegistration) == 1

    with client.session_transaction() as session:
        session["planted"] = "before the account existed"
    response = choose_password(client, link, CHOSEN)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.username, user.role) == (
        "new.member@example.org",
        "new_member",
        "patient",
    )
    assert user.consented_at == consented_at
    assert user.password_hash.startswith("$argon2id$") and CHOSEN not in user.password_hash
    assert count(PendingRegistration) == 0
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:1"
    home = text(client.get("/"))
    assert "Welcome, @new_member" in home and "Sign out" in home

    client.post("/auth/logout", data={"csrf_token": csrf_from(home)})
    assert sign_in(client, NEW["email"], CHOSEN).status_code == 302


def test_registering_someone_elses_address_gives_the_registrant_no_password(client, app):
    """Account pre-hijacking: someone registers the victim's address. They cannot choose the
    password, and a password they send anyway is dropped; the account gets only the password
    the owner of the address chooses on the link's page."""
    attackers = "i chose this one myself 42"
    form = text(client.get("/auth/register"))
    assert 'type="password"' not in form and 'name="password"' not in form
    take_mails(app)
    assert register(client, password=attackers, password_again=attackers).status_code == 200
    assert "password_hash" not in PendingRegistration.__table__.columns
    pending = db.session.scalars(select(PendingRegistration)).one()
    for column in PendingRegistration.__table__.columns:
        assert attackers not in str(getattr(pending, column.key)), column.key
    assert db.session.scalars(select(User)).all() == []

    (message,) = take_mails(app)
    owner = app.test_client()
    assert choose_password(owner, confirmation_link(message), CHOSEN).status_code == 302
    user = db.session.scalars(select(User)).one()
    assert verify_password(user.password_hash, CHOSEN)
    assert not verify_password(user.password_hash, attackers)
    refused = post_form(client, "/auth/login", {"email": NEW["email"], "password": attackers})
    assert refused.status_code == 400 and "Sign out" not in text(client.get("/"))
    sign_out_page = text(owner.get("/"))
    owner.post("/auth/logout", data={"csrf_token": csrf_from(sign_out_page)})
    assert sign_in(owner, NEW["email"], CHOSEN).status_code == 302


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("password1234", None, "That is one of the most common passwords"),
        ("new_member2025", None, "Please choose a stronger password"),
        ("short", None, "Use 12 to 128 characters."),
        ("", "", "Choose a password."),
        (CHOSEN, "", "Repeat the password."),
        (CHOSEN, CHOSEN + " ", "The two passwords do not match."),
    ],
)
def test_a_refused_password_is_explained_and_the_link_keeps_working(
    client, app, password, again, message
):
    link = registered_link(client, app)
    response = choose_password(client, link, password, again)
    assert response.status_code == 400
    page = text(response)
    assert message in page and "@new_member" in page and "Create my account" in page
    assert 'aria-invalid="true"' in page and 'role="alert"' in page
    assert f'value="{password}"' not in page or password == ""  # never sent back
    assert count(User) == 0 and count(PendingRegistration) == 1
    assert "Sign out" not in text(client.get("/"))
    assert client.get(link).status_code == 200
    assert choose_password(client, link, CHOSEN).status_code == 302
    assert count(User) == 1 and count(PendingRegistration) == 0


def test_a_link_works_once(client, app):
    link = registered_link(client, app)
    assert choose_password(client, link, CHOSEN).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_from(text(client.get("/")))})
    again = client.get(link)
    assert again.status_code == 400
    assert EXPIRED in text(again) and 'href="/auth/register"' in text(again)
    replay = press_confirm(client, link)
    assert replay.status_code == 400 and EXPIRED in text(replay)
    assert count(User) == 1
    assert "Sign out" not in text(client.get("/"))


def test_an_expired_link_does_not_work_and_expired_registrations_are_purged(client, app):
    link = registered_link(client, app)
    pending = db.session.scalars(select(PendingRegistration)).one()
    pending.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for response in (client.get(link), press_confirm(client, link)):
        assert response.status_code == 400
        assert EXPIRED in text(response) and 'href="/auth/register"' in text(response)
    assert count(User) == 0

    register(client, email="someone.else@example.org", username="someone_else")
    emails = db.session.scalars(select(PendingRegistration.email)).all()
    assert emails == ["someone.else@example.org"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda link: link[:-1] + ("A" if link[-1] != "A" else "B"),
        lambda link: link + "x",
        lambda link: link.split("?")[0] + "?token=",
        lambda link: link.split("?")[0],
        lambda link: link.split("?")[0] + "?token=" + "%00" * 40,
        lambda link: link.split("?")[0] + "?token=" + "x" * 5000,
    ],
)
def test_a_tampered_link_does_not_work(client, app, tamper):
    bad = tamper(registered_link(client, app))
    for response in (client.get(bad), press_confirm(client, bad)):
        assert response.status_code == 400 and EXPIRED in text(response)
    assert count(User) == 0 and count(PendingRegistration) == 1


def test_a_handle_taken_before_confirming_asks_for_another(client, app):
    link = registered_link(client, app)
    make_user("new_member")  # someone else, with another address, takes the handle
    page = client.get(link)
    assert page.status_code == 200
    assert "is taken" in text(page) and 'name="username"' in text(page)
    response = press_confirm(client, link)
    assert response.status_code == 400 and "That handle is taken" in text(response)
    assert db.session.scalars(select(User.email)).all() == ["new_member@example.org"]
    assert count(PendingRegistration) == 1  # the link still works
    assert "Sign out" not in text(client.get("/"))


def test_an_address_taken_before_confirming_creates_nothing(client, app):
    link = registered_link(client, app)
    create_account(email=NEW["email"], username="made_by_admin", password=PASSWORD, consented=True)
    db.session.commit()
    assert client.get(link).status_code == 409
    response = press_confirm(client, link)
    assert response.status_code == 409
    assert "An account with this email address was created" in text(response)
    assert 'href="/auth/reset"' in text(response)
    assert db.session.scalars(select(User.username)).all() == ["made_by_admin"]
    assert count(PendingRegistration) == 0


def test_registering_again_replaces_the_earlier_registration(client, app):
    first = registered_link(client, app)
    second = registered_link(client, app, username="second_choice")
    pending = db.session.scalars(select(PendingRegistration)).one()
    assert pending.username == "second_choice"
    assert client.get(first).status_code == 400
    assert choose_password(client, second, "another fine phrase 9").status_code == 302
    user = db.session.scalars(select(User)).one()
    assert user.username == "second_choice"
    client.post("/auth/logout", data={"csrf_token": csrf_from(text(client.get("/")))})
    assert sign_in(client, NEW["email"], "another fine phrase 9").status_code == 302


def test_a_double_submit_at_the_same_moment_keeps_one_registration(client, app):
    """Two requests for one address at once: one registration kept, no error, one account."""
    browsers = [FlaskClient(app, app.response_class) for _ in range(2)]
    start = threading.Barrier(2, timeout=30)
    answers: list = [None, None]

    def submit(n: int) -> None:
        token = csrf_from(text(browsers[n].get("/auth/register")))
        start.wait()
        answers[n] = browsers[n].post("/auth/register", data={**NEW, "csrf_token": token})

    threads = [
        threading.Thread(target=contextvars.Context().run, args=(submit, n)) for n in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [answer.status_code for answer in answers] == [200, 200]
    db.session.commit()
    assert count(PendingRegistration) == 1
    links = [confirmation_link(message) for message in take_mails(app)]
    assert len(links) in (1, 2)
    statuses = sorted(press_confirm(app.test_client(), link).status_code for link in links)
    assert statuses in ([302], [302, 400])
    assert count(User) == 1


def test_a_registration_committed_meanwhile_is_replaced_not_a_500(client, app, monkeypatch):
    """What the unique address constraint does when another request's registration of the
    same address became visible only after this one looked for it."""
    registered_link(client, app)
    forget = registration.forget_pending
    calls = []

    def other_registration_not_visible_yet(email: str) -> None:
        calls.append(email)
        if len(calls) > 1:
            forget(email)

    monkeypatch.setattr(registration, "forget_pending", other_registration_not_visible_yet)
    link = registered_link(client, app, username="second_choice")
    assert calls == ["new.member@example.org"] * 2
    assert db.session.scalars(select(PendingRegistration.username)).all() == ["second_choice"]
    assert choose_password(client, link, CHOSEN).status_code == 302


def test_no_page_of_the_registration_shows_the_address(client, app):
    pages = [register(client), client.get(link := registered_link(client, app))]
    pages.append(choose_password(client, link, "password1234"))  # refused, shown again
    assert choose_password(client, link, CHOSEN).status_code == 302
    pages.append(client.get("/"))
    pages.append(client.get(link))
    for page in pages:
        assert "new.member" not in text(page).lower()
        assert "example.org" not in text(page).lower()


def test_confirming_needs_the_csrf_token(client, app):
    link = registered_link(client, app)
    response = client.post(link, data={"password": CHOSEN, "password_again": CHOSEN})
    assert response.status_code == 400 and "security token" in text(response)
    assert count(User) == 0 and count(PendingRegistration) == 1


def test_a_taken_handle_is_reported_the_same_whether_or_not_the_address_is_taken(
    client, app, users
):
    make_post(users["patient"])  # a public page says the handle is taken anyway
    answers = [
        register(app.test_client(), email=address, username="PAT")
        for address in ("nobody@example.org", "other@example.org")
    ]
    assert [answer.status_code for answer in answers] == [400, 400]
    pages = [without_tokens(text(answer)) for answer in answers]
    assert "That handle is taken" in pages[0]
    assert pages[0].replace("nobody@", "other@") == pages[1]
    assert count(PendingRegistration) == 0 and take_mails(app) == []


def test_one_address_gets_at_most_three_messages_an_hour(limited_app):
    client = limited_app.test_client()

    def attempt(n: int, **changes):
        token = csrf_from(text(client.get("/auth/register")))
        return client.post(
            "/auth/register",
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
            data={**NEW, **changes, "csrf_token": token},
        )

    assert attempt(1, consent="").status_code == 400  # refused: no message
    assert [attempt(n).status_code for n in range(2, 6)] == [200, 200, 200, 429]
    assert len(take_mails(limited_app)) == 3
    assert attempt(6, email="other@example.org").status_code == 200
