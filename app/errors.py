"""Error pages: HTML for people, JSON for the API, never a stack trace."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

TITLES = {
    400: "That request could not be handled",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not available here",
    413: "That was too large",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "Temporarily unavailable",
}


class DomainError(Exception):
    """A request the site's rules refuse; `status` is the HTTP status that fits.

    Raised by services and answered by the handler `register` installs: the request's
    transaction is rolled back and the message shown, so views need no try block for it."""

    def __init__(self, message: str, status: int = 400, title: str | None = None):
        super().__init__(message)
        self.status = status
        self.title = title


REFUSED_TITLE = "That did not work"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(
    code: int, message: str, correlation_id: str | None = None, title: str | None = None
):
    title = title or TITLES.get(code, "Something went wrong")
    if wants_json():
        body = {"error": title, "message": message, "status": code}
        if correlation_id:
            body["correlation_id"] = correlation_id
        return jsonify(body), code
    return render_template(
        "errors/error.html", code=code, title=title, message=message, correlation_id=correlation_id
    ), code


BUSY_RETRY_AFTER_SECONDS = 2


def show_as_anonymous() -> None:
    """The error page must not ask the database who is signed in: it just failed."""
    from flask import current_app

    g._login_user = current_app.login_manager.anonymous_user()


def is_sqlite_lock(error: OperationalError) -> bool:
    return "locked" in str(error.orig).lower()


def is_lost_connection(error: OperationalError) -> bool:
    """PostgreSQL restarted, refused or dropped the connection (the pool reconnects next time)."""
    return error.connection_invalidated or type(error.orig).__module__.startswith("psycopg")


def refusal_handler(title: str = REFUSED_TITLE) -> Callable[[DomainError], ResponseReturnValue]:
    """The answer to a refused request; a blueprint registers its own to word the title."""

    def refused(error: DomainError) -> ResponseReturnValue:
        from app.extensions import db

        db.session.rollback()
        return render_error(error.status, str(error), title=error.title or title)

    return refused


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, refusal_handler())

    @app.teardown_appcontext
    def close_session_even_if_the_database_went_away(error: BaseException | None) -> None:
        """Ending a request's session rolls back; on a connection the server has just closed
        that fails. The answer was already given: log it, drop the connection, never a 500."""
        from sqlalchemy.exc import DBAPIError

        from app.extensions import db

        try:
            db.session.remove()
        except DBAPIError as problem:
            log.warning("database connection lost while ending a request: %s", problem.orig)
            db.session.registry.clear()

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        """SQLite's write lock stayed taken, or PostgreSQL could not be reached: ask to retry."""
        if is_sqlite_lock(error):
            message = (
                "The site is busy for a moment and nothing was saved. Please try again in a "
                "few seconds; your text is still in your browser."
            )
        elif is_lost_connection(error):
            message = (
                "The site cannot reach its database for a moment. Please try again in a few "
                "seconds; your text is still in your browser."
            )
        else:
            return server_error(error)
        from app.extensions import db

        db.session.rollback()
        g.read_only = True
        show_as_anonymous()
        log.warning("database unavailable on %s %s: %s", request.method, request.path, error.orig)
        response, status = render_error(503, message)
        response = app.make_response((response, status))
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(DataError)
    def unstorable_value(error: DataError):
        """A value the database cannot hold (a number out of range, say): the request's fault."""
        from app.extensions import db

        db.session.rollback()
        return render_error(400, "The request contained a value that cannot be used here.")

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            "Your form expired or was sent from elsewhere "
            "(missing or invalid security token). Go back, reload the page "
            "and try again; your text is still in your browser.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code == 500:
            return server_error(error)
        body, code = render_error(error.code or 400, error.description or "")
        # keep what the exception says beyond its page, e.g. the Allow header of a 405
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, code, headers

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        from app.extensions import db

        original = getattr(error, "original_exception", None) or error
        if isinstance(original, OperationalError) and (
            is_sqlite_lock(original) or is_lost_connection(original)
        ):
            return database_unavailable(original)
        correlation_id = uuid.uuid4().hex[:12]
        log.error(
            "unhandled error %s on %s %s",
            correlation_id,
            request.method,
            request.path,
            exc_info=(type(original), original, original.__traceback__),
        )
        db.session.rollback()
        return render_error(
            500,
            "The error has been logged. Please try again in a moment; "
            f"if it keeps happening, quote reference {correlation_id}.",
            correlation_id,
        )

    app.register_error_handler(InternalServerError, server_error)
