"""What the "What members report" box costs a tag page (issue 21).

Run: `.venv/bin/python bench/experiences.py [--posts 100000] [--runs 60] [--clock cpu|wall]`.

Builds a SQLite site of N posts (half experiences, a fifth of those with structured facts,
5,000 members, 12 tags of very different sizes) with bulk inserts, and keeps the database
file under the system's temporary folder, keyed by a hash of the schema and the dataset's
shape, so the next run starts at once. Then renders tag pages through the Flask test client
with the page cache off (the server's own time, no network), taking turns per run:

- no box: the tag page without the box (its figures switched off in this process);
- box: the page with the box, its figures kept at the current content version;
- "changed": the same two with the content version bumped before each render, so every
  render with the box counts the figures again (the first render after a publish, hide or
  erasure).

Each is timed for the largest tag and a middle-sized one, and compared with the baseline of
the same tag in the same run. The target: with the box, within 1.2x of the baseline.
A change (here a bump of the content version, as every publish, hide or erasure does) costs
every page something of its own on SQLite, which drops its page cache when another connection
writes, so the box's first render after a change is compared with the page without the box
after the same change.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

TARGET_RATIO = 1.2
MEMBERS = 5_000
TAG_SLUGS = (
    "azathioprine",
    "autoimmune-hepatitis",
    "blood-tests",
    "side-effects",
    "mycophenolate",
    "pregnancy",
    "diet",
    "tpmt",
    "liver-biopsy",
    "steroids",
    "travel",
    "mental-health",
)
KINDS = ("experience",) * 10 + ("question",) * 7 + ("article",) * 3
HIDDEN_STATES = ("pending", "hidden", "removed")
FACT_SHARE = 0.2
SEED = 21
DATASET_VERSION = "2"
BATCH = 5_000


def schema_hash(posts: int) -> str:
    """The models' DDL and the dataset's shape: a change to either builds a new database."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    from app.db import Base

    dialect = sqlite.dialect()
    ddl = []
    for table in Base.metadata.sorted_tables:
        ddl.append(str(CreateTable(table).compile(dialect=dialect)))
        indexes = sorted(table.indexes, key=lambda index: index.name or "")
        ddl += [str(CreateIndex(index).compile(dialect=dialect)) for index in indexes]
    shape = f"{DATASET_VERSION}|{posts}|{MEMBERS}|{TAG_SLUGS}|{KINDS}|{FACT_SHARE}|{SEED}"
    return hashlib.sha256("\n".join([*ddl, shape]).encode()).hexdigest()[:16]


def make_app(database: Path):
    from app import create_app
    from app.search.wiring import CHECKED_KEY

    instance = database.parent / "instance"
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench-" + "x" * 40,
            "PAGE_CACHE": False,
            "RATELIMIT_ENABLED": False,
            "SEARCH_BACKEND": "whoosh",
            "SITE_URL": "http://localhost",
        }
    )
    app.extensions[CHECKED_KEY] = True  # nothing here searches: no index to check
    return app


def pick_tags(rng: random.Random) -> list[int]:
    """One to three tags; the first tags far more often than the last (ids are 1-based)."""
    weights = [1 / (rank + 1) for rank in range(len(TAG_SLUGS))]
    chosen = set(rng.choices(range(1, len(TAG_SLUGS) + 1), weights=weights, k=rng.randint(1, 3)))
    return sorted(chosen)


def random_facts(rng: random.Random):
    from app.experiences import facts as vocabulary

    medications = list(vocabulary.MEDICATIONS)
    medication = rng.choice(medications[:4])
    change = rng.choice([*vocabulary.CHANGES, None])
    switched_to = None
    if change == "switched":
        switched_to = rng.choice([m for m in medications[:4] if m != medication])
    effects = rng.sample(list(vocabulary.SIDE_EFFECTS), k=rng.randint(0, 3))
    return vocabulary.Facts(
        medication=medication,
        change=change,
        switched_to=switched_to,
        dose_band=rng.choice([*vocabulary.DOSE_BANDS, None]),
        duration=rng.choice([*vocabulary.DURATIONS, None]),
        outcome=rng.choice([*vocabulary.OUTCOMES, None]),
        side_effects=tuple(e for e in vocabulary.SIDE_EFFECTS if e in effects),
    )


