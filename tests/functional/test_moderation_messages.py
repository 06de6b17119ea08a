"""Every moderation action, taken or refused through HTTP, says what happened in plain English.

The wording expected here is written out by hand: a new action in the state table fails
`test_every_action_has_its_expected_wording` until its message is written here as well.
"""

import html
import re

import pytest

from app.extensions import db
from app.models import Comment, Flag, Post, ProfileChange, User
from app.moderation.service import ModerationError, apply
from app.moderation.states import ACTIONS, MODERATOR_ACTIONS, STATES, allowed, transition
from tests.helpers import csrf_from, make_post

DONE = dict(
    [
        ("approve", "approved"),
        ("reject", "rejected"),
        ("request_changes", "sent back for changes"),
        ("hide", "hidden"),
        ("restore", "restored"),
        ("remove", "removed"),
        ("submit", "submitted for review"),
        ("publish", "published"),
        ("resubmit", "sent back for review"),
        ("withdraw", "withdrawn"),
    ]
)
MODERATOR_VISIBLE_STATES = [state for state in STATES if state not in ("draft", "deleted")]


def text(response) -> str:
    return response.get_data(as_text=True)


def flashes(page: str) -> list[str]:
    found = re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', page)
    return [html.unescape(message) for message in found]


def assert_reads_well(message: str) -> None:
    assert message.endswith("."), message
    assert "_" not in message, message
    for action in ACTIONS:
        for glued in (f"{action}ed", f"{action}d", f"{action.replace('_', ' ')}ed"):
            if glued != DONE[action]:
                assert not re.search(rf"\b{glued}\b", message), message


def post_and_follow(client, url: str, **data) -> tuple[int, str]:
    token = csrf_from(text(client.get("/moderation/")))
    response = client.post(url, data={"csrf_token": token, **data})
    if response.status_code != 302:
        return response.status_code, text(response)
    return 302, text(client.get(response.headers["Location"]))


def make_item(kind: str, author, status: str) -> Post | Comment:
    if kind == "post":
        return make_post(author, status=status)
    comment = Comment(
        post_id=make_post(author, title="A post with a reply").id,
        author_id=author.id,
        body_source="A reply about blood tests.",
        body_html="<p>A reply about blood tests.</p>",
        markup_version=1,
        status=status,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def test_every_action_has_its_expected_wording():
    assert set(DONE) == set(ACTIONS)


@pytest.mark.parametrize("kind", ["post", "comment"])
@pytest.mark.parametrize("action", MODERATOR_ACTIONS)
def test_a_moderator_action_says_what_was_done(client, signed_in, users, action, kind):
    state = next(state for state in STATES if allowed(state, action, "moderator"))
    item = make_item(kind, users["patient"], state)
    signed_in("moderator")
    status, page = post_and_follow(
        client, f"/moderation/{kind}s/{item.id}/{action}", reason="Off topic for this site."
    )
    assert status == 302
    [message] = flashes(page)
    assert message == f"Done: the {kind} is {DONE[action]}."
    assert_reads_well(message)


@pytest.mark.parametrize("action", MODERATOR_ACTIONS)
def test_a_refused_moderator_action_says_why(client, signed_in, users, action):
    state = next(s for s in MODERATOR_VISIBLE_STATES if transition(s, action) is None)
    post = make_post(users["patient"], status=state)
    signed_in("moderator")
    status, page = post_and_follow(
        client, f"/moderation/posts/{post.id}/{action}", reason="Off topic for this site."
    )
    assert status == 409
    assert f"This post is {state}; it cannot be {DONE[action]} now." in page
    assert db.session.get(Post, post.id).status == state


@pytest.mark.parametrize("action", ACTIONS)
def test_every_refused_transition_names_the_action_in_english(app, users, action):
    state = next(s for s in STATES if transition(s, action) is None)
    post = make_post(users["patient"], status=state)
    with pytest.raises(ModerationError) as refused:
        apply(post, action, users["patient"], "A reason.")
    message = str(refused.value)
    assert f"it cannot be {DONE[action]} now." in message
    assert_reads_well(message.split(". ")[0] + ".")


def test_withdrawing_a_removed_post_is_refused_in_english(client, signed_in, users):
    post = make_post(users["patient"], status="removed")
    signed_in("patient")
    token = csrf_from(text(client.get("/me/posts")))
    response = client.post(f"/posts/{post.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 409
    assert "This post is removed; it cannot be withdrawn now." in text(response)


def test_dismissing_flags_says_what_was_done(client, signed_in, users):
    post = make_post(users["patient"])
    db.session.add(Flag(reporter_id=users["other_patient"].id, post_id=post.id, reason="spam"))
    db.session.commit()
    signed_in("moderator")
    status, page = post_and_follow(client, f"/moderation/posts/{post.id}/dismiss-flags")
    assert (status, flashes(page)) == (
        302,
        ["Done: the post stays published and its flags are dismissed."],
    )


def pending_profile_change(member) -> str:
    change = ProfileChange(user_id=member.id, display_name="Pat R.", state="pending")
    db.session.add(change)
    db.session.commit()
    return f"/moderation/profiles/{change.id}"


def pending_provider_application(member) -> str:
    member.verification_state = "pending"
    db.session.commit()
    return f"/moderation/providers/{member.username}"


@pytest.mark.parametrize(
    "prepare, decision, reason, expected",
    [
        (pending_profile_change, "approve", "", "Done: the profile change is published."),
        (
            pending_profile_change,
            "reject",
            "A phone number.",
            "Done: the profile change is turned down.",
        ),
        (pending_provider_application, "verify", "", "Done: @pat is a verified provider."),
        (
            pending_provider_application,
            "decline",
            "Unconfirmed.",
            "Done: @pat's provider application is declined.",
        ),
    ],
)
def test_a_decision_about_a_member_says_what_was_done(
    client, signed_in, users, prepare, decision, reason, expected
):
    url = prepare(users["patient"])
    signed_in("moderator")
    status, page = post_and_follow(client, f"{url}/{decision}", reason=reason)
    assert (status, flashes(page)) == (302, [expected])
    assert_reads_well(expected)


def test_suspending_and_lifting_say_what_was_done(client, signed_in, users):
    signed_in("moderator")
    status, page = post_and_follow(
        client, "/moderation/users/pat", days="7", reason="Unsafe dosing advice"
    )
    assert (status, flashes(page)) == (302, ["Done: @pat is suspended for 7 days."])
    status, page = post_and_follow(client, "/moderation/users/pat/unsuspend")
    assert (status, flashes(page)) == (302, ["Done: @pat can post again."])


def test_a_provider_application_is_decided_once(client, signed_in, users):
    users["patient"].verification_state = "pending"
    db.session.commit()
    signed_in("moderator")
    assert post_and_follow(client, "/moderation/providers/pat/verify")[0] == 302
    status, page = post_and_follow(client, "/moderation/providers/pat/decline", reason="Late.")
    assert status == 409 and "This application was already decided." in page


def test_moderators_cannot_be_suspended(client, signed_in, users):
    signed_in("moderator")
    status, page = post_and_follow(client, "/moderation/users/root-admin", days="7", reason="No.")
    assert status == 403 and "Moderators and admins cannot be suspended here." in page
    assert not db.session.get(User, users["admin"].id).is_suspended()
