"""Real consumer-health text from ../shared/data/medquad, as posts to import or index."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDQUAD = REPO_ROOT.parent / "shared" / "data" / "medquad" / "medquad_answered.jsonl.gz"
KINDS = ("question", "experience", "article")


def records(path: Path = MEDQUAD) -> list[dict]:
    if not path.exists():
        raise SystemExit(
            f"MedQuAD data not found at {path} (the shared folder beside the repository); "
            "give its path with --data."
        )
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
