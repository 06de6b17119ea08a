"""The sitemaps (sitemaps.org 0.9) and robots.txt: every public page, nothing else.

`/sitemap.xml` lists the home page, the tag index, every tag, every author of a published post
and the published posts numbered below POSTS_PER_SITEMAP. Posts with higher numbers are listed
in `/sitemaps/posts-<n>.xml`, one file per block of POSTS_PER_SITEMAP numbers, and robots.txt
names every file that has a post in it. A block's file keeps its content as the site grows, so
a crawler rereads only the files whose posts changed, and each file stays far below the
protocol's 50,000 URLs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from app.extensions import db
from app.feeds.atom import xml_text
from app.feeds.metadata import w3c_datetime
from app.links import site_url_for
from app.models import Post, Tag, User, post_tags

SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
POSTS_PER_SITEMAP = 10_000
DISALLOWED_PATHS = ("/moderation/", "/auth/", "/me/", "/email/", "/posts/new", "/search", "/api/")
# What makes a published post's page change for a reader (see metadata.modified_at).
SHOWN_MOMENTS = (Post.published_at, Post.edited_at, Post.last_reviewed_at)


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None


def _newest(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


def _public_posts(*columns) -> Select:
    return select(*columns).where(Post.is_public)


def _last_changes(group_by) -> Select:
    """Per group, the newest publication, edit and review among its public posts."""
    return _public_posts(group_by, *(func.max(moment) for moment in SHOWN_MOMENTS)).group_by(
        group_by
    )


def post_blocks() -> list[int]:
    """The numbers of the post sitemaps beyond the first that have a published post in them."""
    block = Post.id // POSTS_PER_SITEMAP
    rows = db.session.scalars(_public_posts(block).where(block > 0).distinct().order_by(block))
    return list(rows)


def post_entries(block: int) -> list[SitemapEntry]:
    """The published posts numbered in the block, oldest number first."""
    rows = db.session.execute(
        _public_posts(Post.id, Post.slug, *SHOWN_MOMENTS, Post.updated_at)
        .where(Post.id >= block * POSTS_PER_SITEMAP, Post.id < (block + 1) * POSTS_PER_SITEMAP)
        .order_by(Post.id)
    )
    return [
        SitemapEntry(
            site_url_for("posts.show", post_id=post_id, slug=slug),
            _newest(published, edited, reviewed) or updated,
        )
        for post_id, slug, published, edited, reviewed, updated in rows
    ]


def page_entries() -> list[SitemapEntry]:
    """Home, the tag index, every tag and every author of a published post."""
    tags = list(db.session.execute(select(Tag.id, Tag.slug, Tag.updated_at).order_by(Tag.name)))
    tag_changes = {
        tag_id: _newest(*moments)
        for tag_id, *moments in db.session.execute(
            _last_changes(post_tags.c.tag_id).join(post_tags, post_tags.c.post_id == Post.id)
        )
    }
    author_changes = {
        author_id: _newest(*moments)
        for author_id, *moments in db.session.execute(_last_changes(Post.author_id))
    }
    authors = db.session.execute(
        select(User.id, User.username)
        .where(User.id.in_(list(author_changes)))
        .order_by(User.username)
    )
    return [
        SitemapEntry(site_url_for("main.home"), _newest(*author_changes.values())),
        SitemapEntry(site_url_for("tags.index"), _newest(*(tag.updated_at for tag in tags))),
        *(
            SitemapEntry(
                site_url_for("tags.show", slug=slug),
                _newest(tag_changes.get(tag_id), updated),
            )
            for tag_id, slug, updated in tags
        ),
        *(
            SitemapEntry(
                site_url_for("authors.show", username=username),
                author_changes[author_id],
            )
            for author_id, username in authors
        ),
    ]


def sitemap_entries() -> list[SitemapEntry]:
    return [*page_entries(), *post_entries(0)]


def build_sitemap(entries: Iterable[SitemapEntry]) -> bytes:
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NAMESPACE})
    for entry in entries:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = xml_text(entry.loc)
        if entry.lastmod is not None:
            ET.SubElement(url, "lastmod").text = w3c_datetime(entry.lastmod)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True)


def robots_txt(sitemap_urls: Iterable[str]) -> str:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED_PATHS), ""]
    lines += [f"Sitemap: {url}" for url in sitemap_urls]
    return "\n".join([*lines, ""])
