"""Every response carries the security headers (ASVS V14), 404 and 500 included."""

import re

import pytest

from tests.helpers import make_post, sign_in

PAGES = [
    "/",
    "/tags/",
    "/search?q=x",
    "/auth/login",
    "/auth/register",
    "/auth/register/confirm?token=no-such-token",
    "/healthz",
    "/no/such/page",
    "/api/v1/search?q=x",
    "/api/v1/nothing-here",
    "/static/css/site.css",
]


def assert_security_headers(response):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'", csp)
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Server" not in headers
    assert "X-Powered-By" not in headers


@pytest.mark.parametrize("url", PAGES)
def test_every_response_has_the_headers(client, url, app):
    response = client.get(url)
    assert_security_headers(response)
    response.close()


def test_the_nonce_is_new_for_every_response(client, app):
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert first != second


def test_server_errors_have_the_headers_and_a_reference(app, client):
    @app.get("/boom-for-headers")
    def boom():
        raise RuntimeError("hidden detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom-for-headers")
    assert response.status_code == 500
    assert_security_headers(response)
    assert "hidden detail" not in response.get_data(as_text=True)


def test_hsts_only_under_https(client, app):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]


def test_signed_in_pages_are_not_stored_by_caches(client, users):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    sign_in(client, "pat@example.org")
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/me/posts").headers["Cache-Control"] == "no-store"


def test_cookies_are_secure_under_https(client, users):
    page = client.get("/auth/login", base_url="https://localhost")
    from tests.helpers import csrf_from

    response = client.post(
        "/auth/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/login"},
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": "pat@example.org",
            "password": "correct horse battery staple",
            "remember": "y",
        },
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) >= 2
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_spoofed_forwarded_header_is_ignored_without_a_trusted_proxy(client, app):
    @app.get("/whoami-for-test")
    def whoami():
        from flask import request

        return {"ip": request.remote_addr, "secure": request.is_secure}

    response = client.get(
        "/whoami-for-test", headers={"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"}
    )
    assert response.get_json() == {"ip": "127.0.0.1", "secure": False}


def test_a_trusted_proxy_is_honoured(tmp_path):
    from app import create_app
    from tests.conftest import test_config

    app = create_app(test_config(tmp_path, TRUSTED_PROXY_COUNT=1))

    @app.get("/whoami-for-test")
    def whoami():
        from flask import request

        return {"ip": request.remote_addr, "secure": request.is_secure}

    response = app.test_client().get(
        "/whoami-for-test", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert response.get_json() == {"ip": "203.0.113.9", "secure": True}


def test_cached_anonymous_pages_still_get_fresh_headers(client, users):
    make_post(users["patient"])
    client.get("/")
    hit = client.get("/")
    assert hit.headers["X-Page-Cache"] == "hit"
    assert_security_headers(hit)
