"""Server time of submitting and approving a post, and of the moderation queue page.

Run: `.venv/bin/python bench/moderation.py [--posts 10000] [--runs 200]`. Works on a temporary
SQLite database with the demo content plus N MedQuAD posts imported, through the Flask test
client in one process (so the times are the server's own, without network or a load
generator). Baseline in the same run: `GET /healthz`, the cheapest route of the same app.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.medquad import posts as medquad_posts  # noqa: E402

TARGETS_MS = {"submit post": 20.0, "approve post": 20.0, "queue (500 pending)": 50.0}
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def csrf(client, url: str) -> str:
    return CSRF.search(client.get(url).get_data(as_text=True)).group(1)


def build_app(workdir: Path):
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
            "SEARCH_INDEX_DIR": str(workdir / "index"),
            "SECRET_KEY": secrets.token_hex(32),
            "PAGE_CACHE": "off",
            "RATELIMIT_ENABLED": "off",  # one member submits hundreds of posts
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


def load_content(app, count: int) -> None:
    from app.auth.services import create_account
    from app.demo.loader import seed_demo
    from app.extensions import db
    from app.posts.importer import import_posts

    with app.app_context():
        seed_demo()
        for name, role in (("bench_mod", "moderator"), ("bench_new", "patient")):
            create_account(
                email=f"{name}@example.org",
                username=name,
                role=role,
                password="bench password 123",
                consented=True,
            )
        db.session.commit()
        lines = (
            json.dumps(p)
            for p in medquad_posts(
                count, ["azathioprine", "lupus", "blood-tests"], ["liverlearner", "dr-okafor"]
            )
        )
        started = time.perf_counter()
        report = import_posts(lines)
        print(
            f"imported {report.created} posts in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )


def sign_in(client, email: str) -> None:
    response = client.post(
        "/auth/login",
        data={
            "csrf_token": csrf(client, "/auth/login"),
            "email": email,
            "password": "bench password 123",
        },
    )
    assert response.status_code == 302, response.status_code


def measure(app, runs: int) -> dict[str, list[float]]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Post

    author, moderator = app.test_client(), app.test_client()
    sign_in(author, "bench_new@example.org")
    sign_in(moderator, "bench_mod@example.org")
    token_a, token_m = csrf(author, "/posts/new"), csrf(moderator, "/moderation/log")
    results: dict[str, list[float]] = {name: [] for name in ("baseline GET /healthz", *TARGETS_MS)}
    for number in range(runs):
        results["baseline GET /healthz"].append(timed(lambda: author.get("/healthz"))[0])
        data = {
            "csrf_token": token_a,
            "title": f"Bench question number {number}",
            "body": f"Does anyone else take azathioprine 50 mg? Run {number} " * 3,
            "kind": "question",
            "tags": "azathioprine, blood-tests",
        }
        elapsed, response = timed(lambda data=data: author.post("/posts/new", data=data))
        assert response.status_code == 302, response.status_code
        results["submit post"].append(elapsed)
    with app.app_context():
        pending = db.session.scalars(
            select(Post.id).where(Post.status == "pending").order_by(Post.id)
        ).all()
    for post_id in pending[: runs // 2]:
        url = f"/moderation/posts/{post_id}/approve"
        elapsed, response = timed(lambda url=url: moderator.post(url, data={"csrf_token": token_m}))
        assert response.status_code == 302, response.status_code
        results["approve post"].append(elapsed)
    add_pending_until(app, author, token_a, 500)
    for _ in range(20):
        elapsed, response = timed(lambda: moderator.get("/moderation/"))
        assert response.status_code == 200
        results["queue (500 pending)"].append(elapsed)
    return results


def add_pending_until(app, author, token: str, wanted: int) -> None:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Post

    with app.app_context():
        have = db.session.scalar(select(func.count()).where(Post.status == "pending"))
    for number in range(have, wanted):
        author.post(
            "/posts/new",
            data={
                "csrf_token": token,
                "title": f"Queue filler {number}",
                "body": f"Waiting for review, number {number}, ALT 45 U/L.",
                "kind": "experience",
                "tags": "azathioprine",
            },
        )


def report(results: dict[str, list[float]]) -> None:
    print(f"{'measure':<24}{'runs':>6}{'p50 ms':>9}{'p95 ms':>9}{'target':>10}  verdict")
    for name, values in results.items():
        p95 = percentile(values, 0.95)
        target = TARGETS_MS.get(name)
        verdict = "baseline" if target is None else ("ok" if p95 <= target else "over")
        target_text = "-" if target is None else f"<= {target:.0f}"
        print(
            f"{name:<24}{len(values):>6}{statistics.median(values):>9.2f}{p95:>9.2f}"
            f"{target_text:>10}  {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-moderation-") as folder:
        app = build_app(Path(folder))
        load_content(app, args.posts)
        report(measure(app, args.runs))


if __name__ == "__main__":
    main()
