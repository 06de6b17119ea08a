"""The OpenAPI 3.1 description of /api/v1, built from the same constants the views check.

Every object whose shape is fixed says `additionalProperties: false`, so a schema conformance
check (tests/api/test_openapi.py runs Schemathesis) notices a field added by accident.
"""

from __future__ import annotations

from functools import cache

from app.api.params import DEFAULT_PER_PAGE, MAX_ID, MAX_PAGE, MAX_PER_PAGE
from app.auth.services import USERNAME_PATTERN
from app.experiences import facts as vocabulary
from app.experiences.reports import MIN_MEMBERS
from app.models.enums import POST_KINDS, REFERENCE_KINDS, ROLES, TAG_KINDS
from app.posts.references import MAX_REFERENCES
from app.search import MAX_QUERY_LENGTH, SORTS
from app.search.results import MAX_PAGE as SEARCH_MAX_PAGE
from app.search.results import PER_PAGE as SEARCH_PER_PAGE

VERSION = "1.0.0"
JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


def closed(properties: dict, description: str = "", optional: dict | None = None) -> dict:
    """An object with exactly these properties, all present, and perhaps the optional ones."""
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": {**properties, **(optional or {})},
    }
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
HTML = {"type": "string", "description": "Sanitized HTML, stored when the text was written."}
DATE_TIME = {"type": "string", "format": "date-time"}
COUNT = {"type": "integer", "minimum": 0}
SLUG = {"type": "string", "pattern": "^[a-z0-9-]+$", "maxLength": 60}
USERNAME = {"type": "string", "pattern": USERNAME_PATTERN.pattern}
PATH = {"type": "string", "format": "uri-reference", "pattern": "^/"}


def or_empty(schema: dict) -> dict:
    """A filter argument: empty means no filter."""
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


AUTHOR = closed(
    {
        "username": STRING,
        "display_name": STRING,
        "role": {"type": "string", "enum": list(ROLES)},
        "verified": {"type": "boolean", "description": "A provider whose licence was checked."},
    },
    "Who wrote a post, as every post shows it.",
)
POST_PROPERTIES = {
    "id": {"type": "integer", "minimum": 1},
    "url": {**PATH, "description": "Root-relative URL of the post's page."},
    "title": STRING,
    "kind": {"type": "string", "enum": list(POST_KINDS)},
    "summary": STRING,
    "tags": {"type": "array", "items": STRING, "description": "Tag slugs."},
    "author": ref("Author"),
    "published_at": DATE_TIME,
    "answered": {
        "type": "boolean",
        "description": "A question whose asker accepted a published reply, or that a verified "
        "provider answered in a published reply; false for other kinds of post.",
    },
    "accepted_comment_id": {
        **nullable({"type": "integer", "minimum": 1}),
        "description": "The published reply the asker accepted as the answer; null otherwise.",
    },
}
REFERENCE = closed(
    {
        "kind": {
            "type": "string",
            "enum": list(REFERENCE_KINDS),
            "description": "pmid (a PubMed id), doi, or url (an http or https address).",
        },
        "value": {
            "type": "string",
            "description": "The PMID's digits, the DOI (10.…/…), or the address.",
        },
        "url": {
            "type": "string",
            "format": "uri",
            "pattern": "^https?://",
            "description": "Where to read it: PubMed, the DOI resolver, or the address itself.",
        },
        "label": {**nullable(STRING), "description": "The title the author gave, if any."},
    },
    "One numbered source of an article.",
)


def one_of(values) -> dict:
    return {"type": "string", "enum": list(values)}


