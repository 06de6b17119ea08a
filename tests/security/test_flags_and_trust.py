"""Sock-puppet flags and farmed trust: what an abuser with a few throwaway accounts tries.

Only members in good standing (a contribution published now) or moderators hide things by
flagging; verified providers' and moderators' writing is never hidden automatically; dismissed
flags never count again and cost their reporter weight; trust is the number of distinct posts
and replies published now, so re-approving one edited post cannot farm it.
"""

from __future__ import annotations

import contextvars
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Comment, Flag, Post, User
from app.moderation import service
from tests.conftest import make_user, postgres_server, test_config
from tests.helpers import csrf_from, make_post, make_tag, post_form, sign_in, sign_out
from tests.migrating import upgrade


def text(response) -> str:
    return response.get_data(as_text=True)


def as_member(client, member: User) -> None:
    sign_out(client)
    sign_in(client, member.email)


def flag(client, item: Post, reason: str = "misinformation"):
    page = text(client.get(item.path))
    return client.post(
        f"/posts/{item.id}/flag", data={"csrf_token": csrf_from(page), "reason": reason}
    )


def moderate(client, item: Post, action: str, reason: str = ""):
    token = csrf_from(text(client.get("/moderation/")))
    return client.post(
        f"/moderation/posts/{item.id}/{action}", data={"csrf_token": token, "reason": reason}
    )


def status_of(item) -> str:
    return db.session.scalar(select(type(item).status).where(type(item).id == item.id))


def throwaway(name: str) -> User:
    """A fresh account with nothing published: what an abuser registers by the handful."""
    return make_user(name)


def in_good_standing(name: str) -> User:
    """A member with one post that a moderator approved and that is still published."""
    member = make_user(name)
    make_post(member, title=f"My first months on azathioprine, by {name}")
    return member


def threshold(app) -> int:
    return app.config["FLAG_HIDE_THRESHOLD"]


def test_throwaway_accounts_cannot_hide_a_post(app, client, users):
    target = make_post(users["patient"], title="My AIH diagnosis story")
    puppets = [throwaway(f"puppet{n}") for n in range(threshold(app) + 2)]
    for puppet in puppets:
        as_member(client, puppet)
        assert flag(client, target).status_code == 302
    assert status_of(target) == "published"
    sign_out(client)
    assert client.get(target.path).status_code == 200
    as_member(client, users["moderator"])
    queue = text(client.get("/moderation/"))
    assert "My AIH diagnosis story" in queue
    assert f"Open flags ({len(puppets)})" in queue
    assert "no published contribution" in queue


def test_members_in_good_standing_hide_a_post(app, client, users):
    target = make_post(users["patient"], title="Stop your tablets, they are poison")
    members = [in_good_standing(f"regular{n}") for n in range(threshold(app) - 1)]
    replier = make_user("replier")  # good standing from a published reply, not a post
    db.session.add(
        Comment(
            post_id=make_post(users["other_patient"], title="Other thread").id,
            author_id=replier.id,
            body_source="Same here.",
            body_html="<p>Same here.</p>",
            markup_version=1,
            status="published",
        )
    )
    db.session.commit()
    for number, member in enumerate([*members, replier], start=1):
        as_member(client, member)
        assert flag(client, target).status_code == 302
        assert status_of(target) == ("hidden" if number == threshold(app) else "published")
    sign_out(client)
    assert client.get(target.path).status_code == 404


