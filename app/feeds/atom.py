"""Atom 1.0 documents (RFC 4287) built with ElementTree, which escapes every text and attribute."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from app.feeds.metadata import (
    SITE_NAME,
    author_url,
    modified_at,
    permalink,
    post_url,
    tag_url,
    w3c_datetime,
)
from app.models import Post

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
FEED_LENGTH = 30
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FeedInfo:
    title: str
    subtitle: str
    self_url: str
    alternate_url: str
    site_url: str
    updated_when_empty: datetime
    author_name: str = SITE_NAME


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _child(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    _child(parent, "link", rel=rel, href=href, type=media_type)


def _entry(feed: ET.Element, post: Post) -> None:
    entry = _child(feed, "entry")
    _child(entry, "id", permalink(post))
    _child(entry, "title", post.title, type="text")
    _child(entry, "updated", w3c_datetime(modified_at(post)))
    _child(entry, "published", w3c_datetime(post.published_at or post.created_at))
    author = _child(entry, "author")
    _child(author, "name", post.author.display_name)
    _child(author, "uri", author_url(post.author))
    _link(entry, "alternate", post_url(post), "text/html")
    for tag in post.tags:
        _child(entry, "category", term=tag.slug, label=tag.name, scheme=tag_url(tag))
    if post.summary:
        _child(entry, "summary", post.summary, type="text")
    _child(entry, "content", post.body_html, type="html")


def build_feed(info: FeedInfo, posts: list[Post]) -> bytes:
    """The feed of these published posts; entries keep the listing's order (newest first)."""
    feed = ET.Element("feed", {"xmlns": ATOM_NAMESPACE, XML_BASE: info.site_url})
    _child(feed, "id", info.self_url)
    _child(feed, "title", info.title, type="text")
    _child(feed, "subtitle", info.subtitle, type="text")
    updated = max((modified_at(post) for post in posts), default=info.updated_when_empty)
    _child(feed, "updated", w3c_datetime(updated))
    _link(feed, "self", info.self_url, "application/atom+xml")
    _link(feed, "alternate", info.alternate_url, "text/html")
    _child(_child(feed, "author"), "name", info.author_name)
    _child(feed, "generator", SITE_NAME)
    for post in posts:
        _entry(feed, post)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
