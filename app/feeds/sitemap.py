"""The sitemap (sitemaps.org 0.9) and robots.txt: every public page, nothing else."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import select

from app.extensions import db
from app.feeds.atom import xml_text
from app.feeds.metadata import author_url, modified_at, post_url, tag_url, w3c_datetime
from app.models import Tag, User
from app.posts.queries import published_posts

SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The protocol's limit for one file; the newest posts come first when a site outgrows it.
MAX_URLS = 50_000
DISALLOWED_PATHS = ("/moderation/", "/auth/", "/me/", "/posts/new", "/search", "/api/")


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None


def _latest(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None or moment > current else current


def sitemap_entries() -> list[SitemapEntry]:
    """Home, the tag index, every tag, every published post, and the authors of those posts."""
    tags = list(db.session.scalars(select(Tag).order_by(Tag.name)))
    posts = list(db.session.scalars(published_posts().limit(MAX_URLS)))
    newest_by_tag: dict[int, datetime] = {}
    newest_by_author: dict[int, datetime] = {}
    authors: dict[int, User] = {}
    site_newest: datetime | None = None
    post_entries = []
    for post in posts:
        modified = modified_at(post)
        post_entries.append(SitemapEntry(post_url(post), modified))
        site_newest = _latest(site_newest, modified)
        authors[post.author_id] = post.author
        newest_by_author[post.author_id] = _latest(newest_by_author.get(post.author_id), modified)
        for tag in post.tags:
            newest_by_tag[tag.id] = _latest(newest_by_tag.get(tag.id), modified)

    tag_entries = [
        SitemapEntry(tag_url(tag), _latest(newest_by_tag.get(tag.id), tag.updated_at))
        for tag in tags
    ]
    tags_changed = max((tag.updated_at for tag in tags), default=None)
    entries = [
        SitemapEntry(url_for("main.home", _external=True), site_newest),
        SitemapEntry(url_for("tags.index", _external=True), tags_changed),
        *tag_entries,
        *post_entries,
        *(
            SitemapEntry(author_url(author), newest_by_author[author_id])
            for author_id, author in sorted(authors.items(), key=lambda item: item[1].username)
        ),
    ]
    return entries[:MAX_URLS]


def build_sitemap(entries: list[SitemapEntry]) -> bytes:
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NAMESPACE})
    for entry in entries:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = xml_text(entry.loc)
        if entry.lastmod is not None:
            ET.SubElement(url, "lastmod").text = w3c_datetime(entry.lastmod)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True)


def robots_txt(sitemap_url: str) -> str:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED_PATHS)]
    return "\n".join([*lines, "", f"Sitemap: {sitemap_url}", ""])
