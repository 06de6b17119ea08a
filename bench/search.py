"""Search backend benchmark: our Whoosh backend against a naive Whoosh index, on MedQuAD text.

Run: `.venv/bin/python bench/search.py [--posts 100000] [--naive-posts N] [--rounds 3]`
(about 10 minutes at 100,000 posts on one core). To measure query changes without rebuilding:
`--keep DIR` keeps both indexes in DIR and reuses them on the next run (rebuilt when the post
count or our schema changed; their build times are then not measured), and `--no-naive` skips
the naive baseline. `--before-engine` answers our queries the way the backend did before its
term-at-a-time engine (app/search/whoosh_engine.py): through Whoosh's collectors and
highlighter, on the same index, for a before/after comparison on one machine.
`--versus-whoosh` times the engine against Whoosh's own searcher on one index in one run.
Works on the backend API directly (documents built from MedQuAD, no database, no HTTP).

Measures, for both indexes built from the same documents:
- full build time (ours: `WhooshBackend.rebuild`; naive: StemmingAnalyzer, stored body, default
  writer and mmap storage). The naive index may be built from fewer documents
  (`--naive-posts`, default: as many); its build time is then also shown extrapolated
  linearly, labelled so, and its latency and memory are for its smaller corpus;
- query latency p50/p95 over a mix of 50 queries (single word, two words, phrase, tag filter,
  newest first), each answer including highlighted title and body snippets: the timed rounds,
  and separately the untimed warm-up round ("first pass": each query's first run in a fresh
  process, before the searcher has read and cached the postings of its words);
- resident memory (VmRSS) of a fresh process after opening a searcher and answering the whole
  mix once, and the index size on disk.
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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh import highlight  # noqa: E402
from whoosh.analysis import StemmingAnalyzer  # noqa: E402
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema  # noqa: E402
from whoosh.filedb.filestore import FileStorage  # noqa: E402
from whoosh.qparser import MultifieldParser  # noqa: E402
from whoosh.query import Term  # noqa: E402

from app.search import SearchDocument, SearchQuery, SearchUnavailable  # noqa: E402
from app.search.whoosh_backend import WhooshBackend  # noqa: E402
from bench import medquad  # noqa: E402
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


def ours_searcher(
    folder: Path, engine: bool = True
) -> Callable[[SearchQuery, dict[int, str]], int]:
    """Our backend's answers; `engine=False` answers through Whoosh's own searcher instead."""
    backend = WhooshBackend(folder)
    if not engine:
        backend._engine.supports = lambda searcher: False

    def run(query: SearchQuery, bodies: dict[int, str]) -> int:
        page = backend.search(query)
        for hit in page.hits:
            hit.highlights["body"] = backend.highlight_body(bodies[hit.post_id], query)
        return page.total

    run.backend = backend  # type: ignore[attr-defined]
    return run


def answer_before_engine() -> None:
    """--before-engine: Whoosh's collectors (the backend's fallback path) and Whoosh's own
    highlight() for titles and snippets, instead of the engine and the faster snippets."""
    from whoosh import highlight

    from app.search import querying, whoosh_engine
    from app.search.analysis import MEDICAL_ANALYZER

    whoosh_engine.Engine.supports = lambda self, searcher: False

    def highlight_body(text, terms, limit=querying.SNIPPET_CHARS):
        fragmenter = highlight.ContextFragmenter(
            maxchars=limit, surround=limit // 3, charlimit=querying.SNIPPET_SCAN
        )
        marked = highlight.highlight(
            text, frozenset(terms), MEDICAL_ANALYZER, fragmenter, querying.MarkFormatter(), 1
        )
        return marked or querying.leading_excerpt(text, limit)

    querying.highlight_body = highlight_body


def ours_reusable(folder: Path, count: int) -> bool:
    """A kept index of ours with `count` posts and the current schema."""
    backend = WhooshBackend(folder)
    try:
        backend.check()
        return backend.doc_count() == count
    except SearchUnavailable:
        return False
    finally:
        backend.close()


def naive_reusable(folder: Path, count: int) -> bool:
    try:
        with FileStorage(str(folder)).open_index().searcher() as searcher:
            return searcher.doc_count() == count
    except Exception:
        return False


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
    first: list[float] | None = None,
    cpu: list[float] | None = None,
) -> tuple[list[tuple[str, float]], dict[str, int]]:
    """Timed rounds over the mix after one warm-up round (whose times go to `first`); `cpu`
    gets each timed query's CPU time, which load from other processes disturbs less."""
    totals = {}
    for _, query in mix:
        started = time.perf_counter()
        totals[query.text] = run(query, bodies)
        if first is not None:
            first.append((time.perf_counter() - started) * 1000)
    samples = []
    for _ in range(rounds):
        for kind, query in mix:
            started, started_cpu = time.perf_counter(), time.process_time()
            run(query, bodies)
            samples.append((kind, (time.perf_counter() - started) * 1000))
            if cpu is not None:
                cpu.append((time.process_time() - started_cpu) * 1000)
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
    for _, query in query_mix():
        run(query, _BodiesAnyId())
    print(json.dumps({"before_kb": before, "after_kb": rss_kb()}))


