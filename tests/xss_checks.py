"""Hostile-markup payloads and the checks that say whether HTML came out inert.

Shared by tests/unit/test_sanitizer.py, tests/functional/test_xss_rendering.py and
tests/browser/test_hostile_markup.py.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from app.content.render import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = REPO_ROOT / "tests" / "data"
CURATED_PAYLOADS = TEST_DATA / "xss_payloads.jsonl"
FULL_PAYLOADS = TEST_DATA / "xss" / "payloads.jsonl"
DOMPURIFY_EXPECT = TEST_DATA / "xss" / "dompurify_expect.json"

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Tags that must never be produced from member content, in any letter case.
FORBIDDEN_FRAGMENT_TAGS = ("script", "style", "svg", "math", "iframe", "form", "object", "embed")
# Tags the site's own templates never use, so on a whole page they can only be injected.
FORBIDDEN_PAGE_TAGS = frozenset(
    {
        "applet",
        "base",
        "embed",
        "frame",
        "frameset",
        "iframe",
        "isindex",
        "math",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "param",
        "plaintext",
        "portal",
        "script",
        "style",
        "svg",
        "template",
        "xmp",
    }
)
# Attributes whose value a browser may load or navigate to.
URL_ATTRIBUTES = frozenset(
    {
        "action",
        "background",
        "cite",
        "codebase",
        "data",
        "dynsrc",
        "formaction",
        "href",
        "icon",
        "longdesc",
        "lowsrc",
        "manifest",
        "ping",
        "poster",
        "src",
        "srcset",
        "xlink:href",
    }
)

_IGNORED_IN_URL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_FORBIDDEN_START_TAG = re.compile(
    r"<\s*(?:" + "|".join(FORBIDDEN_FRAGMENT_TAGS) + r")(?![a-z0-9-])", re.IGNORECASE
)
_ACTIVE_CSS = re.compile(r"expression|javascript:|behavior|-moz-binding|url\(", re.IGNORECASE)
# The one script element templates write: a JSON-LD data block, which browsers never run.
_JSONLD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def curated_payloads() -> list[dict]:
    return load_jsonl(CURATED_PAYLOADS)


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in an attribute value that the parser already unescaped.

    Whitespace and control characters are dropped everywhere (browsers drop some of them inside
    a scheme and trim the rest), which is stricter than any browser. No scheme means relative.
    """
    match = _SCHEME.match(_IGNORED_IN_URL.sub("", value).lower())
    return match.group(1) if match else None


def unsafe_url(value: str | None) -> bool:
    scheme = url_scheme(value or "")
    return scheme is not None and scheme not in SAFE_SCHEMES


class _Collector(HTMLParser):
    """Attribute values reach handle_starttag already unescaped (once), as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration <!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration <![{data}]>")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction <?{data}>")


class _FragmentChecker(_Collector):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
        allowed = ALLOWED_ATTRIBUTES.get(tag, ())
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name not in allowed:
                self.problems.append(f"attribute {name}= is not allowed on <{tag}>")
            if name in URL_ATTRIBUTES and unsafe_url(value):
                self.problems.append(f"{name}={value!r} on <{tag}> has a forbidden scheme")


class _PageChecker(_Collector):
    def handle_comment(self, data: str) -> None:
        pass  # the templates may carry comments; member content cannot (checked per fragment)

    def handle_decl(self, decl: str) -> None:
        if decl.lower() != "doctype html":
            super().handle_decl(decl)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_PAGE_TAGS:
            self.problems.append(f"<{tag}> on the page")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            elif name in URL_ATTRIBUTES and unsafe_url(value):
                self.problems.append(f"{name}={value!r} on <{tag}> has a forbidden scheme")
            elif name in ("srcdoc", "http-equiv"):
                self.problems.append(f"{name}={value!r} on <{tag}>")
            elif name == "style" and _ACTIVE_CSS.search(value or ""):
                self.problems.append(f"style={value!r} on <{tag}>")


def fragment_problems(fragment: str) -> list[str]:
    """Why a sanitized fragment is not inert under the allowlist; empty when it is."""
    checker = _FragmentChecker()
    checker.feed(fragment)
    checker.close()
    problems = checker.problems
    problems += [
        f"forbidden start tag {m.group(0)!r}" for m in _FORBIDDEN_START_TAG.finditer(fragment)
    ]
    return problems


def jsonld_problems(page: str) -> tuple[str, list[str]]:
    """The page without its JSON-LD blocks, and why a block is not plain inert JSON."""
    problems = []
    for block in _JSONLD_BLOCK.findall(page):
        if "<" in block or ">" in block:
            problems.append(f"markup inside a JSON-LD block: {block[:80]!r}")
        try:
            json.loads(block)
        except ValueError:
            problems.append(f"a JSON-LD block is not JSON: {block[:80]!r}")
    return _JSONLD_BLOCK.sub("", page), problems


def page_problems(page: str) -> list[str]:
    """Why a whole rendered page carries active content; empty when it does not."""
    page, jsonld = jsonld_problems(page)
    checker = _PageChecker()
    checker.feed(page)
    checker.close()
    problems = jsonld + checker.problems
    if "<script" in page.lower():
        problems.append("'<script' in the page source")
    return problems
