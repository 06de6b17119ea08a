"""Answered questions in the API: `answered` and `accepted_comment_id` on every post object,
and the `answered=yes|no` filter of /api/v1/posts (issue 21)."""

import pytest

from app.extensions import db
from tests.api.contract import get_json
from tests.conftest import make_user
from tests.helpers import add_comment, make_post, make_tag


@pytest.fixture
def questions(app, users):
    aza = make_tag("azathioprine", "medication")
    asker, replier = users["patient"], make_user("replier")
    shapes = {
        "open": ("Open question on aza", "question", [aza]),
        "accepted": ("Accepted question on aza", "question", [aza]),
        "by_provider": ("Provider answered this one", "question", []),
        "hidden_accept": ("Accepted reply was hidden", "question", []),
        "story": ("A story with a provider reply", "experience", [aza]),
    }
    made = {
        name: make_post(asker, title=title, kind=kind, tags=tags)
        for name, (title, kind, tags) in shapes.items()
    }
    made["reply"] = add_comment(made["accepted"], replier, "Take it with food.", "published")
    gone = add_comment(made["hidden_accept"], replier, "A reply later hidden.", "hidden")
    add_comment(made["by_provider"], users["provider"], "Clinically, yes.", "published")
    add_comment(made["story"], users["provider"], "Thanks for sharing.", "published")
    db.session.flush()
    made["accepted"].accepted_comment_id = made["reply"].id
    made["hidden_accept"].accepted_comment_id = gone.id
    db.session.commit()
    return made


def by_id(body) -> dict[int, dict]:
    return {post["id"]: post for post in body["results"]}


def test_post_objects_say_whether_they_are_answered(client, questions):
    listed = by_id(get_json(client, "/api/v1/posts", "PostList"))
    expected = {
        "open": (False, None),
        "accepted": (True, questions["reply"].id),
        "by_provider": (True, None),
        "hidden_accept": (False, None),  # a hidden reply answers nothing and is not named
        "story": (False, None),  # only questions are answered
    }
    for name, (answered, accepted) in expected.items():
        post = listed[questions[name].id]
        assert (post["answered"], post["accepted_comment_id"]) == (answered, accepted), name
        detail = get_json(client, f"/api/v1/posts/{questions[name].id}", "PostDetail")
        assert (detail["answered"], detail["accepted_comment_id"]) == (answered, accepted), name


def test_the_answered_filter_lists_questions_only(client, questions):
    yes = get_json(client, "/api/v1/posts?answered=yes", "PostList")
    assert set(by_id(yes)) == {questions["accepted"].id, questions["by_provider"].id}
    assert yes["total"] == 2
    no = get_json(client, "/api/v1/posts?answered=no", "PostList")
    assert set(by_id(no)) == {questions["open"].id, questions["hidden_accept"].id}
    assert no["total"] == 2
    tagged = get_json(client, "/api/v1/posts?answered=no&tag=azathioprine", "PostList")
    assert set(by_id(tagged)) == {questions["open"].id} and tagged["total"] == 1
    everything = get_json(client, "/api/v1/posts?answered=", "PostList")
    assert questions["story"].id in by_id(everything)


def test_the_next_page_keeps_the_answered_filter(client, questions):
    first = get_json(client, "/api/v1/posts?answered=no&per_page=1", "PostList")
    assert first["next"] is not None and "answered=no" in first["next"]
    second = get_json(client, first["next"], "PostList")
    assert set(by_id(first)) | set(by_id(second)) == {
        questions["open"].id,
        questions["hidden_accept"].id,
    }


@pytest.mark.parametrize("value", ["maybe", "YES", "1", "true"])
def test_other_answered_values_are_a_400_that_says_why(client, questions, value):
    body = get_json(client, f"/api/v1/posts?answered={value}", "Error", status=400)
    assert body["message"] == "answered must be one of yes, no."