FACTS = {
    "type": "object",
    "additionalProperties": False,
    "description": "What an experience reports in short, only the facts its author gave.",
    "required": [],
    "properties": {
        **{name: one_of(values) for name, values in vocabulary.VOCABULARIES.items()},
        "side_effects": {
            "type": "array",
            "items": one_of(vocabulary.SIDE_EFFECTS),
            "uniqueItems": True,
            "minItems": 1,
        },
    },
}
FIGURE = closed(
    {
        "value": STRING,
        "label": STRING,
        "members": {
            "type": "integer",
            "minimum": MIN_MEMBERS,
            "description": "Distinct members whose published experiences report it.",
        },
    },
    "One figure: never below min_members, and never naming a member.",
)
TAG_REPORTS = closed(
    {
        "tag": SLUG,
        "min_members": {"type": "integer", "const": MIN_MEMBERS},
        "changes": {
            "type": "array",
            "items": ref("ReportFigure"),
            "description": "Started, stopped or switched medication; value is "
            "'started:<medication>', 'stopped:<medication>' or 'switched:<from>:<to>'.",
        },
        "side_effects": {"type": "array", "items": ref("ReportFigure")},
        "outcomes": {"type": "array", "items": ref("ReportFigure")},
    },
    "What members report in a tag, most members first.",
)
POST_DETAIL = closed(
    {
        **POST_PROPERTIES,
        "body_html": HTML,
        "reviewed_by": {
            **nullable(ref("Author")),
            "description": "The verified provider who last reviewed an article; null otherwise.",
        },
        "last_reviewed_at": {
            **nullable(DATE_TIME),
            "description": "When an article was last medically reviewed; null otherwise.",
        },
        "references": {
            "type": "array",
            "items": ref("Reference"),
            "maxItems": MAX_REFERENCES,
            "description": "An article's sources in their numbered order; empty for other posts.",
        },
        "review_due": {
            **nullable({"type": "string", "format": "date"}),
            "description": "When a published article is due for its next medical review: the "
            "date its author chose, or 12 months after its last review or publication; null "
            "for other posts.",
        },
    },
    optional={"facts": ref("ExperienceFacts")},
)
TAG_PROPERTIES = {
    "slug": STRING,
    "name": STRING,
    "kind": {"type": "string", "enum": list(TAG_KINDS)},
    "post_count": {**COUNT, "description": "Published posts with this tag."},
}
TAG_DETAIL = closed(
    {**TAG_PROPERTIES, "description_html": HTML, "synonyms": {"type": "array", "items": STRING}}
)
AUTHOR_PROFILE = closed(
    {
        **AUTHOR["properties"],
        "credentials": {
            **nullable(STRING),
            "description": "Shown for verified providers only; null otherwise.",
        },
        "specialty": {
            **nullable(STRING),
            "description": "Shown for verified providers only; null otherwise.",
        },
        "bio_html": HTML,
        "member_since": {"type": "string", "format": "date"},
        "post_count": {**COUNT, "description": "Published posts by this author."},
    }
)
ERROR = closed(
    {
        "error": {"type": "string", "description": "A short title for the status."},
        "message": {"type": "string", "description": "What was wrong, for a person to read."},
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
    },
    "Every error of the API.",
    optional={
        "correlation_id": {
            "type": "string",
            "description": "Only on 500 responses: quote it when reporting the problem.",
        }
    },
)
SEARCH_HIT = closed(
    {
        "id": POST_PROPERTIES["id"],
        "title": STRING,
        "url": POST_PROPERTIES["url"],
        "snippet": {
            "type": "string",
            "description": "Escaped text of the post with matches wrapped in <mark>.",
        },
        "author": ref("Author"),
        "tags": POST_PROPERTIES["tags"],
        "kind": POST_PROPERTIES["kind"],
        "published_at": DATE_TIME,
    }
)
SEARCH_RESULTS = closed(
    {
        "total": COUNT,
        "total_is_estimate": {
            "type": "boolean",
            "description": "True when a very common query's total was estimated, not counted.",
        },
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "suggestion": {
            **nullable(STRING),
            "description": "A respelling of the query that would find more, if any.",
        },
        "results": {"type": "array", "items": ref("SearchHit")},
    }
)


def page_of(item: str) -> dict:
    return closed(
        {
            "results": {"type": "array", "items": ref(item), "maxItems": MAX_PER_PAGE},
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": COUNT,
            "next": {
                **nullable(PATH),
                "description": "Root-relative URL of the next page, or null on the last page.",
            },
        },
        f"One page of {item} objects.",
    )


def query(name: str, schema: dict, description: str, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


def path_param(name: str, schema: dict, description: str, example) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
        "example": example,
    }


def enum_or_empty(values: tuple[str, ...]) -> dict:
    return {"type": "string", "enum": ["", *values]}


PARAMETERS = {
    "page": query(
        "page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        "Page number, from 1. A page past the last is empty.",
    ),
    "per_page": query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        "Items per page.",
    ),
    "post_kind": query("kind", enum_or_empty(POST_KINDS), "Only posts of this kind."),
    "answered": query(
        "answered",
        enum_or_empty(("yes", "no")),
        "Only questions, answered (yes) or still waiting for an answer (no). Any other value "
        "is a 400.",
    ),
    "tag_kind": query("kind", enum_or_empty(TAG_KINDS), "Only tags of this kind."),
    "tag": query(
        "tag",
        or_empty(SLUG),
        "Only posts with this tag (a slug). An unknown tag is a 400.",
        example="azathioprine",
    ),
    "author": query(
        "author",
        or_empty(USERNAME),
        "Only posts by this author (a username). An unknown author, or a member with no "
        "public profile, is a 400.",
        example="dr-okafor",
    ),
}


def param_ref(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def error_response(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": ref("Error")}}}


CORS_HEADER = {
    "Access-Control-Allow-Origin": {
        "description": "Any origin may read the API.",
        "required": True,
        "schema": {"type": "string", "const": "*"},
    }
}


def ok(schema: dict, description: str) -> dict:
    return {
        "description": description,
        "headers": CORS_HEADER,
        "content": {JSON: {"schema": schema}},
    }


ETAG_HEADER = {
    "ETag": {
        "description": "A hash of the body; send it back in If-None-Match to get a 304.",
        "required": True,
        "schema": {"type": "string"},
    }
}


def conditional(responses: dict) -> dict:
    """Responses of a read that answers If-None-Match: an ETag on the 200, and the 304."""
    answered = responses["200"]
    return {
        **responses,
        "200": {**answered, "headers": {**answered["headers"], **ETAG_HEADER}},
        "304": response_ref("NotModified"),
    }


RESPONSES = {
    "NotModified": {"description": "The ETag sent in If-None-Match is still current; no body."},
    "BadRequest": error_response("A parameter is invalid; the message says which and why."),
    "NotFound": error_response("Nothing published by that name or id."),
    "Unavailable": error_response("Search is unavailable while its index is repaired."),
}


def response_ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def operation(operation_id: str, summary: str, parameters: list, responses: dict) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "responses": responses,
        }
    }


