"""Real consumer-health text from the MedQuAD corpus, as posts to import or index.

The corpus is not part of the repository. Benchmarks that use it take `--medquad PATH`
(default: the team's reference data beside the checkout, ../shared/data/medquad/).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MEDQUAD = REPO_ROOT.parent / "shared" / "data" / "medquad" / "medquad_answered.jsonl.gz"
# The chosen path travels in the environment, so the processes a benchmark starts read it too.
MEDQUAD_ENV = "BENCH_MEDQUAD"
KINDS = ("question", "experience", "article")


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--medquad",
        type=Path,
        default=medquad_path(),
        metavar="PATH",
        help="medquad_answered.jsonl.gz (default: %(default)s)",
    )


def use(path: Path) -> None:
    """Read MedQuAD from `path` here and in every process started from now on."""
    os.environ[MEDQUAD_ENV] = str(path.resolve())


def medquad_path() -> Path:
    return Path(os.environ.get(MEDQUAD_ENV) or DEFAULT_MEDQUAD)


def records(path: Path | None = None) -> list[dict]:
    path = path or medquad_path()
    if not path.exists():
        raise SystemExit(f"MedQuAD data not found at {path}; give its path with --medquad PATH.")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def posts(count: int, tag_slugs: list[str], authors: list[str]) -> Iterator[dict]:
    """`count` posts from MedQuAD, replicated with distinct suffixes when count > 16,407."""
    source = records()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for number in range(count):
        record = source[number % len(source)]
        copy = number // len(source)
        suffix = f" (copy {copy})" if copy else ""
        yield {
            "external_id": f"medquad-{number}",
            "title": (record["question"][:180] + suffix).strip(),
            "body": record["answer"][:20_000],
            "kind": KINDS[number % len(KINDS)],
            "tags": [tag_slugs[number % len(tag_slugs)]],
            "author": authors[number % len(authors)],
            "published_at": (start + timedelta(minutes=7 * number)).isoformat(),
            "focus": record.get("focus") or "",
        }
