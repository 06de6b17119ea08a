"""Questions get answered: accepting a reply, provider answers, the order and labels on the
page, the tag filter and the providers' list of open questions (issue 21)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app.account.privacy import erase_account
from app.cache import content_version
from app.extensions import db
from app.models import Comment, Follow, Post
from app.moderation import service
from tests.conftest import make_user
from tests.helpers import add_comment, csrf_from, make_post, make_tag, sign_in, sign_out


def token(client) -> str:
    return csrf_from(client.get("/").get_data(as_text=True))


def accept(client, comment_id: int, post_id: int | str, **extra):
    data = {"csrf_token": token(client), "post_id": str(post_id), **extra}
    return client.post(f"/comments/{comment_id}/accept", data=data)


def accepted_id(post_id: int) -> int | None:
    return db.session.scalar(select(Post.accepted_comment_id).where(Post.id == post_id))


def is_answered(post_id: int) -> bool:
    return bool(db.session.scalar(select(Post.is_answered).where(Post.id == post_id)))


@pytest.fixture
def question(app, users):
    """Pat's published question with two published replies by other members."""
    replier = make_user("replier")
    post = make_post(users["patient"], title="Does azathioprine cause nausea?", kind="question")
    first = add_comment(post, replier, "Take it with food, it helped me.", "published")
    second = add_comment(post, users["other_patient"], "Splitting the dose helped me.", "published")
    db.session.commit()
    return {"post": post, "first": first, "second": second, "replier": replier}


def test_the_asker_accepts_a_reply_and_can_change_it(client, users, question):
    post, first, second = question["post"], question["first"], question["second"]
    assert not is_answered(post.id)
    sign_in(client, users["patient"].email)
    answer = accept(client, first.id, post.id)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"{post.path}#comment-{first.id}")
    assert accepted_id(post.id) == first.id and is_answered(post.id)

    answer = accept(client, second.id, post.id)
    assert answer.status_code == 302
    assert accepted_id(post.id) == second.id and is_answered(post.id)


def test_accepting_needs_the_csrf_token(client, users, question):
    sign_in(client, users["patient"].email)
    post, first = question["post"], question["first"]
    answer = client.post(f"/comments/{first.id}/accept", data={"post_id": str(post.id)})
    assert answer.status_code == 400
    assert accepted_id(post.id) is None


def test_anonymous_readers_are_sent_to_sign_in(client, question):
    csrf = csrf_from(client.get("/auth/login").get_data(as_text=True))
    data = {"csrf_token": csrf, "post_id": str(question["post"].id)}
    answer = client.post(f"/comments/{question['first'].id}/accept", data=data)
    assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]
    assert accepted_id(question["post"].id) is None


@pytest.mark.parametrize("who", ["other_patient", "replier", "second_account", "moderator"])
def test_only_the_asker_may_accept(client, users, question, who):
    if who == "replier":
        email = question["replier"].email
    elif who == "second_account":
        email = make_user("pat-again").email
    else:
        email = users[who].email
    sign_in(client, email)
    answer = accept(client, question["first"].id, question["post"].id)
    assert answer.status_code == 403
    assert "Only the member who asked this question" in answer.get_data(as_text=True)
    assert accepted_id(question["post"].id) is None


def test_a_forged_reply_number_is_a_404(client, users, question):
    sign_in(client, users["patient"].email)
    answer = accept(client, 999_999, question["post"].id)
    assert answer.status_code == 404
    assert "There is no reply with that number" in answer.get_data(as_text=True)
    assert accept(client, 2**40, question["post"].id).status_code == 404
    assert accept(client, question["first"].id, 2**40).status_code == 400


def test_a_reply_of_another_post_is_refused(client, users, question):
    elsewhere = make_post(users["other_patient"], title="Another question here", kind="question")
    foreign = add_comment(elsewhere, users["patient"], "A reply on another post.", "published")
    db.session.commit()
    sign_in(client, users["patient"].email)
    answer = accept(client, foreign.id, question["post"].id)
    assert answer.status_code == 400
    assert "belongs to another post" in answer.get_data(as_text=True)
    for bad in ("", "abc", "١٢"):
        assert accept(client, question["first"].id, bad).status_code == 400
    assert accepted_id(question["post"].id) is None and accepted_id(elsewhere.id) is None


@pytest.mark.parametrize("status", ["hidden", "removed", "pending"])
def test_a_reply_readers_cannot_see_cannot_be_accepted(client, users, question, status):
    reply = add_comment(question["post"], question["replier"], f"A {status} reply.", status)
    db.session.commit()
    sign_in(client, users["patient"].email)
    answer = accept(client, reply.id, question["post"].id)
    assert answer.status_code == 400
    assert "Only a published reply can be accepted" in answer.get_data(as_text=True)
    assert accepted_id(question["post"].id) is None