def test_providers_articles_and_moderators_posts_are_never_hidden_and_come_first(
    app, client, users
):
    waiting = make_post(users["patient"], title="An older pending question", status="pending")
    flagged_once = make_post(users["patient"], title="A post flagged once")
    article = make_post(users["provider"], title="Thiopurine monitoring", kind="article")
    announcement = make_post(users["moderator"], title="Community guidelines")
    admins = make_post(users["admin"], title="Site maintenance notice")
    members = [in_good_standing(f"crowd{n}") for n in range(threshold(app) + 1)]
    for member in members:
        as_member(client, member)
        for item in (article, announcement, admins):
            assert flag(client, item).status_code == 302
    as_member(client, members[0])
    flag(client, flagged_once)
    for item in (article, announcement, admins):
        assert status_of(item) == "published"
    as_member(client, users["moderator"])
    queue = text(client.get("/moderation/"))
    protected = max(queue.index(t) for t in (article.title, announcement.title, admins.title))
    assert protected < queue.index(flagged_once.title) < queue.index(waiting.title)


def test_a_restored_post_cannot_be_hidden_again_by_the_same_members(app, client, users):
    target = make_post(users["patient"], title="Restored after review")
    newcomer = throwaway("newcomer")
    regulars = [in_good_standing(f"regular{n}") for n in range(threshold(app))]
    for member in [newcomer, *regulars]:
        as_member(client, member)
        assert flag(client, target).status_code == 302
    assert status_of(target) == "hidden"
    as_member(client, users["moderator"])
    assert moderate(client, target, "restore").status_code == 302
    states = db.session.scalars(select(Flag.state).where(Flag.post_id == target.id)).all()
    assert states and set(states) == {"dismissed"}
    for member in [newcomer, *regulars]:
        as_member(client, member)
        again = flag(client, target)
        assert again.status_code == 409 and "already flagged" in text(again)
    for number in range(threshold(app) - 1):  # fresh members, fewer than the threshold
        as_member(client, in_good_standing(f"fresh{number}"))
        assert flag(client, target).status_code == 302
    assert status_of(target) == "published"


def test_a_member_whose_flags_keep_being_dismissed_no_longer_hides_things(app, client, users):
    serial = in_good_standing("serialflagger")
    for number in range(4):
        victim = make_post(users["other_patient"], title=f"Harmless post {number}")
        as_member(client, serial)
        assert flag(client, victim).status_code == 302
        as_member(client, users["moderator"])
        assert moderate(client, victim, "hide", "Taking a look").status_code == 302
        assert moderate(client, victim, "restore").status_code == 302
    target = make_post(users["patient"], title="Fine post under attack")
    honest = [in_good_standing(f"honest{n}") for n in range(threshold(app) - 1)]
    for member in [*honest, serial]:
        as_member(client, member)
        assert flag(client, target).status_code == 302
    assert status_of(target) == "published"
    as_member(client, users["moderator"])
    queue = text(client.get("/moderation/"))
    assert "@serialflagger" in queue and "4 dismissed" in queue


def flag_from(client, item, address: str, comment: bool = False):
    token = csrf_from(text(client.get("/", environ_base={"REMOTE_ADDR": address})))
    url = f"/posts/comments/{item.id}/flag" if comment else f"/posts/{item.id}/flag"
    return client.post(
        url, data={"csrf_token": token, "reason": "spam"}, environ_base={"REMOTE_ADDR": address}
    ).status_code


def test_flags_are_limited_per_member_across_posts_and_replies(limited_app):
    author = make_user("author")
    targets = [make_post(author, title=f"Target {n}") for n in range(20)]
    reply = Comment(
        post_id=targets[0].id,
        author_id=author.id,
        body_source="A reply.",
        body_html="<p>A reply.</p>",
        markup_version=1,
        status="published",
    )
    db.session.add(reply)
    db.session.commit()
    flagger = make_user("flagger")
    client = limited_app.test_client()
    sign_in(client, flagger.email)
    statuses = [flag_from(client, post, f"10.9.0.{n}") for n, post in enumerate(targets)]
    assert statuses == [302] * 20
    assert flag_from(client, reply, "10.9.1.1", comment=True) == 429