def build(database: Path, posts: int) -> None:
    from sqlalchemy import insert, text

    from app.experiences.facts import SINGLE_FIELDS
    from app.extensions import db
    from app.models import (
        ExperienceFact,
        ExperienceSideEffect,
        Post,
        SiteState,
        Tag,
        User,
        experience_report_rows,
        post_tags,
    )

    rng = random.Random(SEED)
    app = make_app(database)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with app.app_context():
        db.create_all()
        connection = db.session.connection()
        connection.execute(
            insert(User),
            [
                {
                    "id": n,
                    "email": f"member{n}@example.org",
                    "username": f"member{n}",
                    "display_name": f"Member {n}",
                    "role": "provider" if n % 50 == 0 else "patient",
                    "verification_state": "verified" if n % 50 == 0 else "unverified",
                    "password_hash": "x",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(1, MEMBERS + 1)
            ],
        )
        connection.execute(
            insert(Tag),
            [
                {
                    "id": n,
                    "slug": slug,
                    "name": slug.replace("-", " ").title(),
                    "kind": "medication" if n in (1, 5, 10) else "topic",
                    "description_source": f"About {slug}.",
                    "description_html": f"<p>About {slug}.</p>",
                    "synonyms": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for n, slug in enumerate(TAG_SLUGS, start=1)
            ],
        )
        connection.execute(insert(SiteState), [{"id": 1, "content_version": 1}])
        for start in range(1, posts + 1, BATCH):
            rows, tagged, facts, effects, reported = [], [], [], [], []
            for post_id in range(start, min(start + BATCH, posts + 1)):
                kind = rng.choice(KINDS)
                author = rng.randint(1, MEMBERS)
                if kind == "article":
                    author = rng.randint(1, MEMBERS // 50) * 50
                status = rng.choice(HIDDEN_STATES) if rng.random() < 0.05 else "published"
                when = now - timedelta(minutes=post_id)
                published = when if status == "published" else None
                body = f"What happened with my treatment, part {post_id}. " * 8
                rows.append(
                    {
                        "id": post_id,
                        "kind": kind,
                        "title": f"Post number {post_id} about azathioprine",
                        "slug": f"post-number-{post_id}",
                        "summary": body[:200],
                        "body_source": body,
                        "body_html": f"<p>{body}</p>",
                        "body_length": len(body),
                        "markup_version": 1,
                        "status": status,
                        "author_id": author,
                        "published_at": published,
                        "created_at": when,
                        "updated_at": when,
                        "findings": "[]",
                        "helpful_count": rng.randint(0, 5),
                    }
                )
                tag_ids = pick_tags(rng)
                tagged += [
                    {"post_id": post_id, "tag_id": tag_id, "published_at": published}
                    for tag_id in tag_ids
                ]
                if kind == "experience" and rng.random() < FACT_SHARE:
                    fact = random_facts(rng)
                    facts.append(
                        {
                            "post_id": post_id,
                            "author_id": author,
                            **{name: getattr(fact, name) for name in SINGLE_FIELDS},
                            "created_at": when,
                            "updated_at": when,
                        }
                    )
                    effects += [{"post_id": post_id, "effect": e} for e in fact.side_effects]
                    reported += [
                        {
                            "tag_id": tag_id,
                            "facet": facet,
                            "value": value,
                            "author_id": author,
                            "post_id": post_id,
                            "listed": published is not None,
                        }
                        for tag_id in tag_ids
                        for facet, value in fact.reported()
                    ]
            connection.execute(insert(Post), rows)
            connection.execute(insert(post_tags), tagged)
            if facts:
                connection.execute(insert(ExperienceFact), facts)
            if effects:
                connection.execute(insert(ExperienceSideEffect), effects)
            if reported:
                connection.execute(insert(experience_report_rows), reported)
        # the listing index's counters, derived once from the rows (as the importer leaves them)
        connection.execute(
            text(
                "INSERT INTO tag_kind_counts (tag_id, kind, post_count) "
                "SELECT pt.tag_id, p.kind, count(*) FROM post_tags pt JOIN posts p "
                "ON p.id = pt.post_id WHERE pt.published_at IS NOT NULL GROUP BY 1, 2"
            )
        )
        connection.execute(
            text(
                "INSERT INTO tag_pair_counts (tag_id, other_tag_id, post_count) "
                "SELECT a.tag_id, b.tag_id, count(*) FROM post_tags a JOIN post_tags b "
                "ON a.post_id = b.post_id AND a.tag_id <> b.tag_id "
                "WHERE a.published_at IS NOT NULL GROUP BY 1, 2"
            )
        )
        connection.execute(
            text(
                "UPDATE users SET published_post_count = (SELECT count(*) FROM posts "
                "WHERE posts.author_id = users.id AND posts.status = 'published')"
            )
        )
        db.session.commit()  # no ANALYZE: the site's own databases run without statistics
        db.session.remove()
        db.engine.dispose()


def prepared(posts: int) -> Path:
    """The dataset's database file, built now unless an earlier run left it."""
    import app.models  # noqa: F401 (every table in the metadata)

    folder = Path(tempfile.gettempdir()) / f"bench-experiences-{schema_hash(posts)}"
    database = folder / "site.db"
    if not database.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / "building.db"
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        build(partial, posts)
        partial.rename(database)
        print(f"built {posts:,} posts in {time.perf_counter() - started:.0f} s: {database}")
    else:
        print(f"reusing {database}")
    return database


def middle_tag(app) -> str:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Tag, TagKindCount

    with app.app_context():
        rows = db.session.execute(
            select(Tag.slug, func.sum(TagKindCount.post_count))
            .join(TagKindCount, TagKindCount.tag_id == Tag.id)
            .group_by(Tag.slug)
            .order_by(func.sum(TagKindCount.post_count).desc())
        ).all()
        return rows[len(rows) // 2][0]


def bump_version(app) -> None:
    from sqlalchemy import update

    from app.extensions import db
    from app.models import SiteState

    with app.app_context():
        db.session.execute(update(SiteState).values(content_version=SiteState.content_version + 1))
        db.session.commit()


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]


def timed_get(client, path: str) -> float:
    started = clock()
    response = client.get(path)
    elapsed = clock() - started
    assert response.status_code == 200, (path, response.status_code)
    return elapsed * 1000


VARIANTS = {
    # name: (with the box, after a change, the baseline it is compared with)
    "no box": (False, False, "no box"),
    "no box, changed": (False, True, "no box, changed"),
    "box": (True, False, "no box"),
    "box, changed": (True, True, "no box, changed"),
}


def measure(app, paths: list[str], runs: int) -> dict[tuple[str, str], list[float]]:
    """Each variant's render of each page, in turns; every timed render follows an untimed
    one of the same variant, and a change (a content version bump, which also makes SQLite
    drop its page cache) when the variant says so."""
    import app.tags.views as tag_views

    with_box = tag_views.tag_report

    def without_box(tag, version=None):
        return None

    client = app.test_client()
    times: dict[tuple[str, str], list[float]] = {(p, v): [] for p in paths for v in VARIANTS}
    for path in paths:  # warm up: templates compiled, statements cached, pages read once
        for _ in range(5):
            client.get(path)
    for _ in range(runs):
        for path in paths:
            for variant, (box, changed, _baseline) in VARIANTS.items():
                tag_views.tag_report = with_box if box else without_box
                client.get(path)
                if changed:
                    bump_version(app)
                times[(path, variant)].append(timed_get(client, path))
    tag_views.tag_report = with_box
    return times


def report_size(app, slug: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Tag, experience_report_rows, post_tags

    with app.app_context():
        tag_id = db.session.scalar(select(Tag.id).where(Tag.slug == slug))
        posts = db.session.scalar(
            select(func.count()).select_from(post_tags).where(post_tags.c.tag_id == tag_id)
        )
        rows = db.session.scalar(
            select(func.count())
            .select_from(experience_report_rows)
            .where(experience_report_rows.c.tag_id == tag_id)
        )
        return posts, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="the process's CPU time (default: steady on a shared machine; the database is "
        "SQLite, in this process) or the wall clock",
    )
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    os.environ.pop("DATABASE_URL", None)
    database = prepared(args.posts)
    app = make_app(database)
    paths = ["/tags/azathioprine", f"/tags/{middle_tag(app)}"]
    times = measure(app, paths, args.runs)
    print()
    print(
        f"{args.posts:,} posts, {args.runs} runs each, median {args.clock} time of a request "
        "(Flask test client, page cache off)"
    )
    header = (
        f"{'page':<22} {'posts':>7} {'fact rows':>9} {'variant':<16} {'ms':>7} "
        f"{'vs':<16} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for path in paths:
        posts, rows = report_size(app, path.rsplit("/", 1)[1])
        for variant, (_box, _changed, baseline) in VARIANTS.items():
            median = statistics.median(times[(path, variant)])
            ratio = median / statistics.median(times[(path, baseline)])
            mark = "  over target" if ratio > TARGET_RATIO else ""
            failed |= bool(mark)
            print(
                f"{path:<22} {posts:>7,} {rows:>9,} {variant:<16} {median:>7.2f} "
                f"{baseline:<16} {ratio:>5.2f}x{mark}"
            )
    print(f"\ntarget: the page with the box within {TARGET_RATIO}x of the page without it")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
