"""Search backend benchmark: our Whoosh backend against a naive Whoosh index, on MedQuAD text.

Run: `.venv/bin/python bench/search.py [--posts 100000] [--naive-posts N] [--rounds 3]`
(about 10 minutes at 100,000 posts on one core).
Works on the backend API directly (documents built from MedQuAD, no database, no HTTP).

Measures, for both indexes built from the same documents:
- full build time (ours: `WhooshBackend.rebuild`; naive: StemmingAnalyzer, stored body, default
  writer and mmap storage). The naive index may be built from fewer documents
  (`--naive-posts`, default: as many); its build time is then also shown extrapolated
  linearly, labelled so, and its latency and memory are for its smaller corpus;
- query latency p50/p95 over a mix of 50 queries (single word, two words, phrase, tag filter,
  newest first), each answer including highlighted title and body snippets;
- resident memory (VmRSS) of a fresh process after opening a searcher and answering a few
  queries, and the index size on disk.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh import highlight  # noqa: E402
from whoosh.analysis import StemmingAnalyzer  # noqa: E402
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema  # noqa: E402
from whoosh.filedb.filestore import FileStorage  # noqa: E402
from whoosh.qparser import MultifieldParser  # noqa: E402
from whoosh.query import Term  # noqa: E402

from app.search import SearchDocument, SearchQuery  # noqa: E402
from app.search.whoosh_backend import WhooshBackend  # noqa: E402
from bench.medquad import posts as medquad_posts  # noqa: E402

TAGS = [
    "azathioprine",
    "autoimmune-hepatitis",
    "blood-tests",
    "side-effects",
    "lupus",
    "crohns-disease",
    "missed-doses",
    "tpmt-testing",
]
AUTHORS = [("patient", "member-a"), ("provider", "dr-b"), ("patient", "member-c")]

SINGLE = ["diabetes", "leukemia", "hepatitis", "anemia", "glaucoma", "asthma", "lupus",
          "thyroid", "vaccine", "pregnancy", "kidney", "migraine", "arthritis", "nausea",
          "azathioprine"]  # fmt: skip
PAIRS = ["blood pressure", "liver disease", "skin rash", "bone marrow", "heart failure",
         "kidney stones", "hair loss", "breast cancer", "genetic testing",
         "weight loss"]  # fmt: skip
PHRASES = ['"white blood cells"', '"side effects"', '"bone marrow"', '"high blood pressure"',
           '"clinical trials"', '"risk factors"', '"immune system"', '"red blood cells"',
           '"family history"', '"signs and symptoms"']  # fmt: skip
FILTERED = [("cancer", "blood-tests"), ("treatment", "lupus"), ("symptoms", "side-effects"),
            ("genetic", "tpmt-testing"), ("liver", "autoimmune-hepatitis"),
            ("infection", "crohns-disease"), ("dose", "missed-doses"),
            ("inherited disorder", "azathioprine")]  # fmt: skip
NEWEST = ["cancer", "diabetes", "heart", "infection", "skin", "children", "surgery"]
MISSPELT = ["azathiprine", "leukemai", "diabetis", "hepatitus", "glaucomma"]


def query_mix() -> list[tuple[str, SearchQuery]]:
    mix = [("single word", SearchQuery(text)) for text in SINGLE]
    mix += [("two words", SearchQuery(text)) for text in PAIRS]
    mix += [("phrase", SearchQuery(text)) for text in PHRASES]
    mix += [("tag filter", SearchQuery(text, tag=tag)) for text, tag in FILTERED]
    mix += [("newest", SearchQuery(text, sort="newest")) for text in NEWEST]
    assert len(mix) == 50
    return mix


def documents(count: int) -> Iterator[SearchDocument]:
    authors = [username for _, username in AUTHORS]
    roles = dict((username, role) for role, username in AUTHORS)
    for number, post in enumerate(medquad_posts(count, TAGS, authors), start=1):
        yield SearchDocument(
            post_id=number,
            title=post["title"],
            body_text=post["body"],
            tags=post["tags"],
            tag_names=[slug.replace("-", " ") for slug in post["tags"]],
            kind=post["kind"],
            author_role=roles[post["author"]],
            author_username=post["author"],
            published_at=datetime.fromisoformat(post["published_at"]),
        )


# Our backend


def build_ours(folder: Path, count: int) -> float:
    started = time.perf_counter()
    backend = WhooshBackend(folder)
    built = backend.rebuild(documents(count))
    backend.close()
    assert built == count
    return time.perf_counter() - started


def ours_searcher(folder: Path) -> Callable[[SearchQuery, dict[int, str]], int]:
    backend = WhooshBackend(folder)

    def run(query: SearchQuery, bodies: dict[int, str]) -> int:
        page = backend.search(query)
        for hit in page.hits:
            hit.highlights["body"] = backend.highlight_body(bodies[hit.post_id], query)
        return page.total

    return run


# The naive baseline


def naive_schema() -> Schema:
    return Schema(
        post_id=ID(stored=True, unique=True),
        title=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        tags=KEYWORD(commas=True, lowercase=True),
        kind=ID(),
        role=ID(),
        published=NUMERIC(numtype=int, bits=64, sortable=True),
    )


def build_naive(folder: Path, count: int) -> float:
    started = time.perf_counter()
    folder.mkdir(parents=True)
    ix = FileStorage(str(folder)).create_index(naive_schema())
    writer = ix.writer()
    for doc in documents(count):
        writer.add_document(
            post_id=str(doc.post_id),
            title=doc.title,
            body=doc.body_text,
            tags=",".join(doc.tags),
            kind=doc.kind,
            role=doc.author_role,
            published=int(doc.published_at.timestamp()),
        )
    writer.commit()
    return time.perf_counter() - started


def naive_searcher(folder: Path) -> Callable[[SearchQuery, dict[int, str]], int]:
    ix = FileStorage(str(folder)).open_index()
    searcher = ix.searcher()
    parser = MultifieldParser(["title", "body"], ix.schema)
    formatter = highlight.HtmlFormatter(tagname="mark")

    def run(query: SearchQuery, bodies: dict[int, str]) -> int:
        options: dict = {"limit": query.page * query.per_page}
        if query.tag:
            options["filter"] = Term("tags", query.tag)
        if query.sort == "newest":
            options.update(sortedby="published", reverse=True)
        results = searcher.search(parser.parse(query.text), **options)
        results.formatter = formatter
        for hit in results[: query.per_page]:
            hit.highlights("title")
            hit.highlights("body")
        return len(results)

    return run


# Measuring


def latencies(
    run: Callable[[SearchQuery, dict[int, str]], int],
    bodies: dict[int, str],
    rounds: int,
    mix: list[tuple[str, SearchQuery]],
) -> tuple[list[tuple[str, float]], dict[str, int]]:
    totals = {query.text: run(query, bodies) for _, query in mix}  # warm-up
    samples = []
    for _ in range(rounds):
        for kind, query in mix:
            started = time.perf_counter()
            run(query, bodies)
            samples.append((kind, (time.perf_counter() - started) * 1000))
    return samples, totals


def by_kind(samples: list[tuple[str, float]]) -> dict[str, list[float]]:
    kinds: dict[str, list[float]] = {}
    for kind, ms in samples:
        kinds.setdefault(kind, []).append(ms)
    return kinds


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: robust on a busy machine."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def probe_memory(kind: str, folder: Path) -> None:
    """Run in a fresh process: RSS before and after opening a searcher and a few queries."""
    before = rss_kb()
    run = ours_searcher(folder) if kind == "ours" else naive_searcher(folder)
    for _, query in query_mix()[:10]:
        run(query, _BodiesAnyId())
    print(json.dumps({"before_kb": before, "after_kb": rss_kb()}))


class _BodiesAnyId(dict):
    def __missing__(self, key: int) -> str:
        return "A body loaded from the database for the snippet."


def memory_of(kind: str, folder: Path) -> dict[str, int]:
    output = subprocess.run(
        [sys.executable, __file__, "--probe", kind, "--index", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def disk_mb(folder: Path) -> str:
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    return f"{size / 2**20:.0f}"


def body_lookup(count: int) -> dict[int, str]:
    return {doc.post_id: doc.body_text for doc in documents(count)}


def main() -> None:
    options = parse_args()
    if options.probe:
        probe_memory(options.probe, Path(options.index))
        return
    naive_count = min(options.naive_posts or options.posts, options.posts)
    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        report(workdir, options.posts, naive_count, options.rounds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(workdir: Path, count: int, naive_count: int, rounds: int) -> None:
    print(f"Building our index of {count} documents ...", flush=True)
    started = cpu_seconds()
    ours_seconds = build_ours(workdir / "ours", count)
    ours_cpu = cpu_seconds() - started
    print(f"Building the naive index of {naive_count} documents ...", flush=True)
    started = cpu_seconds()
    naive_seconds = build_naive(workdir / "naive", naive_count)
    naive_cpu = cpu_seconds() - started
    bodies = body_lookup(count)
    ours = ours_searcher(workdir / "ours")
    ours_samples, ours_totals = latencies(ours, bodies, rounds, query_mix())
    naive_samples, naive_totals = latencies(
        naive_searcher(workdir / "naive"), bodies, rounds, query_mix()
    )
    misspelt = [("misspelt", SearchQuery(text)) for text in MISSPELT]
    suggest_samples, _ = latencies(ours, bodies, rounds, misspelt)
    ours_ms = [ms for _, ms in ours_samples]
    naive_ms = [ms for _, ms in naive_samples]
    suggest_ms = [ms for _, ms in suggest_samples]
    ours_memory = memory_of("ours", workdir / "ours")
    naive_memory = memory_of("naive", workdir / "naive")

    naive_label = f"naive ({naive_count} docs)"
    rows = [
        ("", f"ours ({count} docs)", naive_label),
        ("build s", f"{ours_seconds:.1f}", f"{naive_seconds:.1f}"),
        ("build CPU s (all processes)", f"{ours_cpu:.1f}", f"{naive_cpu:.1f}"),
        ("build docs/s", f"{count / ours_seconds:.0f}", f"{naive_count / naive_seconds:.0f}"),
        ("query p50 ms", f"{percentile(ours_ms, 0.5):.1f}", f"{percentile(naive_ms, 0.5):.1f}"),
        ("query p95 ms", f"{percentile(ours_ms, 0.95):.1f}", f"{percentile(naive_ms, 0.95):.1f}"),
        ("query max ms", f"{max(ours_ms):.1f}", f"{max(naive_ms):.1f}"),
        ("misspelt query + did-you-mean p50 ms", f"{percentile(suggest_ms, 0.5):.1f}", "-"),
        ("RSS after open MB", mb(ours_memory["after_kb"]), mb(naive_memory["after_kb"])),
        (
            "RSS added by open MB",
            mb(ours_memory["after_kb"] - ours_memory["before_kb"]),
            mb(naive_memory["after_kb"] - naive_memory["before_kb"]),
        ),
        ("index on disk MB", disk_mb(workdir / "ours"), disk_mb(workdir / "naive")),
    ]
    ours_kinds, naive_kinds = by_kind(ours_samples), by_kind(naive_samples)
    for kind, values in ours_kinds.items():
        rows.append(
            (
                f"  {kind} p50 / p95 ms",
                f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f}",
                f"{percentile(naive_kinds[kind], 0.5):.1f} / "
                f"{percentile(naive_kinds[kind], 0.95):.1f}",
            )
        )
    if naive_count < count:
        estimate = naive_seconds * count / naive_count
        rows.append(("build s, naive extrapolated to ours", "", f"~{estimate:.0f} (linear)"))
        rows.append(("(naive latency and memory are for its smaller corpus)", "", ""))
    width = max(len(row[0]) for row in rows)
    for label, ours, naive in rows:
        print(f"{label:<{width}}  {ours:>22}  {naive:>22}")
    print(f"\nqueries: 50 ({rounds} timed rounds after a warm-up), 10 hits each, with snippets")
    print("hits per query (ours / naive), first few:")
    for text in list(ours_totals)[:8]:
        print(f"  {text:<24} {ours_totals[text]:>7} / {naive_totals[text]:>7}")


def mb(kb: int) -> str:
    return f"{kb / 1024:.0f}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--naive-posts", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--probe", choices=("ours", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    main()
