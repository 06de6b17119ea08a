"""Rate limits answer 429 with Retry-After; forged X-Forwarded-For does not change the key."""

import pytest

from tests.conftest import make_user
from tests.helpers import PASSWORD, csrf_from


@pytest.fixture
def limited_app(limited_app):
    make_user("limited")
    return limited_app


def attempt_sign_in(client, email, headers=None, address="127.0.0.1"):
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    return client.post(
        "/auth/login",
        headers=headers or {},
        environ_base={"REMOTE_ADDR": address},
        data={"csrf_token": token, "email": email, "password": "wrong" * 3},
    )


def test_sign_in_is_limited_per_account_with_retry_after(limited_app):
    client = limited_app.test_client()
    statuses = [
        attempt_sign_in(client, "limited@example.org", address=f"10.0.0.{n}").status_code
        for n in range(11)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    response = attempt_sign_in(client, "limited@example.org", address="10.0.1.1")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many requests" in response.get_data(as_text=True)


def test_sign_in_is_limited_per_address_and_forged_headers_do_not_help(limited_app):
    client = limited_app.test_client()
    for n in range(20):
        attempt_sign_in(
            client, f"someone{n}@example.org", headers={"X-Forwarded-For": f"198.51.100.{n}"}
        )
    blocked = attempt_sign_in(
        client, "another@example.org", headers={"X-Forwarded-For": "203.0.113.77"}
    )
    assert blocked.status_code == 429


def test_the_right_password_still_works_under_the_limit(limited_app):
    client = limited_app.test_client()
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login",
        data={"csrf_token": token, "email": "limited@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302


def test_search_is_limited(limited_app):
    client = limited_app.test_client()
    statuses = [client.get("/search?q=imuran").status_code for _ in range(61)]
    assert statuses[-1] == 429 and set(statuses[:60]) == {200}


def test_reset_requests_are_limited_per_account(limited_app):
    client = limited_app.test_client()
    statuses = []
    for n in range(4):
        token = csrf_from(client.get("/auth/reset").get_data(as_text=True))
        statuses.append(
            client.post(
                "/auth/reset",
                environ_base={"REMOTE_ADDR": f"10.2.0.{n}"},
                data={"csrf_token": token, "email": "limited@example.org"},
            ).status_code
        )
    assert statuses == [200, 200, 200, 429]


def test_posting_and_flagging_are_limited_per_member(limited_app):
    from tests.helpers import make_post, sign_in

    client = limited_app.test_client()
    sign_in(client, "limited@example.org")
    token = csrf_from(client.get("/posts/new").get_data(as_text=True))
    statuses = [
        client.post(
            "/posts/new",
            data={
                "csrf_token": token,
                "title": f"Post number {n}",
                "kind": "question",
                "body": f"A question about azathioprine number {n}.",
            },
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429
    other = make_user("other_author")
    targets = [make_post(other, title=f"Target {n}") for n in range(21)]
    flags = [
        client.post(
            f"/posts/{post.id}/flag", data={"csrf_token": token, "reason": "spam"}
        ).status_code
        for post in targets
    ]
    assert flags[:20] == [302] * 20 and flags[20] == 429


def test_the_api_is_limited_per_address(limited_app):
    client = limited_app.test_client()
    statuses = [client.get("/api/v1/tags").status_code for _ in range(121)]
    assert set(statuses[:120]) == {200} and statuses[120] == 429
    response = client.get("/api/v1/posts")
    assert response.status_code == 429 and response.get_json()["status"] == 429
    assert "Retry-After" in response.headers