def test_a_second_account_from_the_same_address_hits_the_per_address_limit(limited_app):
    author = make_user("author")
    targets = [make_post(author, title=f"Target {n}") for n in range(40)]
    first, second, elsewhere = make_user("first"), make_user("second"), make_user("elsewhere")
    client = limited_app.test_client()
    sign_in(client, first.email)
    assert [flag_from(client, post, "10.8.0.1") for post in targets[:20]] == [302] * 20
    sign_out(client)
    sign_in(client, second.email)
    statuses = [flag_from(client, post, "10.8.0.1") for post in targets[20:40]]
    assert 429 in statuses
    assert statuses.index(429) < 20
    sign_out(client)
    sign_in(client, elsewhere.email)
    assert flag_from(client, targets[39], "10.8.0.2") == 302


@pytest.fixture
def tags(app):
    made = [make_tag("azathioprine", "medication"), make_tag("missed-doses")]
    db.session.commit()
    return made


POST = {
    "title": "Forgot my Imuran on holiday",
    "kind": "experience",
    "body": "I forgot a dose of azathioprine while travelling and called my nurse.",
    "tags": "azathioprine, missed-doses",
}


def newest_post_of(member: User) -> Post:
    return db.session.scalars(
        select(Post).where(Post.author_id == member.id).order_by(Post.id.desc())
    ).first()


def test_re_approving_one_edited_post_does_not_farm_trust(app, client, users, tags):
    farmer = users["patient"]
    as_member(client, farmer)
    assert post_form(client, "/posts/new", POST).status_code == 302
    post = newest_post_of(farmer)
    for round_number in range(app.config["TRUSTED_PUBLISH_THRESHOLD"] + 1):
        as_member(client, users["moderator"])
        assert moderate(client, post, "approve").status_code == 302
        assert status_of(post) == "published"
        as_member(client, farmer)
        edited = {**POST, "body": POST["body"] + f" Edit number {round_number}."}
        assert post_form(client, f"/posts/{post.id}/edit", edited).status_code == 302
        assert status_of(post) == "pending"
    as_member(client, users["moderator"])
    moderate(client, post, "approve")
    assert db.session.get(User, farmer.id).approved_post_count == 1
    as_member(client, farmer)
    post_form(client, "/posts/new", {**POST, "title": "A brand new post"})
    assert status_of(newest_post_of(farmer)) == "pending"


def test_removing_a_trusted_members_post_lowers_their_standing(app, client, users, tags):
    member = users["patient"]
    needed = app.config["TRUSTED_PUBLISH_THRESHOLD"]
    posts = [make_post(member, title=f"Waiting {n}", status="pending") for n in range(needed)]
    as_member(client, users["moderator"])
    for post in posts:
        assert moderate(client, post, "approve").status_code == 302
    assert db.session.get(User, member.id).approved_post_count == needed
    assert moderate(client, posts[0], "remove", "Advertising").status_code == 302
    assert db.session.get(User, member.id).approved_post_count == needed - 1
    as_member(client, member)
    post_form(client, "/posts/new", POST)
    assert status_of(newest_post_of(member)) == "pending"


def test_withdrawing_a_published_reply_lowers_standing(app, client, users):
    member = users["patient"]
    thread = make_post(users["other_patient"], title="A thread")
    as_member(client, member)
    page = text(client.get(thread.path))
    client.post(
        f"/posts/{thread.id}/comments",
        data={"csrf_token": csrf_from(page), "body": "Same experience here, it got better."},
    )
    reply = db.session.scalars(select(Comment)).one()
    as_member(client, users["moderator"])
    token = csrf_from(text(client.get("/moderation/")))
    client.post(f"/moderation/comments/{reply.id}/approve", data={"csrf_token": token})
    assert db.session.get(User, member.id).approved_post_count == 1
    as_member(client, member)
    page = text(client.get(thread.path))
    client.post(f"/posts/comments/{reply.id}/withdraw", data={"csrf_token": csrf_from(page)})
    assert status_of(reply) == "deleted"
    assert db.session.get(User, member.id).approved_post_count == 0


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_migration_recounts_standing_from_the_data(tmp_path, database):
    if database == "postgres":
        url = postgres_server().create_database(f"standing_{uuid.uuid4().hex[:12]}")
    else:
        url = f"sqlite:///{tmp_path / 'standing.db'}"
    app = create_app(test_config(tmp_path, DATABASE_URL=url))
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as connection:
            insert_members_at_0005(connection)
        upgrade()
        with db.engine.connect() as connection:
            figures = connection.execute(
                sa.text("SELECT username, approved_post_count FROM users ORDER BY username")
            ).all()
        db.engine.dispose()
    # farmer: one post approved 9 times; ann: 2 published posts + 1 published reply,
    # 1 removed post, 1 hidden reply; bo: a pending post only
    assert figures == [("ann", 3), ("bo", 0), ("farmer", 1)]


