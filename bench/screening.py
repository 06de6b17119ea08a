"""False alarms and speed of the personal-information screen on real consumer-health text.

Run: `.venv/bin/python bench/screening.py [--medquad PATH] [--runs 200] [--baseline REV]`.
Screens each of the ~16k MedQuAD answers (question as title, answer as body) the way a new
member's post is screened: rendered, then `screen_rendered` on the HTML, once without the link
rule and once with it, and, for comparison, with the screen of git revision `--baseline`
(default: the one before issue 19, which read the Markdown source), loaded from git in the same
run. Prints the answers that would be held, per kind; the target is at most 1% held. Then times
both screens on a 50,000-character body (the longest a post may be). No database and no app: the
screen is a pure function.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import types
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.content.render import render_markdown  # noqa: E402
from app.content.screening import KIND_LABELS, screen_rendered  # noqa: E402
from bench.medquad import add_option, records  # noqa: E402

TARGET_SHARE = 0.01
REPO_ROOT = Path(__file__).resolve().parent.parent
BEFORE_ISSUE_19 = "7448a85"
BODY_CHARS = 50_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def held_by_kind(findings_per_answer: list[list]) -> tuple[Counter, int]:
    held = Counter()
    for findings in findings_per_answer:
        for kind in {finding.kind for finding in findings}:
            held[kind] += 1
    return held, sum(1 for findings in findings_per_answer if findings)


def print_table(total: int, columns: dict[str, list[list]]) -> bool:
    names = list(columns)
    print(f"{'answers held':<24}" + "".join(f"{name:>24}" for name in names))
    counted = {name: held_by_kind(findings) for name, findings in columns.items()}
    for kind, label in KIND_LABELS.items():
        cells = []
        for name in names:
            count = counted[name][0][kind]
            cells.append(f"{count:>8} ({count / total:6.2%})")
        print(f"{label:<24}" + "".join(f"{cell:>24}" for cell in cells))
    cells = [f"{held:>8} ({held / total:6.2%})" for _, held in counted.values()]
    print(f"{'any (held)':<24}" + "".join(f"{cell:>24}" for cell in cells))
    return all(held / total <= TARGET_SHARE for _, held in counted.values())


def show_examples(columns: dict[str, list[list]], count: int) -> None:
    for name, findings_per_answer in columns.items():
        examples = defaultdict(Counter)
        for findings in findings_per_answer:
            for finding in findings:
                examples[finding.kind][finding.text] += 1
        print(f"\nmost frequent findings, {name}:")
        for kind, texts in examples.items():
            shown = ", ".join(f"{text!r} x{n}" for text, n in texts.most_common(count))
            print(f"  {kind}: {shown}")


def long_body(answers: list[dict]) -> tuple[str, str]:
    parts, size = [], 0
    for record in answers:
        parts.append(record["answer"])
        size += len(record["answer"]) + 2
        if size >= BODY_CHARS:
            break
    return answers[0]["question"], "\n\n".join(parts)[:BODY_CHARS]


def screen_of_revision(revision: str) -> types.ModuleType:
    """app/content/screening.py as it was at a git revision (a pure module: no app imports)."""
    source = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "show", f"{revision}:app/content/screening.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(f"screening_{revision}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{revision}:app/content/screening.py", "exec"), module.__dict__)
    return module


def time_screens(before, title: str, body: str, runs: int) -> dict[str, list[float]]:
    html = render_markdown(body)
    calls = {
        "before: screen(source)": lambda: before.screen(f"{title}\n{body}", include_links=True),
        "now: screen_rendered(html)": lambda: screen_rendered(title, html, include_links=True),
        "(render_markdown, shared)": lambda: render_markdown(body),
    }
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):  # interleaved, so both see the same machine
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_option(parser)
    parser.add_argument("--runs", type=int, default=200, help="timing runs of the long body")
    parser.add_argument("--show", type=int, default=0, help="print the N commonest findings")
    parser.add_argument(
        "--baseline",
        default=BEFORE_ISSUE_19,
        help="git revision whose source screen is compared (default: the one before issue 19)",
    )
    args = parser.parse_args()
    before = screen_of_revision(args.baseline)

    answers = records(args.medquad)
    columns: dict[str, list[list]] = {
        "before (source)": [],
        "now, no link rule": [],
        "now, with links": [],
    }
    for record in answers:
        title, body = record["question"], record["answer"]
        html = render_markdown(body)
        columns["before (source)"].append(before.screen(f"{title}\n{body}", include_links=False))
        columns["now, no link rule"].append(screen_rendered(title, html, include_links=False))
        columns["now, with links"].append(screen_rendered(title, html, include_links=True))
    print(f"MedQuAD answers screened as a new member's post: {len(answers):,}")
    print(f"target: at most {TARGET_SHARE:.0%} held without the link rule\n")
    print_table(len(answers), columns)
    if args.show:
        show_examples(columns, args.show)

    title, body = long_body(answers)
    print(f"\nscreening time for a {len(body):,}-character body, {args.runs} runs (ms)")
    for name, values in time_screens(before, title, body, args.runs).items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"  {name:<28} p50 {p50:7.2f}   p95 {p95:7.2f}")
    _, held = held_by_kind(columns["now, no link rule"])
    return 0 if held / len(answers) <= TARGET_SHARE else 1


if __name__ == "__main__":
    raise SystemExit(main())
