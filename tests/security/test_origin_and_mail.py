"""Emailed links come from SITE_URL, whatever Host or X-Forwarded-Host a request names.

The attacker asks for a password reset (or registers) for the victim's address with a forged
Host header: if the mailed link pointed at the attacker's host, the victim's click would hand
over the token. Each mailing form is tried with each forgery; every answer is either a 400
(nothing mailed) or a mail whose links all start with SITE_URL.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app.config import ConfigError, build_config
from tests.conftest import app_with, make_user
from tests.helpers import csrf_from, take_mails

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://community.example"
EVIL = "evil.example"
LINK = re.compile(r"https?://[^\s]+")


@pytest.fixture
def site(tmp_path):
    """The site as deployed at SITE, with one member whose address an attacker knows."""
    yield from running_app(tmp_path, SITE_URL=SITE)


@pytest.fixture
def proxied_site(tmp_path):
    """The same behind one trusted proxy, whose X-Forwarded-Host is believed."""
    yield from running_app(tmp_path, SITE_URL=SITE, TRUSTED_PROXY_COUNT=1)


def running_app(tmp_path, **settings):
    for app in app_with(tmp_path, **settings):
        make_user("victim")
        yield app


MAILING_FORMS = {
    "register a new address": ("/auth/register", {"email": "new@example.org", "username": "nu"}),
    "register a taken address": (
        "/auth/register",
        {"email": "victim@example.org", "username": "someone_else"},
    ),
    "ask for a reset": ("/auth/reset", {"email": "victim@example.org"}),
}
FORGERIES = {
    "Host": {"Host": EVIL},
    "Host with a port": {"Host": f"{EVIL}:443"},
    "X-Forwarded-Host": {"X-Forwarded-Host": EVIL},
    "both": {"Host": EVIL, "X-Forwarded-Host": EVIL},
}


def submit(app, path: str, data: dict, headers: dict):
    """Load the form from the real site, then submit it with the forged headers."""
    client = app.test_client()
    page = client.get(path, base_url=SITE)
    assert page.status_code == 200
    form = {**data, "consent": "y", "csrf_token": csrf_from(page.get_data(as_text=True))}
    return client.post(path, data=form, base_url=SITE, headers=headers)


def links_in(messages) -> list[str]:
    return [link for message in messages for link in LINK.findall(message.get_content())]


@pytest.mark.parametrize("form", MAILING_FORMS)
@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("proxies", [0, 1], ids=["direct", "behind a proxy"])
def test_a_forged_host_never_reaches_a_mailed_link(tmp_path, form, forgery, proxies):
    for app in running_app(tmp_path, SITE_URL=SITE, TRUSTED_PROXY_COUNT=proxies):
        try_forgery(app, form, forgery)


def try_forgery(app, form: str, forgery: str) -> None:
    path, data = MAILING_FORMS[form]
    take_mails(app)
    answer = submit(app, path, data, FORGERIES[forgery])
    messages = take_mails(app)
    assert answer.status_code in (200, 400), answer.status_code
    if answer.status_code == 400:
        assert messages == []
        assert EVIL not in answer.get_data(as_text=True)
        return
    (message,) = messages
    links = links_in(messages)
    assert links, message.get_content()
    assert all(link.startswith(SITE + "/auth/") for link in links), links
    assert EVIL not in message.as_string()


def test_a_request_naming_another_host_is_refused(site):
    client = site.test_client()
    for headers in ({"Host": EVIL}, {"Host": "community.example.evil.example"}):
        response = client.get("/auth/reset", headers=headers)
        assert response.status_code == 400
        assert EVIL not in response.get_data(as_text=True)


def test_without_a_trusted_proxy_x_forwarded_host_is_ignored(site):
    response = site.test_client().get(
        "/", base_url=SITE, headers={"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "http"}
    )
    assert response.status_code == 200
    assert EVIL not in response.get_data(as_text=True)


def test_behind_a_trusted_proxy_the_forwarded_host_must_be_the_site(proxied_site):
    client = proxied_site.test_client()
    forged = client.get("/", base_url="http://10.0.0.7:8000", headers={"X-Forwarded-Host": EVIL})
    honest = client.get(
        "/", base_url="http://10.0.0.7:8000", headers={"X-Forwarded-Host": "community.example"}
    )
    assert forged.status_code == 400
    assert honest.status_code == 200


def test_the_sites_own_host_is_served_on_any_port_and_scheme(site):
    client = site.test_client()
    for base in (SITE, "http://community.example:8080", "https://COMMUNITY.example"):
        assert client.get("/auth/login", base_url=base).status_code == 200, base


def test_a_load_balancer_may_probe_health_by_address(site):
    client = site.test_client()
    by_address = client.get("/healthz", base_url="http://10.0.0.7:8000")
    assert by_address.status_code == 200 and by_address.get_json() == {"status": "ok"}
    ready_by_name = client.get("/readyz", base_url=SITE)
    ready_by_address = client.get("/readyz", base_url="http://10.0.0.7:8000")
    assert ready_by_address.status_code == ready_by_name.status_code
    assert ready_by_address.status_code != 400


def test_feeds_sitemaps_and_canonical_links_use_the_site_url(site):
    client = site.test_client()
    base = "http://community.example:8080"
    for path in ("/feeds/latest.atom", "/sitemap.xml", "/robots.txt", "/"):
        body = client.get(path, base_url=base).get_data(as_text=True)
        assert SITE + "/" in body, path
        assert ":8080" not in body, path


def test_a_site_mounted_under_a_path_mails_links_under_that_path(tmp_path):
    for app in running_app(tmp_path, SITE_URL="http://example.org/community/"):
        assert app.config["SITE_URL"] == "http://example.org/community"
        client = app.test_client()
        page = client.get("/auth/reset", base_url="http://example.org/community/")
        data = {"email": "victim@example.org", "csrf_token": csrf_from(page.get_data(as_text=True))}
        client.post("/auth/reset", data=data, base_url="http://example.org/community/", headers={})
        (link,) = links_in(take_mails(app))
        assert link.startswith("http://example.org/community/auth/reset/new?token=")


@pytest.mark.parametrize(
    "value",
    [
        "community.example",
        "ftp://community.example",
        "https://",
        "https://community.example/?next=/x",
        "https://community.example/#top",
        "https://user:pw@community.example",
        "https://community.example:99999",
        "https://community example",
        "javascript:alert(1)",
    ],
)
def test_a_site_url_that_cannot_make_links_stops_start_up(tmp_path, value):
    with pytest.raises(ConfigError, match="SITE_URL"):
        build_config(str(tmp_path), {"SITE_URL": value})


def test_a_good_site_url_is_kept_without_its_trailing_slash(tmp_path):
    assert build_config(str(tmp_path), {"SITE_URL": "https://Example.org/"})["SITE_URL"] == (
        "https://example.org"
    )
    assert build_config(str(tmp_path), {"SITE_URL": "http://127.0.0.1:5000"})["SITE_URL"] == (
        "http://127.0.0.1:5000"
    )


def test_make_run_defaults_the_site_url_to_its_own_address():
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=5123"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    serve = next(line for line in plan.splitlines() if "gunicorn" in line)
    assert "SITE_URL=http://127.0.0.1:5123" in serve
    explicit = subprocess.run(
        ["make", "-n", "run", "SITE_URL=https://mine.example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "SITE_URL=https://mine.example" in explicit
