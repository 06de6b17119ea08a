"""Time of a weekly digest run: 10,000 members following 3 tags each, written to the file
backend (issue 21's target: at most 60 s), and of a second run (which sends nothing).

Run: `.venv/bin/python bench/digests.py [--members 10000] [--tags 30] [--posts 400]`.
Works on a temporary SQLite database built by the migrations: N members with a weekly digest,
each following 3 of the tags (and a few following an author), and the posts published in the
window spread over the tags. Baseline in the same run: composing and writing the same number
of plain messages with no database work at all, the floor of the file backend.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

TARGET_SECONDS = 60.0
AS_OF = date(2026, 11, 18)


def build_app(workdir: Path):
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
            "SEARCH_INDEX_DIR": str(workdir / "index"),
            "SECRET_KEY": secrets.token_hex(32),
            "SITE_URL": "https://community.example.org",
            "MAIL_BACKEND": "file",
            "MAIL_FOLDER": str(workdir / "mail"),
        }
    )
    from flask_migrate import upgrade

    from app import create_app
    from app.schema import init_migrate

    app = create_app({"INSTANCE_PATH": str(workdir / "instance")})
    init_migrate(app)
    with app.app_context():
        upgrade()
    return app


def load(app, members: int, tag_count: int, posts: int) -> None:
    from sqlalchemy import insert

    from app.extensions import db
    from app.mailings.digests import window_for
    from app.models import EmailSettings, Follow, Tag, User
    from app.posts.services import create_published_post

    rng = random.Random(21)
    window = window_for("weekly", AS_OF)
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"member{n}@example.org",
                    "username": f"member{n}",
                    "display_name": f"Member {n}",
                    "role": "patient",
                }
                for n in range(members)
            ],
        )
        tags = [
            Tag(
                slug=f"topic-{n}",
                name=f"Topic {n}",
                kind="topic",
                description_source="",
                description_html="",
            )
            for n in range(tag_count)
        ]
        db.session.add_all(tags)
        db.session.flush()
        authors = list(db.session.query(User).order_by(User.id).limit(50))
        span = (window.end - window.start).total_seconds()
        for n in range(posts):
            create_published_post(
                author=rng.choice(authors),
                kind="experience",
                title=f"Week post {n} about living with it",
                body="A few lines of text. " * 20,
                tags=rng.sample(tags, 2),
                published_at=window.start + timedelta(seconds=rng.uniform(0, span)),
            )
        user_ids = [n + 1 for n in range(members)]
        db.session.execute(
            insert(EmailSettings),
            [{"user_id": uid, "digest": "weekly", "reply_emails": False} for uid in user_ids],
        )
        follows = [
            {"follower_id": uid, "tag_id": tag.id}
            for uid in user_ids
            for tag in rng.sample(tags, 3)
        ]
        follows += [
            {"follower_id": uid, "author_id": rng.choice(authors).id}
            for uid in rng.sample(user_ids, members // 10)
        ]
        db.session.execute(
            insert(Follow),
            [dict(f, tag_id=f.get("tag_id"), author_id=f.get("author_id")) for f in follows],
        )
        db.session.commit()


def run(app) -> tuple[float, object]:
    from app.extensions import db
    from app.mail import DirectSender
    from app.mailings.digests import send_digests

    with app.app_context():
        start = time.perf_counter()
        with DirectSender(app.config) as sender:
            report = send_digests("weekly", AS_OF, sender.send)
        seconds = time.perf_counter() - start
        db.session.remove()
    return seconds, report


def floor(app, count: int, workdir: Path) -> float:
    """Compose and write `count` messages of a digest's size the same way, with the same
    headers, but no database work and no per-member content."""
    from app.mail import DirectSender, build_bulk_message

    app.config["MAIL_FOLDER"] = str(workdir / "floor")
    body = "* A post title (by a member)\n  https://community.example.org/posts/1\n" * 12
    headers = {
        "List-Unsubscribe": "<https://community.example.org/email/unsubscribe/x>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    with app.app_context(), DirectSender(app.config) as sender:
        start = time.perf_counter()
        for n in range(count):
            message = build_bulk_message(
                f"member{n}@example.org", "Your weekly round-up of new posts", body, headers
            )
            sender.send(message)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=30)
    parser.add_argument("--posts", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-digests-") as folder:
        workdir = Path(folder)
        app = build_app(workdir)
        started = time.perf_counter()
        load(app, args.members, args.tags, args.posts)
        print(
            f"{args.members:,} members with a weekly digest, 3 of {args.tags} tags each; "
            f"{args.posts} posts in the week (loaded in {time.perf_counter() - started:.0f} s); "
            f"SQLite, file backend\n"
        )
        first_seconds, first = run(app)
        written = len(list((workdir / "mail").glob("*.eml")))
        second_seconds, second = run(app)
        written_again = len(list((workdir / "mail").glob("*.eml"))) - written
        floor_seconds = floor(app, written, workdir)
        rows = [
            ("weekly run", first_seconds, written, f"{first.sent} sent"),
            ("second run", second_seconds, written_again, f"{second.already_done} already done"),
            ("baseline: same messages", floor_seconds, written, "no database, one body"),
        ]
        print(f"{'measure':<28} {'seconds':>8} {'messages':>9}  note")
        for name, seconds, count, note in rows:
            print(f"{name:<28} {seconds:>8.1f} {count:>9,}  {note}")
        verdict = "meets" if first_seconds <= TARGET_SECONDS else "MISSES"
        print(
            f"\nweekly run {verdict} the {TARGET_SECONDS:.0f} s target "
            f"({first_seconds / max(written, 1) * 1000:.2f} ms a message)"
        )
        assert datetime.now(UTC)  # the clock the windows use is UTC


if __name__ == "__main__":
    main()
