"""Hostile markup through sanitize_html and render_markdown comes out inert, and stays put.

The curated payloads (tests/data/xss_payloads.jsonl) run one test each; the full set
(tests/data/xss/) runs in single loop tests, so the whole module stays at a few seconds.
"""

from __future__ import annotations

import json

import pytest

from app.content.render import render_markdown, sanitize_html
from tests.xss_checks import (
    DOMPURIFY_EXPECT,
    FULL_PAYLOADS,
    curated_payloads,
    fragment_problems,
    load_jsonl,
    unsafe_url,
    url_scheme,
)

CURATED = curated_payloads()
CURATED_IDS = [f"{index:03d}" for index in range(len(CURATED))]

# Written for this project: Markdown's own ways of making a link, an image or an autolink.
MARKDOWN_CASES = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&colon;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java%09script:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '![x" onerror="alert(1)](https://example.org/a.png)',
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '[x](https://example.org "t" onmouseover="alert(1)")',
    '[x](https://example.org"onmouseover="alert(1))',
    "[x](https://example.org/'onmouseover='alert(1))",
    'https://example.org/"onmouseover="alert(1)',
    "www.example.org/<script>alert(1)</script>",
    "[<img src=x onerror=alert(1)>](https://example.org)",
    "# <script>alert(1)</script>\n\n> <svg onload=alert(1)>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "    <iframe src=javascript:alert(1)>",
    "*<b onmouseover=alert(1)>*",
    "[x](mailto:a@example.org?body=<script>alert(1)</script>)",
    "[x](javascript:0)",
    "[x](javascript:%60%EF%BD%88%EF%BD%89%200%60)",
]


def assert_inert(function, payload: str) -> str:
    output = function(payload)
    problems = fragment_problems(output)
    assert not problems, f"{function.__name__}({payload!r})\n -> {output!r}\n{problems}"
    return output


def idempotence_failures(payload: str) -> list[str]:
    failures = []
    once = sanitize_html(payload)
    if sanitize_html(once) != once:
        failures.append(f"sanitize_html twice differs: {once!r} -> {sanitize_html(once)!r}")
    rendered = render_markdown(payload)
    if sanitize_html(rendered) != rendered:
        failures.append(
            f"render_markdown output changes under sanitize_html: "
            f"{rendered!r} -> {sanitize_html(rendered)!r}"
        )
    return failures


def test_the_curated_set_is_the_documented_size_and_shape():
    assert 280 <= len(CURATED) <= 340
    assert all(set(row) == {"source", "payload"} for row in CURATED)
    assert len({row["payload"] for row in CURATED}) == len(CURATED)
    sources = {row["source"].split("/")[0].split(" ")[0] for row in CURATED}
    # MIT and Apache-2.0 only: no OWASP (CC BY-SA) or html5sec (MPL-2.0); see tests/data/README.md
    assert sources == {"PayloadsAllTheThings", "DOMPurify", "mozilla", "minimaxir"}
    left_out = (
        "RSNAKE_XSS.txt",
        "MarioXSSVectors.txt",
        "port_swigger_xss_cheatsheet_event_handlers.txt",
    )
    assert not [row for row in CURATED if row["source"].endswith(left_out)]


@pytest.mark.parametrize("payload", [row["payload"] for row in CURATED], ids=CURATED_IDS)
def test_curated_payload_comes_out_inert(payload):
    assert_inert(sanitize_html, payload)
    assert_inert(render_markdown, payload)


@pytest.mark.parametrize("payload", [row["payload"] for row in CURATED], ids=CURATED_IDS)
def test_sanitizing_a_curated_payload_again_changes_nothing(payload):
    assert idempotence_failures(payload) == []


@pytest.mark.parametrize("payload", MARKDOWN_CASES)
def test_markdown_links_images_and_autolinks_come_out_inert(payload):
    assert_inert(render_markdown, payload)
    assert_inert(sanitize_html, payload)
    assert idempotence_failures(payload) == []


