"""Smaller leaks, tried the way someone probing the site would.

- Is this handle a (silent) member? The registration form must not say.
- A reset link found later in a mailbox must not work once the password was changed.
- Does this address have an account? Timing must not say, with a slow SMTP server either.
- Can a member's clicking flood the site or empty the anonymous page cache?
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Post, User
from app.search import close_backend
from tests.conftest import RequestIsolatedClient, make_user, test_config
from tests.helpers import (
    PASSWORD,
    confirmation_link,
    csrf_from,
    make_post,
    make_tag,
    post_form,
    sign_in,
    sign_out,
    take_mails,
)
from tests.servers import free_port

NEW_PASSWORD = "violet kettle harbour lantern"
OTHER_PASSWORD = "copper meadow whistle tundra"
TAKEN = "That handle is taken"


def text(response) -> str:
    return response.get_data(as_text=True)


def without_tokens(page: str) -> str:
    return re.sub(r'value="[^"]*"|nonce-[\w-]+', "", page)


def register(client, email: str, username: str):
    return post_form(
        client, "/auth/register", {"email": email, "username": username, "consent": "y"}
    )


@pytest.mark.parametrize("handle", ["head-moderator", "the-admin", "m0d3rator", "verified_nurse"])
def test_a_new_handle_cannot_pose_as_a_role(client, app, handle):
    response = register(client, "poser@example.org", handle)
    assert response.status_code == 400
    assert "could be taken for a badge or a role" in text(response)
    assert take_mails(app) == []


# --- Handles of silent members ------------------------------------------------------------------


def test_a_silent_members_handle_answers_like_a_free_one(client, app):
    make_user("quiet_one")  # a member with no public page: their handle is not public
    free = register(app.test_client(), "first@example.org", "free_handle")
    held = register(app.test_client(), "second@example.org", "quiet_one")
    assert free.status_code == held.status_code == 200
    assert without_tokens(text(free)) == without_tokens(text(held))
    assert TAKEN not in text(held)
    assert sorted(m["To"] for m in take_mails(app)) == ["first@example.org", "second@example.org"]


def test_the_link_then_explains_the_clash_and_lets_them_choose_another(client, app):
    quiet = make_user("quiet_one")
    take_mails(app)
    assert register(client, "second@example.org", "quiet_one").status_code == 200
    (message,) = take_mails(app)
    link = confirmation_link(message)

    page = client.get(link)
    assert page.status_code == 200
    assert "@quiet_one is taken" in re.sub(r"<[^>]+>", "", text(page))
    assert 'name="username"' in text(page)

    keep_handle = post_form(client, link, {"password": PASSWORD, "password_again": PASSWORD})
    assert keep_handle.status_code == 400 and TAKEN in text(keep_handle)
    assert db.session.scalars(select(User.username)).all() == ["quiet_one"]

    data = {"username": "Quiet_Two", "password": PASSWORD, "password_again": PASSWORD}
    created = post_form(client, link, data)
    assert created.status_code == 302, text(created)
    user = db.session.scalar(select(User).where(User.email == "second@example.org"))
    assert user.username == "quiet_two"
    db.session.expire_all()
    assert db.session.get(User, quiet.id).email == "quiet_one@example.org"
    assert client.get(link).status_code == 400  # used up


def test_a_handle_with_a_public_page_may_still_be_reported_taken(client, app):
    loud = make_user("loud_one")
    make_post(loud, title="My first year on azathioprine")
    response = register(client, "third@example.org", "loud_one")
    assert response.status_code == 400 and TAKEN in text(response)
    assert take_mails(app) == []


# --- Reset links after a password change --------------------------------------------------------

RESET_LINK = re.compile(r"https?://[^/\s]+(/auth/reset/new\?token=[\w-]+)")


def ask_for_reset(client, app, address="pat@example.org") -> str:
    take_mails(app)
    assert post_form(client, "/auth/reset", {"email": address}).status_code == 200
    (message,) = take_mails(app)
    return RESET_LINK.search(message.get_content()).group(1)


def test_using_one_reset_link_voids_the_others(client, app, users):
    first = ask_for_reset(client, app)
    second = ask_for_reset(client, app)
    assert post_form(client, first, {"password": NEW_PASSWORD}).status_code == 302
    assert client.get(second).status_code == 400
    token = csrf_from(text(client.get("/auth/login")))
    late = client.post(second, data={"csrf_token": token, "password": OTHER_PASSWORD})
    assert late.status_code == 400
    sign_in(client, "pat@example.org", NEW_PASSWORD)


def test_changing_the_password_voids_outstanding_reset_links(client, app, users):
    link = ask_for_reset(app.test_client(), app)  # say, an attacker read it in the mailbox
    sign_in(client, "pat@example.org")
    changed = post_form(
        client,
        "/auth/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert changed.status_code == 302, text(changed)
    attacker = app.test_client()
    assert attacker.get(link).status_code == 400
    token = csrf_from(text(attacker.get("/auth/login")))
    attempt = attacker.post(link, data={"csrf_token": token, "password": OTHER_PASSWORD})
    assert attempt.status_code == 400
    sign_out(client)
    sign_in(client, "pat@example.org", NEW_PASSWORD)


# --- Mail timing with a slow SMTP server --------------------------------------------------------

SMTP_DELAY = 0.3


class SlowSMTPHandler:
    """An SMTP server that takes SMTP_DELAY to accept each message, as a remote relay may."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(SMTP_DELAY)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 15.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.envelopes


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = SlowSMTPHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def smtp_app(tmp_path, port: int):
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": False}
    app = create_app(test_config(tmp_path, MAIL_BACKEND="smtp", **settings))
    app.test_client_class = RequestIsolatedClient
    return app


