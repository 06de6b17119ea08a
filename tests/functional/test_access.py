"""Role x endpoint x owner: who may use each route. Every route must be listed here."""

import pytest

from app.extensions import db
from app.models import Comment, ProfileChange
from tests.helpers import csrf_from, make_post, make_tag, sign_in

ROLES = ("anonymous", "owner", "other_patient", "provider", "moderator")
PUBLIC = {
    "main.home",
    "main.search",
    "main.healthz",
    "main.readyz",
    "tags.index",
    "tags.show",
    "posts.show",
    "authors.show",
    "auth.register",
    "auth.confirm_registration",
    "auth.login",
    "auth.reset_request",
    "auth.reset",
    "static",
    "api.search",
    "api.list_posts",
    "api.show_post",
    "api.list_tags",
    "api.show_tag",
    "api.tag_reports",
    "api.show_author",
    "api.openapi",
    "feeds.latest",
    "feeds.tag",
    "feeds.author",
    "feeds.sitemap",
    "feeds.post_sitemap",
    "feeds.robots",
    "mailings.unsubscribe_link",  # a signed token is the credential (test_email_digests.py)
}
SIGNED_IN = {
    "posts.new",
    "account.my_posts",
    "account.notifications",
    "account.mark_read",
    "account.provider",
    "account.profile",
    "account.handle",
    "engagement.bookmark",
    "engagement.follow_tag",
    "engagement.saved",
    "engagement.feed",
    "auth.logout",
    "auth.change_password",
    "account.export",
    "account.delete_account",
    "mailings.settings",
}
MODERATORS = {
    "moderation.queue",
    "moderation.act_on_post",
    "moderation.act_on_comment",
    "moderation.dismiss_post_flags",
    "moderation.dismiss_comment_flags",
    "moderation.log",
    "moderation.overdue_articles",
    "moderation.member",
    "moderation.unsuspend",
    "moderation.decide_provider",
    "moderation.decide_profile_change",
    "tags.new",
    "tags.edit",
}
OWNER_OR_MODERATOR = {"posts.history"}
OWNER = {"posts.edit", "posts.withdraw", "posts.withdraw_comment", "answers.accept"}
SIGNED_IN_NOT_OWNER = {
    "posts.flag_post",
    "posts.flag_comment",
    "posts.comment",
    "engagement.helpful",
    "engagement.follow_author",
}
VERIFIED_PROVIDERS = {"posts.review", "answers.provider_questions"}
MODERATORS_OR_VERIFIED_PROVIDERS = {"moderation.search_insights"}


def test_every_route_is_classified(app):
    classified = (
        PUBLIC
        | SIGNED_IN
        | MODERATORS
        | OWNER_OR_MODERATOR
        | OWNER
        | SIGNED_IN_NOT_OWNER
        | VERIFIED_PROVIDERS
        | MODERATORS_OR_VERIFIED_PROVIDERS
    )
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - classified == set(), "classify new routes in this test"


@pytest.fixture
def world(app, users):
    post = make_post(users["patient"], title="Owned by the patient")
    pending = make_post(users["patient"], title="Pending one", status="pending")
    comment = Comment(
        post_id=post.id,
        author_id=users["patient"].id,
        body_source="mine",
        body_html="<p>mine</p>",
        markup_version=1,
        status="published",
    )
    db.session.add(comment)
    change = ProfileChange(user_id=users["patient"].id, bio_source="new", bio_html="<p>new</p>")
    db.session.add(change)
    make_tag("matrix-topic")
    db.session.commit()
    return {"post": post, "pending": pending, "comment": comment, "profile_change": change}


