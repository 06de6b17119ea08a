"""Server time of submitting and approving a post, and of the moderation queue page.

Run: `.venv/bin/python bench/moderation.py [--posts 10000] [--runs 200] [--baseline REV]`.
Works on a temporary SQLite database with the demo content plus N MedQuAD posts imported,
through the Flask test client in one process (so the times are the server's own, without
network or a load generator). Baseline in the same run: `GET /healthz`, the cheapest route of
the same app. With `--baseline REV` the same measures run on the code of git revision REV
(exported to a temporary folder) and on the working tree, each in a process of its own, taking
turns for `--rounds` rounds, and the table compares the two: what a change added to each
measure. `--clock cpu` times the process's CPU instead of the wall clock (steadier on a busy
machine).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench import medquad  # noqa: E402
from bench.medquad import posts as medquad_posts  # noqa: E402
from bench.medquad import records as medquad_records  # noqa: E402

TARGETS_MS = {
    "submit post": 20.0,
    "submit post (50,000 chars)": 60.0,
    "approve post": 20.0,
    "queue (500 pending)": 50.0,
}
# what a change may add to a measure's p95 (issue 8: the write gate and the new screening)
ADDED_P95_MS = {"submit post": 2.0, "submit post (50,000 chars)": 5.0}
LONG_BODY = 50_000
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
CLOCK_WORDS = {"wall": "server ms through the test client", "cpu": "CPU ms of the process"}
clock = CLOCKS["wall"]
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(call) -> tuple[float, object]:
    start = clock()
    result = call()
    return (clock() - start) * 1000, result


def csrf(client, url: str) -> str:
    return CSRF.search(client.get(url).get_data(as_text=True)).group(1)


def build_app(workdir: Path):
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
            "SEARCH_INDEX_DIR": str(workdir / "index"),
            "SECRET_KEY": secrets.token_hex(32),
            "PAGE_CACHE": "off",
            "RATELIMIT_ENABLED": "off",
            "SITE_URL": "http://localhost",  # the test client's Host
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
    for number, body in enumerate(long_bodies(max(10, runs // 4))):
        data = {
            "csrf_token": token_a,
            "title": f"Bench long experience number {number}",
            "body": body,
            "kind": "experience",
            "tags": "azathioprine",
        }
        elapsed, response = timed(lambda data=data: author.post("/posts/new", data=data))
        assert response.status_code == 302, response.status_code
        results["submit post (50,000 chars)"].append(elapsed)
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


def long_bodies(count: int) -> list[str]:
    """Bodies of exactly LONG_BODY characters of real consumer-health text, each different."""
    answers = [record["answer"] for record in medquad_records()]
    bodies = []
    for number in range(count):
        parts, size, index = [f"Long account number {number}."], 0, number * 37
        while size < LONG_BODY:
            answer = answers[index % len(answers)]
            parts.append(answer)
            size += len(answer) + 2
            index += 1
        bodies.append("\n\n".join(parts)[: LONG_BODY - 1] + ".")
    return bodies


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


def summary(values: list[float]) -> dict[str, float]:
    return {"runs": len(values), "p50": statistics.median(values), "p95": percentile(values, 0.95)}


def export_revision(revision: str, folder: Path) -> Path:
    """The code of a git revision, in a folder of its own."""
    code = folder / "code"
    code.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", revision],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    return code


def run_child(code_root: Path, output: Path, args) -> dict[str, list[float]]:
    """The measures on the code under code_root, in a process of its own."""
    command = [sys.executable, str(Path(__file__).resolve()), "--code-root", str(code_root)]
    command += ["--posts", str(args.posts), "--runs", str(args.runs), "--json", str(output)]
    command += ["--clock", args.clock]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return json.loads(output.read_text())


def compare(args) -> None:
    """Before and after take turns for --rounds rounds; each side's samples are pooled."""
    before: dict[str, list[float]] = {}
    after: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-moderation-") as folder:
        code = export_revision(args.baseline, Path(folder))
        for number in range(args.rounds):
            print(f"round {number + 1} of {args.rounds}", file=sys.stderr)
            for side, root in ((before, code), (after, REPO_ROOT)):
                for name, values in run_child(root, Path(folder) / "out.json", args).items():
                    side.setdefault(name, []).extend(values)
    print(f"before: {args.baseline}   after: the working tree   ({CLOCK_WORDS[args.clock]})")
    report_comparison(
        {name: summary(values) for name, values in before.items()},
        {name: summary(values) for name, values in after.items()},
    )


def report_comparison(before: dict, after: dict) -> None:
    print(
        f"{'measure':<28}{'runs':>6}{'p50 before':>12}{'p50 after':>11}{'p95 before':>12}"
        f"{'p95 after':>11}{'added p95':>11}{'allowed':>9}  verdict"
    )
    for name, now in after.items():
        then = before.get(name)
        added = now["p95"] - then["p95"] if then else None
        allowed = ADDED_P95_MS.get(name)
        if allowed is not None:
            verdict = "ok" if added is not None and added <= allowed else "over"
        elif name in TARGETS_MS:
            verdict = "ok" if now["p95"] <= TARGETS_MS[name] else "over"
        else:
            verdict = "baseline"
        print(
            f"{name:<28}{now['runs']:>6}{_ms(then, 'p50'):>12}{now['p50']:>11.2f}"
            f"{_ms(then, 'p95'):>12}{now['p95']:>11.2f}"
            f"{'-' if added is None else f'{added:+.2f}':>11}"
            f"{'-' if allowed is None else f'<= {allowed:.0f}':>9}  {verdict}"
        )


def _ms(values: dict | None, key: str) -> str:
    return "-" if values is None else f"{values[key]:.2f}"


def report(results: dict[str, list[float]]) -> None:
    print(f"{'measure':<28}{'runs':>6}{'p50 ms':>9}{'p95 ms':>9}{'target':>10}  verdict")
    for name, values in results.items():
        p95 = percentile(values, 0.95)
        target = TARGETS_MS.get(name)
        verdict = "baseline" if target is None else ("ok" if p95 <= target else "over")
        target_text = "-" if target is None else f"<= {target:.0f}"
        print(
            f"{name:<28}{len(values):>6}{statistics.median(values):>9.2f}{p95:>9.2f}"
            f"{target_text:>10}  {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--baseline", metavar="REV", help="also measure this git revision")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each side with --baseline")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument("--code-root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    medquad.add_option(parser)
    args = parser.parse_args()
    medquad.use(args.medquad)
    global clock
    clock = CLOCKS[args.clock]
    if args.baseline:
        compare(args)
        return
    if args.code_root:
        sys.path.insert(0, str(args.code_root.resolve()))
    with tempfile.TemporaryDirectory(prefix="bench-moderation-") as folder:
        app = build_app(Path(folder))
        load_content(app, args.posts)
        results = measure(app, args.runs)
    if args.json:
        args.json.write_text(json.dumps(results))
    report(results)


if __name__ == "__main__":
    main()