@pytest.fixture
def smtp_site(tmp_path, smtp_server):
    handler, port = smtp_server
    app = smtp_app(tmp_path, port)
    with app.app_context():
        db.create_all()
        make_user("known")
        yield app, handler
        db.session.remove()
        close_backend(app)
        db.engine.dispose()


def timed_submissions(client, path: str, forms: list[dict]) -> list[float]:
    """Submit each form (CSRF token fetched beforehand) and time only the POST."""
    durations = []
    for data in forms:
        token = csrf_from(text(client.get(path)))
        started = time.perf_counter()
        response = client.post(path, data={**data, "csrf_token": token})
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200, text(response)
    return durations


def compare_known_and_unknown(client, path: str, known: list[dict], unknown: list[dict]):
    known_times, unknown_times = [], []
    for known_form, unknown_form in zip(known, unknown, strict=True):  # interleaved: no drift
        known_times += timed_submissions(client, path, [known_form])
        unknown_times += timed_submissions(client, path, [unknown_form])
    return statistics.median(known_times), statistics.median(unknown_times)


ROUNDS = 6


def test_registering_a_known_address_is_not_slower_with_slow_smtp(smtp_site):
    app, handler = smtp_site
    client = app.test_client()
    known = [
        {"email": "known@example.org", "username": f"k{n}xx", "consent": "y"} for n in range(ROUNDS)
    ]
    unknown = [
        {"email": f"new{n}@example.org", "username": f"n{n}xx", "consent": "y"}
        for n in range(ROUNDS)
    ]
    known_median, unknown_median = compare_known_and_unknown(
        client, "/auth/register", known, unknown
    )
    # Sending in the request would put a whole SMTP_DELAY (and more) on one side only.
    assert abs(known_median - unknown_median) < SMTP_DELAY / 3, (known_median, unknown_median)
    delivered = handler.wait_for(2 * ROUNDS)
    assert len(delivered) == 2 * ROUNDS
    recipients = sorted(rcpt for envelope in delivered for rcpt in envelope.rcpt_tos)
    assert recipients.count("known@example.org") == ROUNDS
    assert all(b"http://localhost/auth/" in envelope.content for envelope in delivered)


def test_asking_for_a_reset_of_a_known_address_is_not_slower_with_slow_smtp(smtp_site):
    app, handler = smtp_site
    client = app.test_client()
    known = [{"email": "known@example.org"}] * ROUNDS
    unknown = [{"email": f"nobody{n}@example.org"} for n in range(ROUNDS)]
    known_median, unknown_median = compare_known_and_unknown(client, "/auth/reset", known, unknown)
    assert abs(known_median - unknown_median) < SMTP_DELAY / 3, (known_median, unknown_median)
    delivered = handler.wait_for(ROUNDS)
    assert len(delivered) == ROUNDS
    assert {rcpt for envelope in delivered for rcpt in envelope.rcpt_tos} == {"known@example.org"}
    assert all(b"http://localhost/auth/reset/new?token=" in e.content for e in delivered)


def test_an_smtp_server_that_is_down_changes_no_answer(tmp_path, caplog):
    app = smtp_app(tmp_path, free_port())  # nothing listens there
    with app.app_context():
        db.create_all()
        make_user("known")
        client = app.test_client()
        pages = {}
        for name, path, data in [
            ("register known", "/auth/register", {"email": "known@example.org"}),
            ("register new", "/auth/register", {"email": "new@example.org"}),
            ("reset known", "/auth/reset", {"email": "known@example.org"}),
            ("reset unknown", "/auth/reset", {"email": "nobody@example.org"}),
        ]:
            response = post_form(client, path, {**data, "username": "fresh_one", "consent": "y"})
            assert response.status_code == 200, (name, text(response))
            pages[name] = without_tokens(text(response))
        assert pages["register known"] == pages["register new"]
        assert pages["reset known"] == pages["reset unknown"]
        from app.mail import outbox

        assert outbox.wait_until_sent(timeout=30)
        failures = [r for r in caplog.records if "could not be sent" in r.getMessage()]
        assert len(failures) == 3
        assert not any("known@example.org" in r.getMessage() for r in failures)
        db.session.remove()
        close_backend(app)
        db.engine.dispose()