def test_a_withdrawn_reply_is_not_found(client, users, question):
    reply = add_comment(question["post"], question["replier"], "Withdrawn reply.", "deleted")
    db.session.commit()
    sign_in(client, users["patient"].email)
    assert accept(client, reply.id, question["post"].id).status_code == 404


def test_only_questions_have_accepted_answers(client, users):
    story = make_post(users["patient"], title="My first year on azathioprine")
    reply = add_comment(story, users["other_patient"], "Thanks for sharing.", "published")
    db.session.commit()
    sign_in(client, users["patient"].email)
    answer = accept(client, reply.id, story.id)
    assert answer.status_code == 400
    assert "Only a question can have an accepted answer" in answer.get_data(as_text=True)
    assert accepted_id(story.id) is None


def test_a_verified_providers_reply_answers_the_question(users, question):
    post = question["post"]
    claimant = make_user("claimant", "provider", verification_state="pending")
    add_comment(post, claimant, "Not yet verified, but try food.", "published")
    add_comment(post, users["provider"], "A draft answer from a provider.", "pending")
    db.session.commit()
    assert not is_answered(post.id)
    add_comment(
        post, users["provider"], "Nausea is common early on; ask about dosing.", "published"
    )
    db.session.commit()
    assert is_answered(post.id)


def test_a_provider_reply_to_something_else_answers_nothing(users):
    story = make_post(users["patient"], title="My first year on azathioprine")
    add_comment(story, users["provider"], "Thank you for writing this.", "published")
    db.session.commit()
    assert not is_answered(story.id)


@pytest.mark.parametrize("how", ["hide", "withdraw", "erase", "delete_row"])
def test_the_accepted_reply_going_away_unanswers_the_question(client, users, question, how):
    post, first = question["post"], question["first"]
    sign_in(client, users["patient"].email)
    assert accept(client, first.id, post.id).status_code == 302
    assert is_answered(post.id)
    reply = db.session.get(Comment, first.id)
    if how == "hide":
        service.apply(reply, "hide", users["moderator"], "Under review")
    elif how == "withdraw":
        service.apply(reply, "withdraw", question["replier"])
    elif how == "erase":
        erase_account(
            db.session.get(type(users["patient"]), question["replier"].id), keep_posts=False
        )
    else:
        db.session.execute(delete(Comment).where(Comment.id == first.id))
    db.session.commit()
    db.session.expire_all()
    assert not is_answered(post.id)
    page = client.get(post.path).get_data(as_text=True)
    assert "Accepted answer" not in page and "Waiting for an answer" in page
    if how == "delete_row":
        assert accepted_id(post.id) is None  # ON DELETE SET NULL


def test_erasing_a_provider_keeps_no_answer_from_them(users, question):
    post = question["post"]
    provider = make_user("leaving-doc", "provider", verification_state="verified")
    add_comment(post, provider, "Ask your hepatologist about TPMT.", "published")
    db.session.commit()
    assert is_answered(post.id)
    erase_account(provider, keep_posts=True)
    db.session.commit()
    assert not is_answered(post.id)


def test_the_accepted_and_clinician_replies_come_first_with_a_label(client, users, question):
    post, first, second = question["post"], question["first"], question["second"]
    clinician = add_comment(post, users["provider"], "Clinician view on nausea.", "published")
    db.session.commit()
    page = client.get(post.path).get_data(as_text=True)
    assert "Waiting for an answer" not in page and "<strong>Answered</strong>" in page
    assert page.index(f'id="comment-{clinician.id}"') < page.index(f'id="comment-{first.id}"')
    assert "Answer from a verified clinician" in page

    sign_in(client, users["patient"].email)
    assert accept(client, second.id, post.id).status_code == 302
    page = client.get(post.path).get_data(as_text=True)
    order = [page.index(f'id="comment-{c.id}"') for c in (second, clinician, first)]
    assert order == sorted(order)
    label = page.index("Accepted answer")
    assert page.index(f'id="comment-{second.id}"') < label < page.index(f"comment-{clinician.id}")
    assert f'action="/comments/{first.id}/accept"' in page
    assert f'action="/comments/{second.id}/accept"' not in page  # already accepted


def test_only_the_asker_sees_the_accept_button(client, users, question):
    post, first = question["post"], question["first"]
    assert "/accept" not in client.get(post.path).get_data(as_text=True)
    sign_in(client, users["other_patient"].email)
    assert "/accept" not in client.get(post.path).get_data(as_text=True)
    sign_out(client)
    sign_in(client, users["patient"].email)
    page = client.get(post.path).get_data(as_text=True)
    assert f'action="/comments/{first.id}/accept"' in page
    assert f'name="post_id" value="{post.id}"' in page


