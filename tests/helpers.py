from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import event

from app.db import utcnow
from app.extensions import db
from app.models import Comment, Tag
from app.posts.services import create_published_post

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no csrf_token field on the page"
    return next(group for group in match.groups() if group)


def post_form(client, page_url: str, data: dict, action_url: str | None = None, **kwargs):
    """Load a form page, then submit it with its CSRF token, as a browser would."""
    page = client.get(page_url)
    token = csrf_from(page.get_data(as_text=True))
    return client.post(action_url or page_url, data={**data, "csrf_token": token}, **kwargs)


def take_mails(app) -> list[EmailMessage]:
    """The messages written to MAIL_FOLDER since the last call (each is read once, then removed)."""
    folder = Path(app.config["MAIL_FOLDER"])
    messages = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        messages.append(message_from_bytes(path.read_bytes(), policy=policy.default))
        path.unlink()
    return messages


def confirmation_link(message: EmailMessage) -> str:
    """The path and query of the link that finishes a registration, from its mail."""
    match = re.search(
        r"https?://[^/\s]+(/auth/register/confirm\?token=[\w-]+)", message.get_content()
    )
    assert match, "no confirmation link in the message"
    return match.group(1)


def choose_password(client, link: str, password: str = PASSWORD, again: str | None = None):
    """Fill in the page a registration link opens: the password, twice, then its button."""
    data = {"password": password, "password_again": password if again is None else again}
    return post_form(client, link, data)


def register_and_confirm(client, app, data: dict, password: str = PASSWORD):
    """Register through the form (no password there), then open the emailed link and choose
    the password on the page it opens."""
    take_mails(app)
    answer = post_form(client, "/auth/register", data)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    (message,) = take_mails(app)
    return choose_password(client, confirmation_link(message), password)


def sign_in(client, email: str, password: str = PASSWORD):
    response = post_form(client, "/auth/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def sign_out(client) -> None:
    page = client.get("/").get_data(as_text=True)
    if "Sign out" in page:
        client.post("/auth/logout", data={"csrf_token": csrf_from(page)})


def make_tag(slug: str, kind: str = "topic", name: str | None = None) -> Tag:
    tag = Tag(
        slug=slug,
        name=name or slug.replace("-", " ").title(),
        kind=kind,
        description_source=f"About {slug}.",
        description_html=f"<p>About {slug}.</p>",
    )
    db.session.add(tag)
    db.session.flush()
    return tag


def make_post(
    author,
    title="A post about azathioprine",
    status="published",
    tags=(),
    kind="experience",
    body="Some **text** about my treatment.",
    days_ago=1,
):
    post = create_published_post(
        author=author,
        kind=kind,
        title=title,
        body=body,
        tags=list(tags),
        published_at=utcnow() - timedelta(days=days_ago),
    )
    post.status = status
    if status != "published":
        post.published_at = None
    db.session.commit()
    return post


def add_comment(post, author, body: str, status: str) -> Comment:
    """A reply in this status, added to the session (the caller commits)."""
    comment = Comment(
        post_id=post.id,
        author_id=author.id,
        body_source=body,
        body_html=f"<p>{body}</p>",
        markup_version=1,
        status=status,
    )
    db.session.add(comment)
    return comment


def statements_of_page(client, url: str) -> list[str]:
    """The SQL statements one rendering of a page ran (never a page cache hit)."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers.get("X-Page-Cache") != "hit"
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements
