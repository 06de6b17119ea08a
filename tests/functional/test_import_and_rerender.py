import json
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Post
from app.posts.importer import import_records
from app.search import get_backend
from app.search.outbox import apply_pending, ensure_index
from tests.conftest import make_user
from tests.helpers import make_post, make_tag


def line(**changes) -> str:
    data = {
        "external_id": "ext-1",
        "title": "Imported about Imuran",
        "body": "Body with **bold** and <script>alert(1)</script>",
        "kind": "question",
        "tags": ["azathioprine"],
        "author": "importer",
        "published_at": "2025-03-01T10:00:00+00:00",
    }
    data.update(changes)
    return json.dumps(data)


def test_import_validates_each_line_and_is_idempotent(runner, app, tmp_path):
    make_user("importer")
    make_tag("azathioprine", "medication")
    db.session.commit()
    source = tmp_path / "posts.jsonl"
    source.write_text(
        "\n".join(
            [
                line(),
                "{not json",
                line(external_id="ext-2", kind="poem"),
                line(external_id="ext-3", tags=["nope"]),
                line(external_id="ext-4", author="ghost"),
                line(external_id="ext-5", published_at="yesterday"),
                line(external_id="ext-6", published_at="2025-03-01T10:00:00"),
                json.dumps({"external_id": "ext-7"}),
                "",
                line(external_id="ext-8", title="Second good one"),
                line(external_id="ext-9", tags=["azathioprine\x00"]),
            ]
        )
        + "\n"
    )
    result = runner.invoke(args=["posts", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 posts; 0 already there; 8 bad lines skipped." in result.output
    for number, message in [
        (2, "not valid JSON"),
        (3, "kind must be one of"),
        (4, "unknown tags: nope"),
        (5, "unknown author 'ghost'"),
        (6, "ISO 8601"),
        (7, "needs a timezone"),
        (8, "missing title"),
        (11, "NUL characters"),
    ]:
        assert re.search(rf"^line {number}: .*{re.escape(message)}", result.output, re.M)
    posts = db.session.scalars(select(Post).order_by(Post.id)).all()
    assert [p.status for p in posts] == ["published", "published"]
    assert "<script" not in posts[0].body_html and "<strong>bold</strong>" in posts[0].body_html
    assert posts[0].published_at.isoformat() == "2025-03-01T10:00:00+00:00"
    backend = get_backend(app)
    ensure_index(backend)
    apply_pending(backend)
    assert backend.doc_count() == 2

    again = runner.invoke(args=["posts", "import", str(source)])
    assert "Imported 0 posts; 2 already there" in again.output
    assert db.session.scalar(select(func.count(Post.id))) == 2


def test_an_imported_post_names_its_medical_reviewer(app):
    author = make_user("importer", "provider", verification_state="verified")
    reviewer = make_user("reviewer", "provider", verification_state="verified")
    make_user("member")
    make_tag("azathioprine", "medication")
    db.session.commit()
    records = [
        json.loads(line(reviewed_by="Reviewer")),
        json.loads(line(external_id="ext-2", reviewed_by="member")),
        json.loads(line(external_id="ext-3", reviewed_by="importer")),
        json.loads(line(external_id="ext-4", reviewed_by=7)),
        json.loads(line(external_id="ext-5", reviewed_by="reviewer\x00")),
    ]
    report = import_records(enumerate(records, start=1))
    assert report.created == 1
    errors = dict(report.errors)
    assert "not a verified provider" in errors[2]
    assert "other than its author" in errors[3]
    assert "must be the username of a verified provider" in errors[4]
    assert errors[5] == errors[4]
    post = db.session.scalars(select(Post)).one()
    assert (post.author_id, post.reviewed_by_id) == (author.id, reviewer.id)
    assert post.last_reviewed_at == post.published_at


def test_rerender_updates_outdated_html_only(runner, app):
    post = make_post(make_user("old_writer"), body="Some *old* text here for rendering")
    post.body_html = "<p>stale</p>"
    post.markup_version = 0
    current = make_post(make_user("new_writer"), title="Current version post")
    current.body_html = "<p>kept as is</p>"
    db.session.commit()
    result = runner.invoke(args=["content", "rerender"])
    assert result.exit_code == 0, result.output
    assert "1 posts" in result.output
    db.session.expire_all()
    assert (
        db.session.get(Post, post.id).body_html.strip()
        == "<p>Some <em>old</em> text here for rendering</p>"
    )
    assert db.session.get(Post, current.id).body_html == "<p>kept as is</p>"


def test_an_import_leaves_fresh_planner_statistics(runner, app, tmp_path):
    make_user("importer")
    make_tag("azathioprine", "medication")
    db.session.commit()
    source = tmp_path / "posts.jsonl"
    source.write_text(line() + "\n")
    assert runner.invoke(args=["posts", "import", str(source)]).exit_code == 0
    if db.engine.dialect.name == "sqlite":
        analyzed = db.session.scalar(
            db.text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'posts'")
        )
    else:
        analyzed = db.session.scalar(
            db.text(
                "SELECT count(*) FROM pg_stat_user_tables "
                "WHERE relname = 'posts' AND last_analyze IS NOT NULL"
            )
        )
    assert analyzed > 0
