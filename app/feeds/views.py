"""Atom feeds, the sitemap and robots.txt: published content only."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from app.authors.views import profile_is_public
from app.db import inline, utcnow
from app.extensions import db
from app.feeds import metadata
from app.feeds.atom import FEED_LENGTH, FeedInfo, build_feed
from app.feeds.sitemap import build_sitemap, post_blocks, post_entries, robots_txt, sitemap_entries
from app.links import site_url_for
from app.posts.queries import (
    author_named,
    published_by,
    published_in_tag,
    published_posts,
)
from app.tags.views import tag_or_404

bp = Blueprint("feeds", __name__)

ATOM_TYPE = "application/atom+xml; charset=utf-8"
for helper in metadata.TEMPLATE_GLOBALS:
    bp.add_app_template_global(helper)
bp.add_app_template_global(metadata.SITE_NAME, "SITE_NAME")


def atom_response(info: FeedInfo, query) -> Response:
    posts = list(db.session.scalars(query.limit(inline(FEED_LENGTH))))
    return Response(build_feed(info, posts), content_type=ATOM_TYPE)


def home_url() -> str:
    return site_url_for("main.home")


@bp.get("/feeds/latest.atom")
def latest():
    info = FeedInfo(
        title=f"Latest posts · {metadata.SITE_NAME}",
        subtitle="Experiences, questions and reviewed articles about azathioprine and "
        "autoimmune hepatitis. Not medical advice.",
        self_url=site_url_for("feeds.latest"),
        alternate_url=home_url(),
        site_url=home_url(),
        updated_when_empty=utcnow(),
    )
    return atom_response(info, published_posts(with_bodies=True))


@bp.get("/tags/<slug>/feed.atom")
def tag(slug: str):
    topic = tag_or_404(slug)
    info = FeedInfo(
        title=f"{topic.name} · {metadata.SITE_NAME}",
        subtitle=metadata.tag_description(topic),
        self_url=site_url_for("feeds.tag", slug=topic.slug),
        alternate_url=metadata.tag_url(topic),
        site_url=home_url(),
        updated_when_empty=topic.updated_at,
    )
    return atom_response(info, published_in_tag(topic, with_bodies=True))


@bp.get("/authors/<username>/feed.atom")
def author(username: str):
    member = author_named(username.lower())
    if member is None or not profile_is_public(member, member.published_post_count):
        abort(404)
    info = FeedInfo(
        title=f"{member.display_name} (@{member.username}) · {metadata.SITE_NAME}",
        subtitle=f"Published posts by {member.display_name}.",
        self_url=site_url_for("feeds.author", username=member.username),
        alternate_url=metadata.author_url(member),
        site_url=home_url(),
        updated_when_empty=member.created_at,
        author_name=member.display_name,
    )
    return atom_response(info, published_by(member, with_bodies=True))


SITEMAP_TYPE = "application/xml; charset=utf-8"


@bp.get("/sitemap.xml")
def sitemap():
    return Response(build_sitemap(sitemap_entries()), content_type=SITEMAP_TYPE)


@bp.get("/sitemaps/posts-<int:block>.xml")
def post_sitemap(block: int):
    entries = post_entries(block) if block > 0 else []
    if not entries:
        abort(404)
    return Response(build_sitemap(entries), content_type=SITEMAP_TYPE)


@bp.get("/robots.txt")
def robots():
    sitemaps = [site_url_for("feeds.sitemap")] + [
        site_url_for("feeds.post_sitemap", block=block) for block in post_blocks()
    ]
    return Response(robots_txt(sitemaps), content_type="text/plain; charset=utf-8")
