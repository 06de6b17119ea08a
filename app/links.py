"""Absolute links to this site, built from SITE_URL and never from the request's Host.

Mailed links (registration, password reset, anything later), feeds, sitemaps and canonical
URLs all come from here, so a forged Host or X-Forwarded-Host cannot reach them; they also work
outside a request (command-line jobs).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def site_url() -> str:
    """SITE_URL, or in development (where it may be unset) the address `flask run` serves."""
    config = current_app.config
    return config["SITE_URL"] or f"http://127.0.0.1:{config['PORT']}"


# Absolute links a worker keeps per SITE_URL (a page's canonical URL and feed links repeat on
# every render of it): a short string each, dropped all at once when this many are kept. Only
# links to public pages and feeds: a mailed link carries a one-off token, kept by no one.
KEPT_LINKS = 2048
KEPT_ENDPOINTS = frozenset(
    {
        "main.home",
        "tags.index",
        "tags.show",
        "posts.show",
        "authors.show",
        "feeds.latest",
        "feeds.tag",
        "feeds.author",
        "feeds.sitemap",
        "feeds.post_sitemap",
    }
)


def site_url_for(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint (full name, e.g. "auth.login") under SITE_URL."""
    adapter, built = _site_links()
    if endpoint not in KEPT_ENDPOINTS:
        return adapter.build(endpoint, values, force_external=True)
    key = (endpoint, *values.items())
    try:
        url = built.get(key)
    except TypeError:  # a value that cannot be a key (a list): built each time
        return adapter.build(endpoint, values, force_external=True)
    if url is None:
        url = adapter.build(endpoint, values, force_external=True)
        if len(built) >= KEPT_LINKS:
            built.clear()
        built[key] = url
    return url


def _site_links() -> tuple[MapAdapter, dict]:
    """The URL map bound to SITE_URL, and the links built with it so far."""
    origin = site_url()
    cached = current_app.extensions.get("site_links")
    if cached is None or cached[0] != origin:
        parts = urlsplit(origin)
        adapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
        )
        cached = current_app.extensions["site_links"] = (origin, adapter, {})
    return cached[1], cached[2]


def site_hostname(site: str) -> str:
    """The host name requests must name when SITE_URL is set (any port, either scheme)."""
    return (urlsplit(site).hostname or "").lower()
