from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Comment, Flag, ModerationEvent, Notification, Post, SearchOutbox, User
from tests.conftest import make_user
from tests.helpers import csrf_from, make_post


def text(response) -> str:
    return response.get_data(as_text=True)


def token(client, url="/") -> str:
    return csrf_from(text(client.get(url)))


def act(client, post, action, reason=""):
    return client.post(
        f"/moderation/posts/{post.id}/{action}",
        data={"csrf_token": token(client), "reason": reason},
    )


def fresh(post) -> Post:
    return db.session.get(Post, post.id)


def test_the_queue_shows_pending_posts_with_history_and_findings(client, signed_in, users):
    post = make_post(
        users["patient"],
        title="Call me maybe",
        status="pending",
        body="Ring me on +44 20 7946 0958 to talk about AIH.",
    )
    post.findings = '[{"kind": "phone", "text": "+44 20 7946 0958", "label": "Phone number"}]'
    make_post(users["patient"], title="Earlier approved post")
    db.session.commit()
    signed_in("moderator")
    page = text(client.get("/moderation/"))
    assert "Call me maybe" in page
    assert "Phone number: <code>+44 20 7946 0958</code>" in page
    assert "1 published, 0 rejected, 0 removed" in page
    assert "Earlier approved post" not in page


def test_approving_publishes_indexes_logs_and_tells_the_author(client, signed_in, users):
    post = make_post(users["patient"], status="pending")
    signed_in("moderator")
    response = act(client, post, "approve")
    assert response.status_code == 302
    assert fresh(post).status == "published" and fresh(post).published_at is not None
    event = db.session.scalars(select(ModerationEvent)).one()
    assert (event.actor_id, event.action, event.from_state, event.to_state) == (
        users["moderator"].id,
        "approve",
        "pending",
        "published",
    )
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
    found = client.get("/api/v1/search?q=azathioprine").get_json()
    assert [hit["id"] for hit in found["results"]] == [post.id]
    assert db.session.get(User, users["patient"].id).approved_post_count == 1
    assert "approved" in db.session.scalars(select(Notification.message)).one()


def test_three_approvals_make_a_member_trusted(client, signed_in, users):
    signed_in("moderator")
    for number in range(3):
        act(
            client, make_post(users["patient"], title=f"Post {number}", status="pending"), "approve"
        )
    assert db.session.get(User, users["patient"].id).approved_post_count == 3
    from app.moderation.service import is_trusted

    assert is_trusted(db.session.get(User, users["patient"].id))


def test_rejecting_needs_a_reason_and_nothing_changes_without_one(client, signed_in, users):
    post = make_post(users["patient"], status="pending")
    signed_in("moderator")
    response = act(client, post, "reject")
    assert response.status_code == 400
    assert "Please give a reason" in text(response)
    assert fresh(post).status == "pending"
    assert db.session.scalar(select(func.count(ModerationEvent.id))) == 0


def test_request_changes_sends_the_post_back_as_a_draft_with_the_reason(client, signed_in, users):
    post = make_post(users["patient"], status="pending")
    signed_in("moderator")
    act(client, post, "request_changes", "Please remove the hospital name.")
    assert (fresh(post).status, fresh(post).status_reason) == (
        "draft",
        "Please remove the hospital name.",
    )


def test_acting_on_a_post_that_changed_meanwhile_is_a_clear_409(client, signed_in, users):
    post = make_post(users["patient"], status="pending")
    signed_in("moderator")
    assert act(client, post, "approve").status_code == 302
    again = act(client, post, "reject", "too late")
    assert again.status_code == 409
    assert "cannot be reject" in text(again) or "changed" in text(again)
    assert fresh(post).status == "published"


def test_unknown_actions_and_posts_are_404(client, signed_in, users):
    post = make_post(users["patient"], status="pending")
    signed_in("moderator")
    assert act(client, post, "obliterate").status_code == 404
    assert (
        client.post(
            "/moderation/posts/9999/approve", data={"csrf_token": token(client)}
        ).status_code
        == 404
    )


def flag(client, post, reason="misinformation", note=""):
    return client.post(
        f"/posts/{post.id}/flag",
        data={"csrf_token": token(client, post.path), "reason": reason, "note": note},
    )


