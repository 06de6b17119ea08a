"""Who may use a view. Every view that is not public says so with one of these."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def moderator_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_moderator:
            abort(403, description="This page is for moderators.")
        return view(*args, **kwargs)

    return wrapped


def moderator_or_verified_provider_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (current_user.is_moderator or current_user.is_verified_provider):
            abort(403, description="This page is for moderators and verified providers.")
        return view(*args, **kwargs)

    return wrapped