def test_accepting_empties_the_page_cache(app, client, users, question):
    post, first = question["post"], question["first"]
    reader = app.test_client()
    assert reader.get(post.path).headers["X-Page-Cache"] == "miss"
    assert reader.get(post.path).headers["X-Page-Cache"] == "hit"
    before = content_version()
    sign_in(client, users["patient"].email)
    assert accept(client, first.id, post.id).status_code == 302
    assert content_version() > before
    fresh = reader.get(post.path)
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "Accepted answer" in fresh.get_data(as_text=True)


@pytest.fixture
def tagged_questions(app, users):
    """Questions in two tags, answered in different ways, of different ages."""
    aza, diet = make_tag("azathioprine", "medication"), make_tag("diet")
    asker = users["patient"]
    oldest = make_post(
        asker, title="Oldest open aza question", kind="question", tags=[aza], days_ago=9
    )
    newer = make_post(
        asker, title="Newer open aza question", kind="question", tags=[aza], days_ago=2
    )
    accepted = make_post(
        asker, title="Accepted aza question", kind="question", tags=[aza], days_ago=5
    )
    by_provider = make_post(
        asker, title="Provider answered question", kind="question", tags=[aza], days_ago=6
    )
    diet_only = make_post(
        asker, title="Open diet question here", kind="question", tags=[diet], days_ago=8
    )
    story = make_post(asker, title="An aza experience story", tags=[aza], days_ago=3)
    pending = make_post(
        asker, title="Pending aza question", kind="question", tags=[aza], status="pending"
    )
    reply = add_comment(accepted, users["other_patient"], "This worked for me.", "published")
    add_comment(by_provider, users["provider"], "Clinically speaking, yes.", "published")
    db.session.flush()
    accepted.accepted_comment_id = reply.id
    db.session.commit()
    return {
        "oldest": oldest,
        "newer": newer,
        "accepted": accepted,
        "by_provider": by_provider,
        "diet_only": diet_only,
        "story": story,
        "pending": pending,
        "aza": aza,
        "diet": diet,
    }


def titles_on(page: str, posts: dict, names) -> list[str]:
    return [name for name in names if posts[name].title in page]


def test_the_tag_page_filters_answered_questions(client, tagged_questions):
    names = ("oldest", "newer", "accepted", "by_provider", "diet_only", "story", "pending")
    answered = client.get("/tags/azathioprine?answered=yes")
    assert answered.status_code == 200
    assert titles_on(answered.get_data(as_text=True), tagged_questions, names) == [
        "accepted",
        "by_provider",
    ]
    waiting = client.get("/tags/azathioprine?answered=no").get_data(as_text=True)
    assert titles_on(waiting, tagged_questions, names) == ["oldest", "newer"]
    assert "Questions about Azathioprine waiting for an answer" in waiting
    everything = client.get("/tags/azathioprine").get_data(as_text=True)
    assert "story" in titles_on(everything, tagged_questions, names)


@pytest.mark.parametrize("value", ["maybe", "1", "true"])
def test_the_tag_page_refuses_other_answered_values(client, tagged_questions, value):
    answer = client.get(f"/tags/azathioprine?answered={value}")
    assert answer.status_code == 400
    assert "answered must be one of yes, no" in answer.get_data(as_text=True)


def follow(member, *tags) -> None:
    for tag in tags:
        db.session.add(Follow(follower_id=member.id, tag_id=tag.id))
    db.session.commit()


def test_providers_see_open_questions_in_their_tags_oldest_first(client, users, tagged_questions):
    follow(users["provider"], tagged_questions["aza"])
    sign_in(client, users["provider"].email)
    answer = client.get("/providers/questions")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    shown = titles_on(
        page,
        tagged_questions,
        ("newer", "oldest", "accepted", "by_provider", "diet_only", "story", "pending"),
    )
    assert sorted(shown) == ["newer", "oldest"]
    assert page.index(tagged_questions["oldest"].title) < page.index(
        tagged_questions["newer"].title
    )

    follow(users["provider"], tagged_questions["diet"])
    page = client.get("/providers/questions").get_data(as_text=True)
    order = [page.index(tagged_questions[name].title) for name in ("oldest", "diet_only", "newer")]
    assert order == sorted(order)


def test_a_provider_following_nothing_sees_no_questions(client, users, tagged_questions):
    sign_in(client, users["provider"].email)
    page = client.get("/providers/questions").get_data(as_text=True)
    assert "No open questions in the tags you follow" in page
    assert tagged_questions["oldest"].title not in page


@pytest.mark.parametrize("who", ["patient", "moderator", "unverified"])
def test_the_providers_list_is_for_verified_providers_only(client, users, tagged_questions, who):
    if who == "unverified":
        email = make_user("hopeful", "provider", verification_state="pending").email
    else:
        email = users[who].email
    sign_in(client, email)
    answer = client.get("/providers/questions")
    assert answer.status_code == 403
    assert "for verified providers" in answer.get_data(as_text=True)


def test_anonymous_visitors_are_asked_to_sign_in_for_the_providers_list(client):
    answer = client.get("/providers/questions")
    assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]
