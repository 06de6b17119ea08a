"""What search engines and link previews read about a page: canonical URL, robots, JSON-LD.

The JSON-LD builders return plain dicts; the `jsonld` template filter serializes them safely.
Only public facts go in: display names, handles, verified credentials, never an email.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache

from flask import request
from markupsafe import Markup

from app.content.render import summarize
from app.links import site_url, site_url_for
from app.models import ArticleReference, Comment, Post, Tag, User
from app.posts.queries import TagLink
from app.templating import jsonld

SITE_NAME = "AZA & AIH Community"
DESCRIPTION_LIMIT = 200
# Tag pages' JSON-LD texts a worker keeps (about 3 KB each): a tag's filters and first pages.
KEPT_STRUCTURED_DATA = 128
SCHEMA_CONTEXT = "https://schema.org"

INDEXABLE_ENDPOINTS = frozenset(
    {"main.home", "tags.index", "tags.show", "posts.show", "authors.show"}
)
# Query arguments that select different content; everything else (sort orders, utm_* and other
# tracking arguments) is dropped from the canonical URL.
CANONICAL_ARGS = {
    "tags.show": ("kind", "page"),
    "main.search": ("q", "tag", "kind", "role", "sort", "page"),
}
DEFAULT_CANONICAL_ARGS = ("page",)


def canonical_url() -> str:
    """The absolute URL of this page, keeping only the arguments that change what it shows."""
    if request.endpoint is None or request.url_rule is None:
        return site_url() + request.path
    kept = {}
    for name in CANONICAL_ARGS.get(request.endpoint, DEFAULT_CANONICAL_ARGS):
        value = request.args.get(name, "")
        if name == "page" and not (value.isascii() and value.isdigit() and int(value) > 1):
            continue
        if value:
            kept[name] = value
    return site_url_for(request.endpoint, **(request.view_args or {}), **kept)


def indexable_page() -> bool:
    """Deny by default: only the public reading pages may be indexed."""
    return request.endpoint in INDEXABLE_ENDPOINTS


def w3c_datetime(moment: datetime) -> str:
    """RFC 3339 / W3C datetime in UTC to the second, as Atom and sitemaps want it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def modified_at(post: Post) -> datetime:
    """When readers last saw the post change: its publication, an edit or a medical review.

    Moderation bookkeeping (and reactions) move `updated_at` without changing what is shown,
    so it is only the fallback for a post that has none of the three.
    """
    moments = [m for m in (post.published_at, post.edited_at, post.last_reviewed_at) if m]
    return max(moments) if moments else post.updated_at


def post_url(post: Post) -> str:
    """What site_url_for("posts.show") builds, at a fraction of its cost (a listing's JSON-LD
    pays it per post): SITE_URL and the post's path, whose slug never needs quoting."""
    return site_url().rstrip("/") + post.path


def permalink(post: Post) -> str:
    """The post's address by number alone: stable when its title (and slug) change."""
    return site_url_for("posts.show", post_id=post.id)


def author_url(author: User) -> str:
    return site_url_for("authors.show", username=author.username)


def tag_url(tag: Tag) -> str:
    return site_url_for("tags.show", slug=tag.slug)


def tag_description(tag: Tag) -> str:
    intro = summarize(tag.description_html, DESCRIPTION_LIMIT) if tag.description_html else ""
    return intro or default_tag_description(tag.name)


def default_tag_description(name: str) -> str:
    return f"Experiences, questions and articles about {name} from {SITE_NAME}."


def author_description(author: User) -> str:
    bio = summarize(author.bio_html, DESCRIPTION_LIMIT) if author.bio_html else ""
    return bio or f"Posts by {author.display_name} (@{author.username}) on {SITE_NAME}."


def person(user: User) -> dict:
    data = {"@type": "Person", "name": user.display_name, "url": author_url(user)}
    if user.is_verified_provider:
        if user.credentials:
            data["honorificSuffix"] = user.credentials
        job = user.specialty or user.credentials
        if job:
            data["jobTitle"] = job
    return data


def publisher() -> dict:
    return {
        "@type": "Organization",
        "name": SITE_NAME,
        "url": site_url_for("main.home"),
    }


