"""Safe redirects and other request-level protections."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


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
