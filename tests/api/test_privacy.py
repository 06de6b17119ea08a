"""Nothing private ever leaves through the API: no emails, licences, suspensions or hashes."""

from app.extensions import db
from app.models import Post, Tag, User

PRIVATE_KEYS = {
    "email",
    "password_hash",
    "license_number",
    "verification_state",
    "verified_by_id",
    "verified_at",
    "suspended_until",
    "suspension_reason",
    "consented_at",
    "session_version",
    "approved_post_count",
    "bio_source",
    "status",
    "status_reason",
    "findings",
    "body_source",
    "external_id",
    "author_id",
    "reviewed_by_id",
}


def every_api_response(client) -> list[str]:
    urls = [
        "/api/v1/posts?per_page=100",
        "/api/v1/tags?per_page=100",
        "/api/v1/search?q=azathioprine",
        "/api/v1/search?q=lupus&per_page=100",
        "/api/v1/openapi.json",
    ]
    urls += [f"/api/v1/posts/{post_id}" for post_id in db.session.scalars(db.select(Post.id))]
    urls += [f"/api/v1/tags/{slug}" for slug in db.session.scalars(db.select(Tag.slug))]
    urls += [f"/api/v1/authors/{name}" for name in db.session.scalars(db.select(User.username))]
    urls += [
        f"/api/v1/posts?author={name}" for name in db.session.scalars(db.select(User.username))
    ]
    return [client.get(url).get_data(as_text=True) for url in urls]


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_of(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_of(item)}
    return set()


def test_no_response_contains_a_private_value(client, community):
    users = db.session.scalars(db.select(User)).all()
    secrets = [user.email for user in users] + [user.password_hash for user in users]
    secrets += ["LIC-REVIEWER-778", "LIC-CLAIMANT-991", "SR-123", "SR-456", "MD (unchecked)"]
    secrets += ["@example.org", "$argon2"]
    bodies = every_api_response(client)
    assert len(bodies) > 30
    for body in bodies:
        for secret in secrets:
            assert secret not in body


def test_no_data_response_has_a_private_field(client, community):
    for url in ("/api/v1/posts?per_page=100", "/api/v1/tags", "/api/v1/search?q=azathioprine"):
        assert keys_of(client.get(url).get_json()) & PRIVATE_KEYS == set(), url
    for username in ("pat", "prov", "claimant", "suspended", "reviewer", "modi"):
        body = client.get(f"/api/v1/authors/{username}").get_json()
        assert keys_of(body) & PRIVATE_KEYS == set(), username
    article = community["published"]["article"]
    assert keys_of(client.get(f"/api/v1/posts/{article.id}").get_json()) & PRIVATE_KEYS == set()