def citation(reference: ArticleReference) -> dict:
    """A reference as schema.org reads it: the work, where to read it, and its identifier."""
    data: dict = {"@type": "CreativeWork", "url": reference.url}
    if reference.label:
        data["name"] = reference.label
    if reference.kind in ("pmid", "doi"):
        data["identifier"] = {
            "@type": "PropertyValue",
            "propertyID": reference.kind.upper(),
            "value": reference.value,
        }
    return data


def post_jsonld(
    post: Post,
    tags: Sequence[Tag | TagLink],
    comments: Iterable[Comment] = (),
    references: Iterable[ArticleReference] = (),
) -> dict:
    """Article pages are MedicalWebPage + Article; experiences and questions are forum posts."""
    url = post_url(post)
    article = post.kind == "article"
    data: dict = {
        "@context": SCHEMA_CONTEXT,
        "@type": ["MedicalWebPage", "Article"] if article else "DiscussionForumPosting",
        "headline": post.title,
        "url": url,
        "mainEntityOfPage": url,
        "author": person(post.author),
        "datePublished": w3c_datetime(post.published_at or post.created_at),
        "dateModified": w3c_datetime(modified_at(post)),
        "inLanguage": "en",
        "publisher": publisher(),
    }
    if post.summary:
        data["description"] = post.summary
    if tags:
        data["keywords"] = [tag.name for tag in tags]
    if article:
        data["about"] = [{"@type": "Thing", "name": tag.name} for tag in tags]
        if post.reviewed_by is not None:
            data["reviewedBy"] = person(post.reviewed_by)
        if post.last_reviewed_at is not None:
            data["lastReviewed"] = w3c_datetime(post.last_reviewed_at)
        cited = [citation(reference) for reference in references]
        if cited:
            data["citation"] = cited
    else:
        data["text"] = post.summary
        data["commentCount"] = sum(1 for c in comments if c.is_public)
    return data


def tag_jsonld(tag: Tag, posts: Iterable[Post] = ()) -> dict:
    """The tag page as a collection (its URL keeps the kind filter and page number)."""
    return _tag_jsonld(
        canonical_url(), site_url(), *tag_values(tag), tuple(post.path for post in posts)
    )


def tag_structured_data(tag: Tag, posts: Sequence[Post] = ()) -> Markup:
    """tag_jsonld as the page prints it (`jsonld`), kept per worker: the same values always
    give the same text, and a page of twenty posts cost a twentieth of its render to build."""
    return _tag_structured_data(
        canonical_url(), site_url(), *tag_values(tag), tuple(post.path for post in posts)
    )


def tag_values(tag: Tag) -> tuple[str, str, tuple[str, ...]]:
    return tag.name, tag.description_html or "", tuple(tag.synonym_list)


@lru_cache(maxsize=KEPT_STRUCTURED_DATA)
def _tag_structured_data(*values) -> Markup:
    return jsonld(_tag_jsonld(*values))


def _tag_jsonld(
    url: str,
    site: str,
    name: str,
    description_html: str,
    synonyms: tuple[str, ...],
    post_paths: tuple[str, ...],
) -> dict:
    intro = summarize(description_html, DESCRIPTION_LIMIT) if description_html else ""
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "CollectionPage",
        "name": name,
        "description": intro or default_tag_description(name),
        "url": url,
        "about": {"@type": "Thing", "name": name, "alternateName": list(synonyms)},
        "isPartOf": {"@type": "WebSite", "name": SITE_NAME, "url": publisher()["url"]},
        "mainEntity": {
            "@type": "ItemList",
            "itemListElement": [
                {"@type": "ListItem", "position": number, "url": site.rstrip("/") + path}
                for number, path in enumerate(post_paths, start=1)
            ],
        },
    }


def author_jsonld(author: User) -> dict:
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "ProfilePage",
        "url": author_url(author),
        "mainEntity": {**person(author), "alternateName": f"@{author.username}"},
    }


TEMPLATE_GLOBALS = (
    canonical_url,
    indexable_page,
    tag_description,
    author_description,
    post_jsonld,
    tag_jsonld,
    tag_structured_data,
    author_jsonld,
)
