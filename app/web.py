"""Small helpers views share for parsing request arguments."""

from __future__ import annotations

from flask import abort, request

MAX_PAGE = 10_000


def page_number() -> int:
    """The `page` query argument: a whole number from 1, or a 400 that says so."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, description=f"page must be a whole number from 1 to {MAX_PAGE}.")
    return int(raw)


def add_form_error(form, field_name: str, message: str) -> None:
    """Attach a service's message to a form field, whether or not the form was validated."""
    field = getattr(form, field_name)
    field.errors = [*field.errors, message]