# --- Helpful, follow and bookmark: rate limits and the page cache ---------------------------------


def press(client, url: str):
    token = csrf_from(text(client.get("/me/saved")))
    return client.post(url, data={"csrf_token": token})


@pytest.mark.parametrize("action", ["helpful", "bookmark", "follow tag", "follow author"])
def test_clicking_engagement_buttons_in_a_loop_hits_a_clear_limit(limited_app, action):
    author = make_user("writer")
    tag = make_tag("azathioprine")
    post = make_post(author, title="Something worth marking", tags=[tag])
    make_user("clicker")
    url = {
        "helpful": f"/posts/{post.id}/helpful",
        "bookmark": f"/posts/{post.id}/bookmark",
        "follow tag": f"/tags/{tag.slug}/follow",
        "follow author": "/authors/writer/follow",
    }[action]
    client = limited_app.test_client()
    sign_in(client, "clicker@example.org")
    statuses = [press(client, url).status_code for _ in range(30)]
    assert set(statuses) == {302}
    blocked = press(client, url)
    assert blocked.status_code == 429
    assert "too quickly" in text(blocked) and int(blocked.headers["Retry-After"]) > 0
    # per member: another member is not held back by the first one's clicking
    other = limited_app.test_client()
    make_user("bystander")
    sign_in(other, "bystander@example.org")
    assert press(other, url).status_code == 302


@pytest.fixture
def cached_world(client, users):
    tag = make_tag("azathioprine")
    other_tag = make_tag("diet")
    liked = make_post(users["provider"], title="An article to mark helpful", tags=[tag])
    other = make_post(users["other_patient"], title="Another post entirely", tags=[other_tag])
    pages = ["/", "/tags/", "/tags/diet", other.path, "/authors/other", "/feeds/latest.atom"]
    for page in pages:
        client.get(page)
    assert all(client.get(page).headers.get("X-Page-Cache") == "hit" for page in pages)
    return {"tag": tag, "liked": liked, "other": other, "pages": pages}


def as_member_click(app, url: str) -> None:
    member = app.test_client()
    sign_in(member, "pat@example.org")
    token = csrf_from(text(member.get("/me/saved")))
    assert member.post(url, data={"csrf_token": token}).status_code == 302


@pytest.mark.parametrize(
    "click",
    [
        lambda world: f"/posts/{world['liked'].id}/helpful",
        lambda world: f"/posts/{world['liked'].id}/bookmark",
        lambda world: "/tags/azathioprine/follow",
        lambda world: "/authors/prov/follow",
    ],
    ids=["helpful", "bookmark", "follow tag", "follow author"],
)
def test_engagement_clicks_keep_other_cached_pages(client, app, cached_world, click):
    as_member_click(app, click(cached_world))
    for page in cached_world["pages"]:
        assert client.get(page).headers.get("X-Page-Cache") == "hit", page


def test_the_marked_post_and_its_author_page_are_fresh_at_once(client, app, cached_world):
    liked = cached_world["liked"]
    client.get(liked.path)
    client.get("/authors/prov")
    as_member_click(app, f"/posts/{liked.id}/helpful")
    as_member_click(app, "/authors/prov/follow")
    page = client.get(liked.path)
    assert page.headers["X-Page-Cache"] == "miss"
    assert "1 member found this helpful" in text(page)
    assert "1 follower" in text(client.get("/authors/prov"))


def test_the_most_helpful_order_reaches_anonymous_readers_within_the_lag(
    client, app, cached_world, monkeypatch
):
    from app import cache

    listing = "/tags/azathioprine?sort=helpful"
    client.get(listing)
    as_member_click(app, f"/posts/{cached_world['liked'].id}/helpful")
    assert client.get(listing).headers["X-Page-Cache"] == "hit"  # within the lag
    later = cache.now() + cache.ENGAGEMENT_LAG_SECONDS + 1
    monkeypatch.setattr(cache, "now", lambda: later)
    assert client.get(listing).headers["X-Page-Cache"] == "miss"


def test_a_removal_still_invalidates_every_cached_page(client, app, cached_world):
    db.session.get(Post, cached_world["liked"].id).status = "removed"
    db.session.commit()
    for page in cached_world["pages"]:
        assert client.get(page).headers.get("X-Page-Cache") == "miss", page