PATHS = {
    "/api/v1/posts": operation(
        "listPosts",
        "Published posts, newest first",
        [
            param_ref(name)
            for name in ("tag", "author", "post_kind", "answered", "page", "per_page")
        ],
        conditional(
            {
                "200": ok(ref("PostList"), "One page of posts."),
                "400": response_ref("BadRequest"),
            }
        ),
    ),
    "/api/v1/posts/{post_id}": operation(
        "getPost",
        "One published post with its body",
        [
            path_param(
                "post_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "Post id.", 1
            )
        ],
        conditional({"200": ok(ref("PostDetail"), "The post."), "404": response_ref("NotFound")}),
    ),
    "/api/v1/tags": operation(
        "listTags",
        "Tags by name, each with its count of published posts",
        [param_ref(name) for name in ("tag_kind", "page", "per_page")],
        conditional(
            {"200": ok(ref("TagList"), "One page of tags."), "400": response_ref("BadRequest")}
        ),
    ),
    "/api/v1/tags/{slug}": operation(
        "getTag",
        "One tag with its description and synonyms",
        [path_param("slug", SLUG, "Tag slug.", "azathioprine")],
        conditional({"200": ok(ref("TagDetail"), "The tag."), "404": response_ref("NotFound")}),
    ),
    "/api/v1/tags/{slug}/reports": operation(
        "getTagReports",
        "What members report in a tag: figures behind which at least min_members members stand",
        [path_param("slug", SLUG, "Tag slug.", "azathioprine")],
        conditional(
            {"200": ok(ref("TagReports"), "The figures."), "404": response_ref("NotFound")}
        ),
    ),
    "/api/v1/authors/{username}": operation(
        "getAuthor",
        "An author's public profile",
        [
            path_param(
                "username",
                USERNAME,
                "Username. Members who have published nothing have no public profile (404).",
                "dr-okafor",
            )
        ],
        conditional(
            {"200": ok(ref("AuthorProfile"), "The profile."), "404": response_ref("NotFound")}
        ),
    ),
    "/api/v1/search": operation(
        "search",
        "Full-text search of published posts",
        [
            query(
                "q",
                {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                'Words, "phrases" and -exclusions. Empty finds nothing.',
                example="missed dose",
            ),
            param_ref("tag"),
            param_ref("post_kind"),
            query("role", enum_or_empty(ROLES), "Only posts by authors with this role."),
            query("sort", enum_or_empty(SORTS), "Order of results (relevance by default)."),
            query(
                "page",
                {"type": "integer", "minimum": 1, "maximum": SEARCH_MAX_PAGE, "default": 1},
                "Page number, from 1.",
            ),
            query(
                "per_page",
                {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": SEARCH_PER_PAGE,
                },
                "Results per page.",
            ),
        ],
        {
            "200": ok(ref("SearchResults"), "One page of results."),
            "400": response_ref("BadRequest"),
            "503": response_ref("Unavailable"),
        },
    ),
    "/api/v1/openapi.json": operation(
        "getOpenApi",
        "This document",
        [],
        {"200": ok({"type": "object"}, "The OpenAPI 3.1 description of the API.")},
    ),
}

DESCRIPTION = """\
Read-only JSON API of the community: published posts, tags, public author profiles and search.
Only published content is ever listed or shown; anything else is answered as if it did not exist.

Lists share one shape: `results`, `page`, `per_page`, `total` and `next`, the root-relative URL
of the next page (null on the last). Errors are JSON objects with `error`, `message` and
`status`. Any origin may read the API (`Access-Control-Allow-Origin: *`); only GET (and HEAD)
are allowed, other methods are answered 405.
"""


@cache
def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Azathioprine community API",
            "version": VERSION,
            "description": DESCRIPTION,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "paths": PATHS,
        "components": {
            "schemas": {
                "Author": AUTHOR,
                "AuthorProfile": AUTHOR_PROFILE,
                "Post": closed(POST_PROPERTIES),
                "PostDetail": POST_DETAIL,
                "Reference": REFERENCE,
                "PostList": page_of("Post"),
                "Tag": closed(TAG_PROPERTIES),
                "TagDetail": TAG_DETAIL,
                "TagList": page_of("Tag"),
                "TagReports": TAG_REPORTS,
                "ReportFigure": FIGURE,
                "ExperienceFacts": FACTS,
                "SearchHit": SEARCH_HIT,
                "SearchResults": SEARCH_RESULTS,
                "Error": ERROR,
            },
            "parameters": PARAMETERS,
            "responses": RESPONSES,
        },
    }
