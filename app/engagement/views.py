"""Helpful reactions, bookmarks, follows and the personal feed."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("engagement", __name__)
