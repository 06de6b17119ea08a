"""Request-level protections: safe redirects and the security headers of every response."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Request, Response, abort, current_app, g, has_request_context, request
from werkzeug.datastructures import MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.utils import cached_property

_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


class CleanRequest(Request):
    """Query parameters and form fields without NUL characters: no text needs them, and
    PostgreSQL refuses to store them."""

    @cached_property
    def args(self) -> MultiDict:
        return without_nul(super().args, self.parameter_storage_class)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = without_nul(self.__dict__["form"], self.parameter_storage_class)


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: ids a database integer column can hold; anything larger is a 404."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def without_nul(values: MultiDict, storage_class: type[MultiDict]) -> MultiDict:
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
        return values
    return storage_class(
        (key.replace("\x00", ""), value.replace("\x00", ""))
        for key, value in values.items(multi=True)
    )


def safe_next(target: str | None, fallback: str) -> str:
    """A path on this site to go to after a form, or the fallback for anything else."""
    if not target or len(target) > 2000 or _UNSAFE_CHARS.search(target):
        return fallback
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


def csp_nonce() -> str:
    """The nonce of this response's CSP, for the rare inline script a template needs."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def security_headers(nonce: str, secure: bool) -> list[tuple[str, str]]:
    """The headers every response carries (app.cache's front door sends them too)."""
    headers = [
        ("Content-Security-Policy", content_security_policy(nonce)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in security_headers(csp_nonce(), request.is_secure):
        headers[name] = value
    if _is_signed_in():
        headers["Cache-Control"] = "no-store"
    headers.pop("Server", None)
    return response


def _is_signed_in() -> bool:
    """Whether the response is for a member: the loaded user if the request loaded one, else
    the session's claim (no database query after the response is built)."""
    from flask import session

    if not request.cookies:
        return False
    user = g.get("_login_user")
    if user is not None:
        return user.is_authenticated
    return bool(session.get("_user_id")) or "remember_token" in request.cookies


class CookieSecureUnderHttps(Response):
    """Under HTTPS every cookie (the session, remember-me) is Secure, whoever sets it."""

    def set_cookie(self, *args, **kwargs) -> None:
        if has_request_context() and request.is_secure:
            kwargs["secure"] = True
        super().set_cookie(*args, **kwargs)


def trust_proxies(app: Flask) -> None:
    """Honour X-Forwarded-* only from the number of proxies the operator says are in front."""
    count = app.config["TRUSTED_PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


# A load balancer probes these by address; they answer nothing a Host could change.
ANY_HOST_ENDPOINTS = frozenset({"main.healthz", "main.readyz"})
OTHER_HOST = "This site answers only at its own address."


def refuse_other_hosts() -> None:
    """With SITE_URL set, a request naming another host (in Host, or in X-Forwarded-Host from
    a trusted proxy) is a 400: nothing the site builds can then follow a forged host."""
    site = current_app.config["SITE_URL"]
    if not site or request.endpoint in ANY_HOST_ENDPOINTS:
        return
    from app.links import site_hostname

    if not host_is_trusted(request.host.lower(), [site_hostname(site)]):
        abort(400, description=OTHER_HOST)


def register(app: Flask) -> None:
    trust_proxies(app)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_other_hosts)
    app.response_class = CookieSecureUnderHttps
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
