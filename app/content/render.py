"""markdown-it-py (raw HTML off) -> bleach allowlist -> links with rel="nofollow ugc noopener"."""

from __future__ import annotations

import html
import re
from functools import cache, partial

# Bump whenever the allowlist or the renderer's options change, then re-render stored HTML.
MARKUP_VERSION = 2

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


@cache
def _markdown():
    """The Markdown parser, built on first use: a worker that only reads never loads it."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    parser.enable("strikethrough")
    parser.add_render_rule("image", _image_as_link)
    return parser


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    """Images are not embedded (a third-party image would tell its host who reads what)."""
    from markdown_it.common.utils import escapeHtml

    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env) or "image"
    src = escapeHtml(str(token.attrGet("src") or ""))
    return f'<a href="{src}">{escapeHtml(alt)} (image)</a>'


_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _safe_href(value: str) -> bool:
    """An explicit scheme must be allowed, however the URL is spelled ("javascript:123" too)."""
    normalized = _INVISIBLE.sub("", html.unescape(value)).lower()
    scheme = _SCHEME.match(normalized)
    return scheme is None or scheme.group(1) in ALLOWED_PROTOCOLS


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    return name != "href" or _safe_href(value)


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


@cache
def _cleaner():
    """One pass: clean and linkify together (a second parse double-escapes text inside
    <code>). Built on first use, like the parser."""
    from bleach.linkifier import LinkifyFilter
    from bleach.sanitizer import Cleaner

    return Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            partial(
                LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"}, parse_email=False
            )
        ],
    )


_TAG = re.compile(r"<[^>]*>")


def render_markdown(source: str) -> str:
    """Render member Markdown to HTML that is safe to store and show as is."""
    return sanitize_html(_demote_h1(_markdown().render(source)))


def sanitize_html(fragment: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes; mark links as user content."""
    return _cleaner().clean(fragment)


def _demote_h1(rendered: str) -> str:
    """The page title is the only h1; a member's top heading becomes h2."""
    return rendered.replace("<h1>", "<h2>").replace("</h1>", "</h2>")


_BLOCK_TAG = re.compile(
    r"</?(?:p|br|li|ul|ol|h[1-6]|blockquote|pre|tr|td|th|table|thead|tbody|hr)\b[^>]*>", re.I
)


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment: blocks become spaces, inline tags vanish, whitespace folds."""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", fragment))
    return " ".join(html.unescape(text).split())  # str.split's whitespace is regex \s


def summarize(fragment: str, limit: int = 280) -> str:
    """A plain-text summary that ends on a word boundary."""
    text = plain_text(fragment)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"