@pytest.mark.parametrize(
    "href",
    [
        "javascript:123",
        "javascript:0",
        "javascript:`\uff48\uff49 0`",
        " javascript:1 2",
        "vbscript:1",
        "data:1",
    ],
)
def test_a_forbidden_scheme_is_dropped_even_when_the_rest_is_digits(href):
    """bleach's vendored urlparse reads `scheme:digits` as host:port, i.e. no scheme at all.

    The backtick form is not harmless: clicked, Chromium runs it and replaces the page with the
    string.
    """
    assert_inert(sanitize_html, f'<a href="{href}">x</a>')


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<a href="javascript:alert(1)">x</a>', ["href='javascript:alert(1)' on <a>"]),
        ('<a href="java&#x09;script:alert(1)">x</a>', ["href='java\\tscript:alert(1)' on <a>"]),
        ('<a href=" &#1;JAVASCRIPT:1">x</a>', ["JAVASCRIPT:1' on <a> has a forbidden scheme"]),
        ('<a href="data:text/html,x">x</a>', ["href='data:text/html,x' on <a>"]),
        ('<a href="vbscript:x">x</a>', ["href='vbscript:x' on <a>"]),
        ("<p onclick=x>y</p>", ["event handler onclick= on <p>", "onclick= is not allowed"]),
        ("<img src=x>", ["tag <img> is not allowed", "src= is not allowed"]),
        ("<SCRIPT>x</SCRIPT>", ["tag <script>", "'<SCRIPT'"]),
        ("<svg/onload=x>", ["tag <svg>", "event handler onload=", "'<svg'"]),
        ("<math><mi>x</mi></math>", ["tag <math>", "'<math'"]),
        ('<a href="/x" style="color:red">x</a>', ["style= is not allowed"]),
        ("<p><!-- x --></p>", ["comment <!-- x -->"]),
    ],
)
def test_the_checker_catches_what_it_should(fragment, expected):
    """Positive control: the checker is not vacuous."""
    problems = "\n".join(fragment_problems(fragment))
    for part in expected:
        assert part in problems, problems


@pytest.mark.parametrize(
    "fragment",
    [
        '<p><a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">x</a></p>',
        '<a href="/posts/1" title="t">x</a><a href="#top">y</a>',
        '<a href="mailto:a@example.org">m</a><a href="//example.org/x">protocol-relative</a>',
        '<a href="javascript&amp;colon;alert(1)">relative, as a browser reads it</a>',
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;svg onload=x&gt;</p>",
        '<table><thead><tr><th align="left">a</th></tr></thead></table>',
        '<ol start="3"><li>x</li></ol><pre><code>a &lt; b</code></pre>',
    ],
)
def test_the_checker_accepts_ordinary_output(fragment):
    assert fragment_problems(fragment) == []


def test_url_scheme_reads_urls_as_a_browser_would_and_stricter():
    assert url_scheme("JaVa\tScRiPt:alert(1)") == "javascript"
    assert url_scheme("\x00 javascript:1") == "javascript"
    assert url_scheme("/relative:path") is None
    assert url_scheme("javascript%3Aalert(1)") is None
    assert url_scheme("#x") is None
    assert unsafe_url("data:text/html,x") and not unsafe_url("https://example.org")


@pytest.fixture(scope="module")
def full_set() -> list[tuple[dict, str, str]]:
    """Each payload of the full set with its sanitize_html and render_markdown output."""
    rows = load_jsonl(FULL_PAYLOADS)
    assert len(rows) > 3000, f"{FULL_PAYLOADS} has only {len(rows)} payloads"
    return [(row, sanitize_html(row["payload"]), render_markdown(row["payload"])) for row in rows]


def describe(failures: list[str], total: int) -> str:
    shown = "\n\n".join(failures[:15])
    return f"{len(failures)} of {total} payloads failed; the first {len(failures[:15])}:\n\n{shown}"


def test_the_curated_payloads_are_verbatim_rows_of_the_full_set(full_set):
    full = {(row["source"], row["payload"]) for row, _, _ in full_set}
    copied = [(row["source"], row["payload"]) for row in CURATED]
    assert [row for row in copied if row not in full] == []


def test_every_payload_in_the_full_set_comes_out_inert(full_set):
    failures = []
    for row, sanitized, rendered in full_set:
        for name, output in (("sanitize_html", sanitized), ("render_markdown", rendered)):
            problems = fragment_problems(output)
            if problems:
                failures.append(
                    f"[{row['source']}] {name}({row['payload'][:300]!r})\n"
                    f" -> {output[:300]!r}\n {problems[:3]}"
                )
    assert not failures, describe(failures, len(full_set))


def test_sanitizing_any_payload_of_the_full_set_again_changes_nothing(full_set):
    failures = []
    for row, sanitized, rendered in full_set:
        for name, output in (("sanitize_html", sanitized), ("render_markdown", rendered)):
            again = sanitize_html(output)
            if again != output:
                failures.append(
                    f"[{row['source']}] {row['payload'][:200]!r}\n"
                    f" {name} output changes under sanitize_html:\n"
                    f" {output[:300]!r}\n -> {again[:300]!r}"
                )
    assert not failures, describe(failures, len(full_set))


def test_dompurify_fixtures_come_out_inert_though_not_equal_to_dompurify():
    pairs = json.loads(DOMPURIFY_EXPECT.read_text(encoding="utf-8"))
    assert len(pairs) > 200
    failures = []
    for pair in pairs:
        payload = pair["payload"]
        for function in (sanitize_html, render_markdown):
            output = function(payload)
            problems = fragment_problems(output)
            if problems:
                failures.append(
                    f"{pair.get('title', '')!r}: {function.__name__}({payload[:300]!r})\n"
                    f" -> {output[:300]!r}\n DOMPurify: {str(pair.get('expected'))[:300]!r}\n"
                    f" {problems[:3]}"
                )
    assert not failures, describe(failures, len(pairs))
