"""Markdown rendering, sanitizing, plain text and slugs: the one place user text becomes HTML."""

from app.content.render import (
    MARKUP_VERSION,
    plain_text,
    render_markdown,
    sanitize_html,
    summarize,
)
from app.content.slugs import slugify

__all__ = [
    "MARKUP_VERSION",
    "plain_text",
    "render_markdown",
    "sanitize_html",
    "slugify",
    "summarize",
]