def test_a_member_flags_once_and_three_members_hide_the_post(app, client, signed_in, users):
    post = make_post(users["patient"])
    flaggers = [make_user(f"flagger{n}") for n in range(3)]
    for member in flaggers:  # in good standing: each has a contribution published
        make_post(member, title=f"Published by {member.username}")
    from tests.helpers import sign_in, sign_out

    for number, member in enumerate(flaggers):
        sign_out(client)
        sign_in(client, member.email)
        assert flag(client, post, note=f"note {number}").status_code == 302
        if number == 0:
            twice = flag(client, post)
            assert twice.status_code == 409 and "already flagged" in text(twice)
        expected = "hidden" if number == 2 else "published"
        assert fresh(post).status == expected
    assert db.session.scalar(select(func.count(Flag.id))) == 3
    hide = db.session.scalars(select(ModerationEvent)).one()
    assert (hide.actor_id, hide.action) == (None, "hide")
    sign_out(client)
    assert client.get(post.path).status_code == 404


def test_flag_input_is_checked(client, signed_in, users):
    post = make_post(users["provider"])
    signed_in("patient")
    assert flag(client, post, reason="boring").status_code == 400
    assert flag(client, post, note="x" * 1001).status_code == 400
    own = make_post(users["patient"])
    assert flag(client, own).status_code == 400
    assert (
        client.post(
            "/posts/9999/flag", data={"csrf_token": token(client), "reason": "spam"}
        ).status_code
        == 404
    )
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_urgent_flags_go_to_the_top_of_the_queue(client, signed_in, users):
    older = make_post(users["patient"], title="Older pending post", status="pending")
    flagged = make_post(users["patient"], title="Dangerous dosing advice")
    db.session.add(
        Flag(
            reporter_id=users["other_patient"].id,
            post_id=flagged.id,
            reason="unsafe_medical_advice",
            note="says to double doses",
        )
    )
    db.session.commit()
    signed_in("moderator")
    page = text(client.get("/moderation/"))
    assert page.index("Dangerous dosing advice") < page.index(older.title)
    assert "says to double doses" in page and "urgent flag" in page


def test_restoring_dismisses_flags_and_removing_upholds_them(client, signed_in, users):
    kept = make_post(users["patient"], title="Kept", status="hidden")
    gone = make_post(users["patient"], title="Gone", status="hidden")
    for post in (kept, gone):
        db.session.add(Flag(reporter_id=users["other_patient"].id, post_id=post.id, reason="spam"))
    db.session.commit()
    signed_in("moderator")
    act(client, kept, "restore")
    act(client, gone, "remove", "Advertising")
    states = dict(db.session.execute(select(Flag.post_id, Flag.state)).all())
    assert states == {kept.id: "dismissed", gone.id: "upheld"}
    assert fresh(kept).status == "published" and fresh(gone).status == "removed"


def test_keeping_a_flagged_post_dismisses_its_flags_and_logs_it(client, signed_in, users):
    post = make_post(users["patient"], title="Flagged but fine")
    db.session.add(Flag(reporter_id=users["other_patient"].id, post_id=post.id, reason="spam"))
    db.session.commit()
    url = f"/moderation/posts/{post.id}/dismiss-flags"
    signed_in("other_patient")
    assert client.post(url, data={"csrf_token": token(client)}).status_code == 403
    signed_in("moderator")
    queue = text(client.get("/moderation/"))
    assert "Flagged but fine" in queue and "Keep it, dismiss the flags" in queue
    assert client.post(url, data={"csrf_token": token(client)}).status_code == 302
    assert db.session.scalars(select(Flag.state)).all() == ["dismissed"]
    assert fresh(post).status == "published"
    event = db.session.scalars(select(ModerationEvent)).one()
    assert (event.actor_id, event.action) == (users["moderator"].id, "dismiss_flags")
    assert "Flagged but fine" not in text(client.get("/moderation/"))
    again = client.post(url, data={"csrf_token": token(client)})
    assert again.status_code == 409 and "no open flags" in text(again)


def test_comments_are_moderated_too(client, signed_in, users):
    post = make_post(users["provider"])
    comment = Comment(
        post_id=post.id,
        author_id=users["patient"].id,
        body_source="Hi there",
        body_html="<p>Hi there</p>",
        markup_version=1,
        status="pending",
    )
    db.session.add(comment)
    db.session.commit()
    signed_in("moderator")
    assert "Reply on" in text(client.get("/moderation/"))
    client.post(f"/moderation/comments/{comment.id}/approve", data={"csrf_token": token(client)})
    assert db.session.get(Comment, comment.id).status == "published"
    from tests.helpers import sign_out

    sign_out(client)
    assert "Hi there" in text(client.get(post.path))