class _BodiesAnyId(dict):
    def __missing__(self, key: int) -> str:
        return "A body loaded from the database for the snippet."


def memory_of(kind: str, folder: Path) -> dict[str, int]:
    before_engine = ["--before-engine"] if BEFORE_ENGINE else []
    output = subprocess.run(
        [sys.executable, __file__, "--probe", kind, "--index", str(folder), *before_engine],
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


BEFORE_ENGINE = False


def main() -> None:
    global BEFORE_ENGINE
    options = parse_args()
    if options.before_engine:
        BEFORE_ENGINE = True
        answer_before_engine()
    if options.probe:
        probe_memory(options.probe, Path(options.index))
        return
    naive_count = (
        0 if options.no_naive else min(options.naive_posts or options.posts, options.posts)
    )
    if options.versus_whoosh:
        workdir = Path(options.keep or tempfile.mkdtemp(prefix="search-bench-"))
        versus_whoosh_searcher(workdir, options.posts, options.rounds)
        return
    if options.keep:
        workdir = Path(options.keep)
        workdir.mkdir(parents=True, exist_ok=True)
        report(workdir, options.posts, naive_count, options.rounds, reuse=True)
        return
    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        report(workdir, options.posts, naive_count, options.rounds, reuse=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def versus_whoosh_searcher(workdir: Path, count: int, rounds: int) -> None:
    """--versus-whoosh: one index, one process, the same query plans and snippets; each query
    answered in turn by the term-at-a-time engine and by Whoosh's own searcher as the backend
    tunes it (top-N collector with block skipping, a filter as a set of document numbers, one
    reused searcher), so only the searcher differs."""
    folder = workdir / "ours"
    build_side("ours", folder, count, build_ours, ours_reusable(folder, count))
    bodies = body_lookup(count)
    runs = {"engine": ours_searcher(folder), "whoosh": ours_searcher(folder, engine=False)}
    mix = query_mix()
    same_page = 0
    for _, query in mix:
        pages = [run.backend.search(query).post_ids for run in runs.values()]
        same_page += pages[0] == pages[1]
        for run in runs.values():
            run(query, bodies)
    samples: dict[str, list[tuple[str, float]]] = {name: [] for name in runs}
    for _ in range(rounds):
        for kind, query in mix:
            for name, run in runs.items():
                started = time.perf_counter()
                run(query, bodies)
                samples[name].append((kind, (time.perf_counter() - started) * 1000))
    print(f"{count} posts, {rounds} rounds of {len(mix)} queries; same first page: {same_page}")
    print(f"{'':<14}{'engine p50':>12}{'p95':>8}{'whoosh p50':>12}{'p95':>8}")
    kinds = {name: by_kind(values) for name, values in samples.items()}
    rows = [("all", {name: [ms for _, ms in values] for name, values in samples.items()})]
    rows += [(kind, {name: kinds[name][kind] for name in runs}) for kind in kinds["engine"]]
    for label, values in rows:
        cells = "".join(
            f"{percentile(values[name], 0.5):>12.1f}{percentile(values[name], 0.95):>8.1f}"
            for name in runs
        )
        print(f"{label:<14}{cells}")


@dataclass
class Side:
    """One index's measurements; None where not measured (a kept index was reused)."""

    label: str
    build_seconds: float | None = None
    build_cpu: float | None = None
    samples: list[tuple[str, float]] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    memory: dict[str, int] = field(default_factory=dict)
    disk: str = "-"


def build_side(
    label: str, folder: Path, count: int, build: Callable[[Path, int], float], reusable: bool
) -> Side:
    side = Side(label)
    if reusable:
        print(f"Reusing the {label} index in {folder} ...", flush=True)
        return side
    shutil.rmtree(folder, ignore_errors=True)
    print(f"Building the {label} index of {count} documents ...", flush=True)
    started = cpu_seconds()
    side.build_seconds = build(folder, count)
    side.build_cpu = cpu_seconds() - started
    return side


def report(workdir: Path, count: int, naive_count: int, rounds: int, reuse: bool) -> None:
    ours_dir, naive_dir = workdir / "ours", workdir / "naive"
    ours = build_side("ours", ours_dir, count, build_ours, reuse and ours_reusable(ours_dir, count))
    naive = None
    if naive_count:
        naive = build_side(
            "naive",
            naive_dir,
            naive_count,
            build_naive,
            reuse and naive_reusable(naive_dir, naive_count),
        )
    bodies = body_lookup(count)
    run_ours = ours_searcher(ours_dir)
    ours.samples, ours.totals = latencies(
        run_ours, bodies, rounds, query_mix(), ours.first, ours.cpu
    )
    if naive is not None:
        naive.samples, naive.totals = latencies(
            naive_searcher(naive_dir), bodies, rounds, query_mix(), naive.first, naive.cpu
        )
        naive.memory = memory_of("naive", naive_dir)
        naive.disk = disk_mb(naive_dir)
    misspelt = [("misspelt", SearchQuery(text)) for text in MISSPELT]
    suggest_samples, _ = latencies(run_ours, bodies, rounds, misspelt)
    suggest_ms = [ms for _, ms in suggest_samples]
    ours.memory = memory_of("ours", ours_dir)
    ours.disk = disk_mb(ours_dir)

    def both(value: Callable[[Side, int], str]) -> tuple[str, str]:
        return value(ours, count), (value(naive, naive_count) if naive else "-")

    def build_s(side: Side, n: int) -> str:
        return "kept" if side.build_seconds is None else f"{side.build_seconds:.1f}"

    def build_cpu(side: Side, n: int) -> str:
        return "kept" if side.build_cpu is None else f"{side.build_cpu:.1f}"

    def docs_per_s(side: Side, n: int) -> str:
        return "kept" if side.build_seconds is None else f"{n / side.build_seconds:.0f}"

    def latency(share: float | None) -> Callable[[Side, int], str]:
        def value(side: Side, n: int) -> str:
            ms = [ms for _, ms in side.samples]
            return f"{max(ms) if share is None else percentile(ms, share):.1f}"

        return value

    def first_pass(side: Side, n: int) -> str:
        return f"{percentile(side.first, 0.5):.1f} / {percentile(side.first, 0.95):.1f}"

    def cpu_time(side: Side, n: int) -> str:
        return f"{percentile(side.cpu, 0.5):.1f} / {percentile(side.cpu, 0.95):.1f}"

    def rss(added: bool) -> Callable[[Side, int], str]:
        def value(side: Side, n: int) -> str:
            before = side.memory["before_kb"] if added else 0
            return mb(side.memory["after_kb"] - before)

        return value

    ours_label = f"ours ({count} docs){', before engine' if BEFORE_ENGINE else ''}"
    rows = [
        ("", ours_label, f"naive ({naive_count} docs)" if naive else "naive"),
        ("build s", *both(build_s)),
        ("build CPU s (all processes)", *both(build_cpu)),
        ("build docs/s", *both(docs_per_s)),
        ("query p50 ms", *both(latency(0.5))),
        ("query p95 ms", *both(latency(0.95))),
        ("query max ms", *both(latency(None))),
        ("query CPU time p50 / p95 ms", *both(cpu_time)),
        ("first pass (cold) p50 / p95 ms", *both(first_pass)),
        ("misspelt query + did-you-mean p50 ms", f"{percentile(suggest_ms, 0.5):.1f}", "-"),
        ("RSS after open MB", *both(rss(False))),
        ("RSS added by open MB", *both(rss(True))),
        ("index on disk MB", ours.disk, naive.disk if naive else "-"),
    ]
    ours_kinds = by_kind(ours.samples)
    naive_kinds = by_kind(naive.samples) if naive else {}
    for kind, values in ours_kinds.items():
        theirs = naive_kinds.get(kind)
        rows.append(
            (
                f"  {kind} p50 / p95 ms",
                f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f}",
                f"{percentile(theirs, 0.5):.1f} / {percentile(theirs, 0.95):.1f}"
                if theirs
                else "-",
            )
        )
    if naive and naive_count < count and naive.build_seconds is not None:
        estimate = naive.build_seconds * count / naive_count
        rows.append(("build s, naive extrapolated to ours", "", f"~{estimate:.0f} (linear)"))
        rows.append(("(naive latency and memory are for its smaller corpus)", "", ""))
    width = max(len(row[0]) for row in rows)
    for label, mine, theirs in rows:
        print(f"{label:<{width}}  {mine:>34}  {theirs:>24}")
    print(f"\nqueries: 50 ({rounds} timed rounds after a warm-up), 10 hits each, with snippets")
    print("hits per query (ours / naive), first few:")
    for text in list(ours.totals)[:8]:
        theirs = f"{naive.totals[text]:>7}" if naive else "      -"
        print(f"  {text:<24} {ours.totals[text]:>7} / {theirs}")


def mb(kb: int) -> str:
    return f"{kb / 1024:.0f}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--naive-posts", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--keep", metavar="DIR", help="keep the indexes in DIR and reuse them on later runs"
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument(
        "--before-engine",
        action="store_true",
        help="answer through Whoosh's collectors and highlighter, as before the engine",
    )
    parser.add_argument(
        "--versus-whoosh",
        action="store_true",
        help="our engine against Whoosh's own searcher on one index, in one run",
    )
    parser.add_argument("--probe", choices=("ours", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    medquad.add_option(parser)
    args = parser.parse_args()
    medquad.use(args.medquad)
    return args


if __name__ == "__main__":
    main()