def insert_members_at_0005(connection) -> None:
    tables = sa.MetaData()
    users, posts, comments = (
        sa.Table(name, tables, autoload_with=connection) for name in ("users", "posts", "comments")
    )
    when = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    connection.execute(
        users.insert(),
        [
            {"id": n, "username": name, "display_name": name, "role": "patient", "bio_source": "",
             "bio_html": "", "created_at": when, "approved_post_count": count,
             "session_version": 1, "verification_state": "unverified"}
            for n, name, count in ((1, "ann", 2), (2, "bo", 5), (3, "farmer", 9))
        ],
    )  # fmt: skip
    connection.execute(
        posts.insert(),
        [
            {"id": n, "kind": "experience", "title": f"Post {n}", "slug": f"post-{n}",
             "summary": "", "body_source": "text", "body_html": "<p>text</p>",
             "markup_version": 1, "status": status, "author_id": author, "findings": "[]",
             "helpful_count": 0, "created_at": when, "updated_at": when}
            for n, author, status in (
                (1, 1, "published"), (2, 1, "published"), (3, 1, "removed"),
                (4, 2, "pending"), (5, 3, "published"),
            )
        ],
    )  # fmt: skip
    connection.execute(
        comments.insert(),
        [
            {"id": n, "post_id": 1, "author_id": author, "body_source": "r",
             "body_html": "<p>r</p>", "markup_version": 1, "status": status, "findings": "[]",
             "created_at": when, "updated_at": when}
            for n, author, status in ((1, 1, "published"), (2, 1, "hidden"))
        ],
    )  # fmt: skip


def someone_waits_for_a_lock(watcher) -> bool:
    with watcher.connect() as connection:
        return bool(connection.scalar(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")))


@pytest.mark.postgres_only
def test_two_replies_approved_at_once_both_count(app, users):
    """Each recount locks the member's row before counting, so the transaction that waited
    counts the other's committed approval instead of writing a figure that misses it."""
    author, moderator_id = users["patient"], users["moderator"].id
    thread = make_post(users["other_patient"], title="A thread")
    replies = [
        Comment(post_id=thread.id, author_id=author.id, body_source=f"Reply {n}",
                body_html=f"<p>Reply {n}</p>", markup_version=1, status="pending")
        for n in range(2)
    ]  # fmt: skip
    db.session.add_all(replies)
    db.session.commit()
    reply_ids = [reply.id for reply in replies]
    watcher = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    holding = threading.Event()

    def approve(reply_id: int, hold: bool) -> None:
        with app.app_context():
            moderator = db.session.get(User, moderator_id)
            service.apply(db.session.get(Comment, reply_id), "approve", moderator)
            if hold:
                holding.set()
                for _ in range(3000):
                    if someone_waits_for_a_lock(watcher):
                        break
                    time.sleep(0.01)
            db.session.commit()

    holder = threading.Thread(target=contextvars.Context().run, args=(approve, reply_ids[0], True))
    holder.start()
    assert holding.wait(timeout=30)
    contextvars.Context().run(approve, reply_ids[1], False)
    holder.join(timeout=60)
    watcher.dispose()
    db.session.rollback()
    assert db.session.get(User, author.id).approved_post_count == 2