def test_the_log_filters_by_moderator_member_and_action(client, signed_in, users):
    signed_in("moderator")
    act(client, make_post(users["patient"], title="P1", status="pending"), "approve")
    act(
        client,
        make_post(users["other_patient"], title="P2", status="pending"),
        "reject",
        "Off topic",
    )
    all_rows = text(client.get("/moderation/log"))
    assert all_rows.count("<td>approve</td>") == 1 and all_rows.count("<td>reject</td>") == 1
    by_member = text(client.get("/moderation/log?member=other"))
    assert "Off topic" in by_member and "<td>approve</td>" not in by_member
    by_action = text(client.get("/moderation/log?action=approve"))
    assert "<td>reject</td>" not in by_action
    by_moderator = text(client.get("/moderation/log?moderator=pat"))
    assert "<td>approve</td>" not in by_moderator


def test_moderators_suspend_and_lift_with_a_reason(client, signed_in, users):
    signed_in("moderator")
    page = client.get("/moderation/users/pat")
    bad = client.post(
        "/moderation/users/pat",
        data={"csrf_token": csrf_from(text(page)), "days": "-3", "reason": ""},
    )
    assert bad.status_code == 400 and "Suspend for 1 to 3650 days." in text(bad)
    assert not db.session.get(User, users["patient"].id).is_suspended()
    response = client.post(
        "/moderation/users/pat",
        data={"csrf_token": csrf_from(text(page)), "days": "7", "reason": "Unsafe dosing advice"},
    )
    assert response.status_code == 302
    member = db.session.get(User, users["patient"].id)
    assert member.is_suspended() and member.suspension_reason == "Unsafe dosing advice"
    client.post("/moderation/users/pat/unsuspend", data={"csrf_token": token(client)})
    assert not db.session.get(User, users["patient"].id).is_suspended()
    actions = db.session.scalars(select(ModerationEvent.action).order_by(ModerationEvent.id)).all()
    assert actions == ["suspend", "unsuspend"]


def test_provider_verification_from_application_to_badge(client, signed_in, users):
    signed_in("patient")
    page = client.get("/me/provider")
    client.post(
        "/me/provider",
        data={
            "csrf_token": csrf_from(text(page)),
            "credentials": "RN",
            "specialty": "Hepatology nursing",
            "license_number": "RN-12345",
        },
    )
    assert db.session.get(User, users["patient"].id).verification_state == "pending"
    signed_in("moderator")
    queue = text(client.get("/moderation/"))
    assert "RN-12345" in queue
    client.post("/moderation/providers/pat/verify", data={"csrf_token": token(client)})
    member = db.session.get(User, users["patient"].id)
    assert (member.role, member.verification_state, member.verified_by_id) == (
        "provider",
        "verified",
        users["moderator"].id,
    )
    make_post(member)
    profile = text(client.get("/authors/pat"))
    assert "Verified provider" in profile and "RN-12345" not in profile


def test_declining_a_provider_needs_a_reason_the_applicant_sees(client, signed_in, users):
    users["patient"].verification_state = "pending"
    db.session.commit()
    signed_in("moderator")
    assert (
        client.post(
            "/moderation/providers/pat/decline", data={"csrf_token": token(client)}
        ).status_code
        == 400
    )
    client.post(
        "/moderation/providers/pat/decline",
        data={"csrf_token": token(client), "reason": "Could not confirm licence"},
    )
    assert db.session.get(User, users["patient"].id).verification_state == "unverified"
    assert "Could not confirm licence" in db.session.scalars(select(Notification.message)).one()


def count_queries(app, url, client):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_the_queue_page_does_not_query_per_item(app, client, signed_in, users):
    signed_in("moderator")
    authors = [make_user(f"writer{n}") for n in range(4)]

    def add_pending(number):
        for n in range(number):
            post = make_post(authors[n % 4], title=f"Pending {n} {number}", status="pending")
            db.session.add(
                Flag(reporter_id=users["other_patient"].id, post_id=post.id, reason="spam")
            ) if n % 3 == 0 else None
        db.session.commit()

    add_pending(3)
    few = count_queries(app, "/moderation/", client)
    add_pending(40)
    many = count_queries(app, "/moderation/", client)
    assert few == many