def requests_for(world):
    post, pending, comment = world["post"], world["pending"], world["comment"]
    return [
        ("GET", "/posts/new", "signed_in"),
        ("GET", "/me/posts", "signed_in"),
        ("GET", "/me/notifications", "signed_in"),
        ("GET", "/me/provider", "signed_in"),
        ("GET", "/me/profile", "signed_in"),
        ("GET", "/me/handle", "signed_in"),
        ("GET", "/me/saved", "signed_in"),
        ("GET", "/me/feed", "signed_in"),
        ("GET", "/me/email", "signed_in"),
        ("POST", f"/posts/{post.id}/bookmark", "signed_in"),
        ("POST", f"/posts/{post.id}/helpful", "not_owner"),
        ("POST", "/authors/pat/follow", "not_owner"),
        ("GET", f"/posts/{post.id}/edit", "owner"),
        ("POST", f"/posts/comments/{comment.id}/withdraw", "owner"),
        ("GET", f"/posts/{post.id}/history", "owner_or_moderator"),
        ("POST", f"/posts/{post.id}/flag", "not_owner"),
        ("GET", "/moderation/", "moderator"),
        ("GET", "/moderation/log", "moderator"),
        ("GET", "/moderation/overdue-articles", "moderator"),
        ("GET", "/moderation/search-insights", "moderator_or_verified_provider"),
        ("GET", "/moderation/users/pat", "moderator"),
        ("POST", f"/moderation/posts/{pending.id}/approve", "moderator"),
        ("POST", f"/moderation/comments/{comment.id}/hide", "moderator"),
        ("POST", f"/moderation/posts/{post.id}/dismiss-flags", "moderator"),  # flagged above
        ("POST", "/moderation/users/pat/unsuspend", "moderator"),
        ("POST", f"/moderation/profiles/{world['profile_change'].id}/approve", "moderator"),
        ("GET", "/tags/new", "moderator"),
        ("GET", "/tags/matrix-topic/edit", "moderator"),
        ("POST", f"/posts/{post.id}/withdraw", "owner"),
    ]


def expected_ok(rule: str, role: str) -> bool:
    if role == "anonymous":
        return False
    return {
        "signed_in": True,
        "owner": role == "owner",
        "owner_or_moderator": role in ("owner", "moderator"),
        "not_owner": role != "owner",
        "moderator": role == "moderator",
        "moderator_or_verified_provider": role in ("moderator", "provider"),
    }[rule]


ACCOUNTS = {
    "owner": "pat@example.org",
    "other_patient": "other@example.org",
    "provider": "prov@example.org",
    "moderator": "modi@example.org",
}


@pytest.mark.parametrize("role", ROLES)
def test_role_endpoint_owner_matrix(client, world, role):
    if role != "anonymous":
        sign_in(client, ACCOUNTS[role])
    for method, url, rule in requests_for(world):
        token = (
            csrf_from(client.get(world["post"].path).get_data(as_text=True))
            if role != "anonymous"
            else ""
        )
        data = {"csrf_token": token, "reason": "spam", "note": "", "body": "x" * 30}
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        if role == "anonymous" and method == "POST":
            assert response.status_code == 400, (method, url)
        elif role == "anonymous":
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/auth/login?next="), (method, url)
        elif expected_ok(rule, role):
            assert response.status_code in (200, 302), (role, method, url, response.status_code)
        else:
            assert response.status_code in (400, 403, 404), (
                role,
                method,
                url,
                response.status_code,
            )


def test_state_changing_routes_refuse_requests_without_csrf(client, world, signed_in):
    signed_in("moderator")
    post = world["post"]
    for url in (
        f"/posts/{post.id}/flag",
        f"/moderation/posts/{world['pending'].id}/approve",
        f"/moderation/posts/{post.id}/dismiss-flags",
        "/auth/logout",
        "/auth/register/confirm?token=x",
        "/posts/new",
        f"/posts/{post.id}/comments",
        "/tags/new",
        "/me/email",
    ):
        response = client.post(url, data={"reason": "spam", "title": "x", "body": "y"})
        assert response.status_code == 400, url
        assert "security token" in response.get_data(as_text=True)
