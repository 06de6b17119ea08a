import email
import email.policy
import re
from datetime import timedelta

from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.models import PasswordResetToken, User
from tests.helpers import PASSWORD, csrf_from, post_form, sign_in

NEW_PASSWORD = "violet kettle harbour lantern"


def mails(app) -> list[str]:
    from pathlib import Path

    folder = Path(app.config["MAIL_FOLDER"])
    if not folder.exists():
        return []
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]
    return [f"To: {m['To']}\nFrom: {m['From']}\n{m.get_content()}" for m in messages]


def reset_link(app) -> str:
    body = mails(app)[-1]
    return re.search(r"http://localhost(/auth/reset/new\?token=\S+)", body).group(1)


def test_reset_answers_the_same_whether_or_not_the_account_exists(client, app, users):
    known = post_form(client, "/auth/reset", {"email": "pat@example.org"})
    unknown = post_form(client, "/auth/reset", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda page: re.sub(r'value="[^"]*"|nonce-[\w-]+', "", page)  # noqa: E731
    assert strip(known.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))
    assert len(mails(app)) == 1


def test_the_reset_mail_has_no_health_data_and_the_token_is_stored_hashed(client, app, users):
    post_form(client, "/auth/reset", {"email": "pat@example.org"})
    body = mails(app)[0]
    token = reset_link(app).rsplit("=", 1)[1]
    assert "To: pat@example.org" in body
    for word in ("azathioprine", "hepatitis", "Imuran", "AIH", "condition"):
        assert word.lower() not in body.lower()
    stored = db.session.scalars(select(PasswordResetToken.token_hash)).one()
    assert token not in stored and len(stored) == 64


def test_a_reset_link_works_once_and_ends_other_sessions(client, app, users):
    other_device = app.test_client()
    sign_in(other_device, "pat@example.org")
    post_form(client, "/auth/reset", {"email": "pat@example.org"})
    link = reset_link(app)
    response = post_form(client, link, {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert other_device.get("/me/posts").status_code == 302
    assert client.get(link).status_code == 400
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    replay = client.post(link, data={"csrf_token": token, "password": "another fine passphrase"})
    assert replay.status_code == 400
    sign_in(client, "pat@example.org", NEW_PASSWORD)


def test_expired_links_do_not_work(client, app, users):
    post_form(client, "/auth/reset", {"email": "pat@example.org"})
    link = reset_link(app)
    record = db.session.scalars(select(PasswordResetToken)).one()
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_a_weak_new_password_is_refused_and_the_link_stays_usable(client, app, users):
    post_form(client, "/auth/reset", {"email": "pat@example.org"})
    link = reset_link(app)
    weak = post_form(client, link, {"password": "password1234"})
    assert weak.status_code == 400 and "most common passwords" in weak.get_data(as_text=True)
    assert post_form(client, link, {"password": NEW_PASSWORD}).status_code == 302


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(client, app, users):
    other_device = app.test_client()
    sign_in(other_device, "pat@example.org")
    sign_in(client, "pat@example.org")
    wrong = post_form(
        client,
        "/auth/password",
        {"current_password": "not my password at all", "password": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert "That is not your current password." in wrong.get_data(as_text=True)
    response = post_form(
        client, "/auth/password", {"current_password": PASSWORD, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/me/posts").status_code == 200
    assert other_device.get("/me/posts").status_code == 302
    user = db.session.get(User, users["patient"].id)
    assert user.session_version == 2


def test_a_remembered_but_not_fresh_session_must_sign_in_again(client, app, users):
    sign_in(client, "pat@example.org")
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = client.get("/auth/password")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login_page = client.get(response.headers["Location"])
    assert login_page.status_code == 200
    assert "Please sign in again to confirm it is you." in login_page.get_data(as_text=True)
    token = csrf_from(login_page.get_data(as_text=True))
    again = client.post(
        response.headers["Location"],
        data={
            "csrf_token": token,
            "email": "pat@example.org",
            "password": PASSWORD,
            "next": "/auth/password",
        },
    )
    assert again.headers["Location"] == "/auth/password"
    assert client.get("/auth/password").status_code == 200


def test_anonymous_visitors_cannot_change_passwords(client, app):
    response = client.get("/auth/password")
    assert response.status_code == 302


def test_reset_form_validates_input(client, app):
    response = post_form(client, "/auth/reset", {"email": ""})
    assert response.status_code == 400 and "Enter your email address." in response.get_data(
        as_text=True
    )
    assert client.post("/auth/reset", data={"email": "x@example.org"}).status_code == 400


def test_sign_in_page_links_to_reset(client, app):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/reset"' in page
    assert csrf_from(page)


def test_the_access_log_format_leaves_query_strings_out():
    import runpy
    from pathlib import Path

    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    log_format = settings["access_log_format"]
    assert "%(U)s" in log_format
    for leaking in ("%(r)s", "%(q)s", "%(f)s", "%(a)s"):
        assert leaking not in log_format
