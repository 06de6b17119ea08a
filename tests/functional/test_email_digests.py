"""Email settings, digests, reply emails and one-click unsubscribe, end to end through HTTP,
the `flask digests send` command, the file backend and a misbehaving local SMTP server."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from app import create_app
from app.config import ConfigError
from app.db import utcnow
from app.extensions import db
from app.mail import DirectSender
from app.mailings import digests
from app.mailings.digests import Item, Reading, sections_for, window_for
from app.mailings.unsubscribe import make_token, unsubscribe_for
from app.models import Comment, DigestDelivery, EmailSettings, Follow
from app.moderation import service as moderation
from app.posts.services import create_published_post
from tests.conftest import app_with, make_user, test_config
from tests.helpers import (
    PASSWORD,
    add_comment,
    csrf_from,
    make_tag,
    post_form,
    sign_in,
    take_mails,
)
from tests.smtp_server import SmtpTestServer

SITE = "https://localhost"  # the test client's host, under https as in production
AS_OF = date(2026, 11, 18)  # a Wednesday: the weekly window is Mon 9 to Mon 16 November
WEEKLY = window_for("weekly", AS_OF)
DAILY = window_for("daily", AS_OF)  # 17 November
SENSITIVE_TAG = "Autoimmune hepatitis"
SENSITIVE_TITLE = "My azathioprine dose and AIH relapse"


@pytest.fixture
def app(tmp_path):
    yield from app_with(tmp_path, SITE_URL=SITE)


@pytest.fixture
def client(app):
    return app.test_client()


def smtp_app(tmp_path, server: SmtpTestServer):
    return app_with(
        tmp_path,
        SITE_URL=SITE,
        MAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        SMTP_STARTTLS="off",
        SMTP_TIMEOUT_SECONDS=1,
    )


def choose(user, digest="weekly", replies=False):
    db.session.add(EmailSettings(user_id=user.id, digest=digest, reply_emails=replies))
    db.session.commit()


def follow(user, *, tag=None, author=None):
    db.session.add(
        Follow(
            follower_id=user.id,
            tag_id=tag.id if tag else None,
            author_id=author.id if author else None,
        )
    )
    db.session.commit()


def publish(author, title, tags=(), at=None, status="published"):
    post = create_published_post(
        author=author,
        kind="experience",
        title=title,
        body="Some text about my treatment, long enough.",
        tags=list(tags),
        published_at=at or WEEKLY.start + timedelta(days=2),
    )
    db.session.commit()
    if status != "published":
        post.status = status
        db.session.commit()
    return post


def send(app, period="weekly", as_of=AS_OF):
    return app.test_cli_runner().invoke(
        args=["digests", "send", "--period", period, "--as-of", as_of.isoformat()]
    )


def deliveries() -> list[tuple[int, str]]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(DigestDelivery.user_id, DigestDelivery.state).order_by(DigestDelivery.user_id)
        )
    )


def unsubscribe_path(message) -> str:
    match = re.match(
        r"<(https://localhost(/email/unsubscribe/[\w.\-]+))>", message["List-Unsubscribe"]
    )
    assert match, message["List-Unsubscribe"]
    return match.group(2)


# Settings ------------------------------------------------------------------------------------


def test_settings_are_off_by_default_and_saved_through_the_form(app, client):
    member = make_user("reader")
    sign_in(client, member.email)
    page = client.get("/me/email")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'value="off"[^>]*checked|checked[^>]*value="off"', html)
    assert page.headers["Cache-Control"] == "no-store"
    assert db.session.get(EmailSettings, member.id) is None

    answer = post_form(client, "/me/email", {"digest": "daily", "reply_emails": "on"})
    assert answer.status_code == 302
    db.session.expire_all()
    saved = db.session.get(EmailSettings, member.id)
    assert (saved.digest, saved.reply_emails) == ("daily", True)
    assert re.search(
        r'checked[^>]*value="daily"|value="daily"[^>]*checked',
        client.get("/me/email").get_data(as_text=True),
    )


def test_settings_refuse_missing_csrf_bad_values_and_strangers(app, client):
    member = make_user("reader")
    anonymous = client.post("/me/email", data={"digest": "daily", "reply_emails": "on"})
    assert anonymous.status_code == 400  # no CSRF token without a session
    assert client.get("/me/email").status_code == 302  # to sign in
    sign_in(client, member.email)
    no_token = client.post("/me/email", data={"digest": "daily", "reply_emails": "on"})
    assert no_token.status_code == 400
    for bad in (
        {"digest": "hourly", "reply_emails": "on"},
        {"digest": "daily", "reply_emails": "x" * 5000},
        {},
    ):
        refused = post_form(client, "/me/email", bad)
        assert refused.status_code == 400, bad
        assert "Email settings" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(EmailSettings, member.id) is None


# Digests -------------------------------------------------------------------------------------


@pytest.fixture
def community(app):
    """A reader with a weekly digest following a sensitive tag and an author, and posts in
    and around the window."""
    reader = make_user("reader")
    writer = make_user("writer")
    followed = make_user("followed")
    tag = make_tag("aih", "condition", SENSITIVE_TAG)
    other_tag = make_tag("gardening")
    choose(reader, "weekly")
    follow(reader, tag=tag)
    follow(reader, author=followed)
    posts = {
        "in_tag": publish(writer, SENSITIVE_TITLE, [tag]),
        "by_followed": publish(followed, "Hats and sun cream", [other_tag]),
        "own": publish(reader, "My own post in the tag", [tag]),
        "pending": publish(writer, "Waiting for review", [tag], status="pending"),
        "hidden": publish(writer, "Hidden by moderators", [tag], status="hidden"),
        "before": publish(
            writer, "From the week before", [tag], at=WEEKLY.start - timedelta(hours=1)
        ),
        "after": publish(writer, "From this week", [tag], at=WEEKLY.end + timedelta(hours=1)),
        "unfollowed": publish(writer, "Gardening alone", [other_tag]),
        "yesterday": publish(
            writer, "Yesterday in the tag", [tag], at=DAILY.start + timedelta(hours=3)
        ),
    }
    return {"reader": reader, "writer": writer, "tag": tag, "posts": posts}


def test_weekly_digest_lists_public_followed_posts_with_generic_subject_and_headers(app, community):
    result = send(app)
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    (message,) = take_mails(app)
    assert message["To"] == community["reader"].email
    body = message.get_content()
    posts = community["posts"]
    for key in ("in_tag", "by_followed"):
        assert f"{SITE}/posts/{posts[key].id}\n" in body, key
    for key in ("own", "pending", "hidden", "before", "after", "unfollowed", "yesterday"):
        assert f"/posts/{posts[key].id}\n" not in body, key
        assert posts[key].title not in body, key
    assert SENSITIVE_TITLE in body and SENSITIVE_TAG in body  # below the generic opening
    subject = message["Subject"]
    first_lines = "\n".join(body.splitlines()[:3]).lower()
    for word in (SENSITIVE_TAG, SENSITIVE_TITLE, "azathioprine", "aih", "hepatitis", "imuran"):
        assert word.lower() not in subject.lower()
        assert word.lower() not in first_lines
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_path(message).startswith("/email/unsubscribe/")
    assert community["reader"].email not in message["List-Unsubscribe"]
    assert deliveries() == [(community["reader"].id, "sent")]


def test_a_second_run_sends_nothing_new(app, community):
    assert send(app).exit_code == 0
    assert len(take_mails(app)) == 1
    again = send(app)
    assert again.exit_code == 0, again.output
    assert "0 sent" in again.output and "1 already done" in again.output
    assert take_mails(app) == []


def test_daily_digest_covers_yesterday_only_and_only_daily_readers(app, community):
    daily = make_user("daily")
    choose(daily, "daily")
    follow(daily, tag=community["tag"])
    result = send(app, "daily")
    assert result.exit_code == 0, result.output
    (message,) = take_mails(app)  # the weekly reader gets nothing from the daily run
    assert message["To"] == daily.email
    body = message.get_content()
    assert f"/posts/{community['posts']['yesterday'].id}\n" in body
    assert f"/posts/{community['posts']['in_tag'].id}\n" not in body
    assert "past day" in body.splitlines()[0]


def test_no_digest_for_members_who_chose_none_or_have_nothing_new(app, community):
    off = make_user("quiet")
    follow(off, tag=community["tag"])  # follows, but no digest chosen
    idle = make_user("idle")
    choose(idle, "weekly")  # a digest, but follows nothing
    result = send(app)
    assert result.exit_code == 0
    assert [m["To"] for m in take_mails(app)] == [community["reader"].email]


def readers(count: int, tag) -> list:
    people = []
    for number in range(count):
        person = make_user(f"reader{number}")
        choose(person, "weekly")
        follow(person, tag=tag)
        people.append(person)
    return people


@pytest.fixture
def smtp_server():
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def smtp_world(tmp_path, smtp_server):
    for app in smtp_app(tmp_path, smtp_server):
        writer = make_user("writer")
        tag = make_tag("aih", "condition", SENSITIVE_TAG)
        publish(writer, SENSITIVE_TITLE, [tag])
        yield app, smtp_server, readers(5, tag)


def assert_each_once(server, people, expect_missing=()):
    counts = Counter(server.recipients())
    assert all(n == 1 for n in counts.values()), counts
    assert set(counts) == {p.email for p in people} - {p.email for p in expect_missing}


def test_smtp_digests_carry_the_headers(smtp_world):
    app, server, people = smtp_world
    result = send(app)
    assert result.exit_code == 0, result.output
    assert_each_once(server, people)
    message = server.received[0].message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == "Your weekly round-up of new posts"
    assert send(app).exit_code == 0 and len(server.received) == 5


@pytest.mark.parametrize("failure", ["refuse", "drop"])
def test_smtp_refusing_or_dropping_halfway_leaves_the_rest_for_the_next_run(smtp_world, failure):
    app, server, people = smtp_world
    server.behave(accept=2, then=failure)
    first = send(app)
    assert first.exit_code == 1
    assert "Stopped" in first.output and "2 not tried" in first.output
    assert "run again with --as-of 2026-11-16 to retry" in first.output  # the window's end
    assert_each_once(server, people[:2])
    states = dict(deliveries())
    assert states == {people[0].id: "sent", people[1].id: "sent", people[2].id: "failed"}

    server.behave(accept=None)
    second = send(app, as_of=date(2026, 11, 16))  # as the message says
    assert second.exit_code == 0, second.output
    assert "3 sent" in second.output and "2 already done" in second.output
    assert_each_once(server, people)
    assert set(dict(deliveries()).values()) == {"sent"}


def test_smtp_dropping_after_the_text_is_uncertain_and_never_resent(smtp_world):
    app, server, people = smtp_world
    server.behave(accept=2, then="drop_in_data")
    first = send(app)
    assert first.exit_code == 1
    assert "1 uncertain" in first.output
    server.behave(accept=None)
    second = send(app)
    assert second.exit_code == 0, second.output
    assert "2 sent" in second.output
    assert_each_once(server, people, expect_missing=[people[2]])
    assert dict(deliveries())[people[2].id] == "uncertain"


def test_a_stalled_server_times_out_and_nothing_is_lost(tmp_path):
    with SmtpTestServer(stall_greeting=True) as stalled:
        for app in smtp_app(tmp_path, stalled):
            writer = make_user("writer")
            tag = make_tag("aih", "condition", SENSITIVE_TAG)
            publish(writer, SENSITIVE_TITLE, [tag])
            people = readers(3, tag)
            first = send(app)
            assert first.exit_code == 1 and "timed out" in first.output
            assert deliveries() == [(people[0].id, "failed")]
            with SmtpTestServer() as working:
                app.config["SMTP_PORT"] = working.port
                assert send(app).exit_code == 0
                assert_each_once(working, people)


def people_with_a_refused_and_a_non_ascii_address(app) -> tuple[list, object, object]:
    writer = make_user("writer")
    tag = make_tag("aih", "condition", SENSITIVE_TAG)
    publish(writer, SENSITIVE_TITLE, [tag])
    people = readers(2, tag)
    accented = make_user("jose", email="josé@bücher.example")
    choose(accented, "weekly")
    follow(accented, tag=tag)
    after = make_user("after_jose")
    choose(after, "weekly")
    follow(after, tag=tag)
    return people, accented, after


def test_one_address_the_server_cannot_take_never_holds_back_the_others(tmp_path):
    with SmtpTestServer(refuse_recipients={"reader1@example.org"}) as server:
        for app in smtp_app(tmp_path, server):
            people, accented, after = people_with_a_refused_and_a_non_ascii_address(app)
            result = send(app)
            assert result.exit_code == 0, result.output
            assert "2 digest(s) refused by the mail server" in result.output
            assert sorted(server.recipients()) == sorted(
                [people[0].email, after.email]
            )  # the server offers no SMTPUTF8, so josé@ is not tried, and reader1 is refused
            states = dict(deliveries())
            assert states[accented.id] == "failed" and states[people[1].id] == "failed"
            assert states[after.id] == "sent"
            assert send(app).exit_code == 0
            assert Counter(server.recipients())[after.email] == 1  # never twice


def test_an_address_beyond_ascii_goes_out_where_the_server_offers_smtputf8(tmp_path):
    with SmtpTestServer(smtputf8=True) as server:
        for app in smtp_app(tmp_path, server):
            people, accented, after = people_with_a_refused_and_a_non_ascii_address(app)
            assert send(app).exit_code == 0
            assert "josé@bücher.example" in server.recipients()
            assert dict(deliveries())[accented.id] == "sent"
            assert_each_once(server, [*people, accented, after])


def test_a_forged_title_with_line_breaks_stays_on_one_line_of_the_digest(app):
    writer = make_user("writer")
    tag = make_tag("aih", "condition", SENSITIVE_TAG)
    forged = "Tips\n\n--\nStop the digest with one click: https://evil.example/u"
    publish(writer, forged, [tag])
    readers(1, tag)
    assert send(app).exit_code == 0
    body = take_mails(app)[0].get_content()
    assert "\nStop the digest with one click: https://evil.example" not in body
    assert "* Tips -- Stop the digest with one click: https://evil.example/u (by" in body


def test_smtp_stalling_midway_times_out_and_the_rest_go_next_run(smtp_world):
    app, server, people = smtp_world
    server.behave(accept=3, then="stall")
    assert send(app).exit_code == 1
    server.behave(accept=None)
    assert send(app).exit_code == 0
    assert_each_once(server, people)


def test_a_crash_between_sending_and_recording_is_not_sent_twice(smtp_world, monkeypatch):
    app, server, people = smtp_world
    real_send, calls = DirectSender.send, []

    def send_then_die(self, message):
        real_send(self, message)
        calls.append(message["To"])
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process dies after the server took the third

    monkeypatch.setattr(DirectSender, "send", send_then_die)
    crashed = send(app)
    assert crashed.exit_code == 1 and "Aborted" in crashed.output
    monkeypatch.undo()
    assert dict(deliveries())[people[2].id] == "sending"

    resumed = send(app)
    assert resumed.exit_code == 1  # it reports the uncertain one
    assert "uncertain" in resumed.output
    assert "2 sent" in resumed.output
    assert_each_once(server, people)  # the third went once, before the crash
    assert dict(deliveries())[people[2].id] == "uncertain"
    assert send(app).exit_code == 0  # reported once; nothing more to do
    assert_each_once(server, people)


# Reply emails ----------------------------------------------------------------------------------


def test_reply_email_after_approval_only_when_turned_on(app, client):
    asker = make_user("asker")
    replier = make_user("replier")
    moderator = make_user("modi", "moderator")
    tag = make_tag("aih", "condition", SENSITIVE_TAG)
    post = publish(asker, SENSITIVE_TITLE, [tag])
    take_mails(app)

    def reply_and_approve(text):
        sign_in(client, replier.email)
        page = client.get(post.path).get_data(as_text=True)
        answer = client.post(
            f"/posts/{post.id}/comments", data={"body": text, "csrf_token": csrf_from(page)}
        )
        assert answer.status_code == 302
        comment_id = int(answer.headers["Location"].rsplit("-", 1)[1])
        client.post(
            "/auth/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))}
        )
        sign_in(client, moderator.email)
        token = csrf_from(client.get("/moderation/").get_data(as_text=True))
        done = client.post(f"/moderation/comments/{comment_id}/approve", data={"csrf_token": token})
        assert done.status_code in (200, 302)
        client.post(
            "/auth/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))}
        )
        return comment_id

    reply_and_approve("A first reply, while reply emails are off.")
    assert take_mails(app) == []  # off by default

    choose(asker, "weekly", replies=True)
    comment_id = reply_and_approve("A second reply, now that reply emails are on.")
    (message,) = take_mails(app)
    assert message["To"] == asker.email
    assert message["Subject"] == "Someone replied to your post"
    body = message.get_content()
    assert f"{SITE}/posts/{post.id}#comment-{comment_id}" in body
    assert SENSITIVE_TITLE not in body and SENSITIVE_TAG not in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # the one-click link stops reply emails only
    assert app.test_client().post(unsubscribe_path(message)).status_code == 200
    db.session.expire_all()
    assert db.session.get(EmailSettings, asker.id).reply_emails is False
    assert db.session.get(EmailSettings, asker.id).digest == "weekly"
    reply_and_approve("A third reply, after unsubscribing.")
    assert take_mails(app) == []


# Unsubscribe -----------------------------------------------------------------------------------


def test_one_click_unsubscribe_without_a_session(app, community):
    reader = community["reader"]
    db.session.get(EmailSettings, reader.id).reply_emails = True
    db.session.commit()
    send(app)
    (message,) = take_mails(app)
    path = unsubscribe_path(message)
    stranger = app.test_client()

    shown = stranger.get(path)
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "Unsubscribe" in html and "<form" in html
    assert reader.email not in html and reader.username not in html
    assert shown.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in shown.headers
    assert "X-Page-Cache" not in stranger.get(path).headers
    db.session.expire_all()
    assert db.session.get(EmailSettings, reader.id).digest == "weekly"  # GET changed nothing

    for _ in range(2):  # no CSRF token, no cookie, and twice: the same answer
        done = stranger.post(path, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200
        assert reader.email not in done.get_data(as_text=True)
        assert done.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    assert db.session.get(EmailSettings, reader.id).digest == "off"
    assert db.session.get(EmailSettings, reader.id).reply_emails is True  # only the digest

    publish(community["writer"], "Another one", [community["tag"]])
    assert send(app, as_of=AS_OF + timedelta(days=7)).exit_code == 0
    assert take_mails(app) == []


def test_forged_or_tampered_tokens_are_refused_and_change_nothing(app, community):
    reader = community["reader"]
    genuine = make_token(reader.id, "digest")
    with_other_key = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="other").dumps(
        {"u": reader.id, "l": "digest"}
    )
    other_secret = URLSafeSerializer("x" * 64, salt="email-unsubscribe").dumps(
        {"u": reader.id, "l": "digest"}
    )
    other_list = URLSafeSerializer(app.config["SECRET_KEY"], salt="email-unsubscribe").dumps(
        {"u": reader.id, "l": "everything"}
    )
    nobody = make_token(999_999, "digest")
    stranger = app.test_client()
    for token in (with_other_key, other_salt, other_secret, other_list, nobody, "x", "a" * 2000):
        assert stranger.get(f"/email/unsubscribe/{token}").status_code == 404, token
        assert stranger.post(f"/email/unsubscribe/{token}").status_code == 404, token
    db.session.expire_all()
    assert db.session.get(EmailSettings, reader.id).digest == "weekly"


# Data rights -----------------------------------------------------------------------------------


def test_export_includes_and_erasure_removes_email_settings_and_deliveries(app, client, community):
    reader = community["reader"]
    send(app)
    take_mails(app)
    sign_in(client, reader.email)
    data = client.get("/me/export").get_json()
    assert data["email_settings"] == {"digest": "weekly", "reply_emails": False}
    assert [d["state"] for d in data["digests_sent"]] == ["sent"]
    answer = post_form(client, "/me/delete", {"writing": "erase", "password": PASSWORD})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(EmailSettings, reader.id) is None
    assert deliveries() == []


def test_windows_are_whole_utc_days_and_monday_weeks():
    assert window_for("daily", date(2026, 11, 18)).start == datetime(2026, 11, 17, tzinfo=UTC)
    weekly = window_for("weekly", date(2026, 11, 16))
    assert (weekly.start, weekly.end) == (
        datetime(2026, 11, 9, tzinfo=UTC),
        datetime(2026, 11, 16, tzinfo=UTC),
    )
    assert window_for("weekly", date(2026, 11, 22)) == weekly
    assert utcnow().tzinfo is not None


def test_the_mailto_is_offered_only_when_a_mailbox_reads_it(tmp_path):

    for app in app_with(tmp_path, SITE_URL=SITE, MAIL_UNSUBSCRIBE_ADDRESS="leave@example.org"):
        reader = make_user("reader")
        with app.test_request_context():
            header = unsubscribe_for(reader.id, "digest").headers["List-Unsubscribe"]
        assert header.startswith("<https://localhost/email/unsubscribe/")
        assert ", <mailto:leave@example.org?subject=unsubscribe%20" in header
    for bad in ("not an address", "a@b.org?cc=x@y.org"):
        with pytest.raises(ConfigError, match="MAIL_UNSUBSCRIBE_ADDRESS"):
            create_app(test_config(tmp_path / "bad", MAIL_UNSUBSCRIBE_ADDRESS=bad))
    with pytest.raises(ConfigError, match="SMTP_TIMEOUT_SECONDS"):
        create_app(test_config(tmp_path / "bad", SMTP_TIMEOUT_SECONDS="soon"))


def test_robots_keep_crawlers_off_unsubscribe_links(app, client):
    assert "Disallow: /email/" in client.get("/robots.txt").get_data(as_text=True)


def test_no_reply_email_for_a_restored_reply_or_a_reply_to_ones_own_post(app):
    """The author hears of a reply once, when it is first published (at once, for a trusted
    member, or approved); not when a hidden reply is restored, nor of their own reply."""
    asker = make_user("asker")
    replier = make_user("replier")
    moderator = make_user("modi", "moderator")
    post = publish(asker, SENSITIVE_TITLE)
    choose(asker, "off", replies=True)
    take_mails(app)

    own = add_comment(post, asker, "My own follow-up.", "pending")
    db.session.flush()
    moderation.apply(own, "approve", moderator)
    db.session.commit()
    assert take_mails(app) == []

    reply = add_comment(post, replier, "A reply published at once.", "draft")
    db.session.flush()
    moderation.apply(reply, "publish", replier)
    db.session.commit()
    (message,) = take_mails(app)
    assert message["To"] == asker.email

    moderation.apply(reply, "hide", moderator, reason="checking")
    moderation.apply(reply, "restore", moderator)
    db.session.commit()
    assert db.session.get(Comment, reply.id).status == "published"
    assert take_mails(app) == []


def test_a_digest_lists_each_post_once_and_at_most_max_posts(monkeypatch):
    when = datetime(2026, 11, 30, tzinfo=UTC)
    items = {n: Item(n, f"Post {n}", 100 + n % 3, when + timedelta(hours=n)) for n in range(1, 9)}
    reading = Reading(
        posts=items,
        by_tag={1: [1, 2, 3], 2: [3, 4]},
        by_author={101: [1, 4, 7], 102: [2, 5, 8]},
        tag_names={1: "Azathioprine", 2: "Blood tests"},
        lines={},
    )
    sections = sections_for(999, [2, 1], [101, 102], reading)
    listed = [(heading, [item.post_id for item in found]) for heading, found in sections]
    assert listed == [
        ("Azathioprine", [3, 2, 1]),
        ("Blood tests", [4]),  # 3 is listed once, under the first tag
        ("From people you follow", [8, 7, 5]),  # 1, 2 and 4 were listed above
    ]
    assert [i.post_id for _, found in sections_for(101, [1], [101], reading) for i in found] == [
        3,
        2,
    ]  # never the member's own posts (1 is by 101)
    monkeypatch.setattr(digests, "MAX_POSTS", 4)
    capped = sections_for(999, [2, 1], [101, 102], reading)
    assert [i.post_id for _, found in capped for i in found] == [3, 2, 1, 4]
