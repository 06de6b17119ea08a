"""Every payload of the full XSS reference set, in every place member text is shown, in Chromium.

The set is tests/data/xss/payloads.jsonl: all 3,357 payloads (tests/data/xss_payloads.jsonl
holds only a curated 313 of them). Each one is stored as a post body, a reply, a bio, a tag
introduction, a display name, a post title (with its card summary) and a search query, through
the service functions the forms call, so the content pipeline runs exactly as in production:
`create_post` and `create_comment` (app/posts/services.py), `update_profile`
(app/account/profile.py), `clean_tag_input` + `create_tag` (app/tags/services.py). The members
are trusted (`approved_post_count` at the publishing threshold, as after three approved posts),
so their posts and replies publish at once; whatever the personal-information screen holds for
review, a moderator approves through app/moderation/service.py. Posts are public, so they are
visited anonymously and are in the search index.

Batches, to keep page loads few. Each payload sits in its own block between marker paragraphs
(`xss-sweep-0042`), and the test asserts that the stored HTML of every batch is exactly the
concatenation of what `render_markdown` makes of each payload alone: a batch is N independent
payloads, never one diluted text. Length caps are met by packing, never by dropping text:

- post bodies and tag introductions: batches of at most 20,000 characters (the introduction's
  cap; a body may have 50,000): 16 posts and 16 tags of 67 to 315 payloads each;
- bios: batches of at most 5,000 characters (BIO_MAX): 62 authors, 6 to 152 payloads each;
- display names (80 characters, DISPLAY_NAME_MAX), titles (200, TITLE_MAX) and search queries
  (500, MAX_QUERY_LENGTH): whole payloads joined by spaces, packed best-fit up to the cap; a
  longer payload (758, 165 and 25 of them are longer than those caps) is cut into cap-sized
  slices. That makes 2,978 members, 1,182 more posts (20 at most per author, so each author's
  page shows all of their titles) and 474 queries. A name that is nothing but spaces, control or
  format characters is refused by the profile service (the test asserts the refusal; 1 such name
  here) and is stored with a "blank:" prefix; a title shorter than TITLE_MIN gets " (xss)";
- replies: each of the 2,978 members replies to a batch post with the payloads that start in
  their name, so the replies carry every payload once and show every display name.

Rendering places, each visited twice in headless Chromium, once with the site's CSP bypassed
(`bypass_csp=True`: the sanitizer must hold on its own) and once with CSP on: every post page
(title, body, replies with their authors' display names, JSON-LD), every tag page (introduction,
post card), every author page (bio, display name, the cards of up to 20 posts with their titles
and summaries), every search page (the query echoed in the title, the field and the status line,
results with highlighted titles and snippets), the home page and the tag index. The Atom feeds
(XML, never run as a page) are checked on the server side only.

On every page: no dialog opens and no alert/confirm/prompt/print is called (an init script
wraps them and records calls in `window.__xss`); Chrome DevTools reports no script parsed from
the page (`Debugger.scriptParsed`: the site has no script at all, so an inline script, handler
or file would be injected); no uncaught error or console error; no request, WebSocket or popup
for another origin (recorded; a proxy that refuses everything keeps them on the machine); zero
`securitypolicyviolation` events; the page does not navigate away; after every element got
mouse, pointer, focus, input, toggle, animation, load and error events, the parsed DOM holds no
forbidden element, no foreign namespace, no event-handler, style or srcdoc attribute, no URL
with a scheme other than http/https/mailto and no other base URL; the served HTML passes
tests/xss_checks.page_problems and carries each stored fragment verbatim. Every payload is
counted in every place (the markers, names, titles and search field are read back from the
DOM), and the test fails unless all 3,357 were seen in each, in both modes.

A positive control page, served by the same app with its real security headers, runs script
through each route and the same visit proves that every detector fires, in both modes.

Size and time: 2,979 users, 1,198 posts, 2,978 replies, 16 tags; 570 pages per mode, so 1,140
page loads, the two modes taking turns so that one page renders while the server builds the
other. Building the site takes about 20 s; a page load costs about 170 ms of CPU (two thirds of
it Chromium's), so the module needs about 210 s of CPU in all: measured at 4 min 34 s and
5 min 0 s of wall time while other test runs kept this 2-core machine's load average at 4 to 7.
"""

from __future__ import annotations

import bisect
import math
import re
import socket
import time
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest

from app import create_app
from app.account.profile import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    ProfileError,
    clean_display_name,
    decide_change,
    pending_change,
    update_profile,
)
from app.auth.services import create_account
from app.authors.views import POSTS_PER_PAGE
from app.content import render_markdown
from app.db import utcnow
from app.extensions import db
from app.feeds.atom import xml_text
from app.models import User
from app.moderation import service
from app.moderation.gate import impersonation_problem
from app.posts.services import TITLE_MAX, TITLE_MIN, create_comment, create_post
from app.search import MAX_QUERY_LENGTH, close_backend, get_backend
from app.search.outbox import rebuild_from_database
from app.tags.services import DESCRIPTION_MAX, clean_tag_input, create_tag
from tests.browser.conftest import serve
from tests.conftest import ENVIRONMENT_SETTINGS, test_config
from tests.helpers import PASSWORD
from tests.xss_checks import (
    FORBIDDEN_PAGE_TAGS,
    FULL_PAYLOADS,
    URL_ATTRIBUTES,
    fragment_problems,
    load_jsonl,
    page_problems,
)

pytestmark = pytest.mark.browser

FULL_SET_SIZE = 3357
MARKER = "xss-sweep-{:04d}"
MARKER_PATTERN = re.compile(r"<p>xss-sweep-(\d{4})</p>")
END = "xss-sweep-end-of-batch"  # closes every batch, so stripping never touches a payload
BATCH_MAX = DESCRIPTION_MAX  # post bodies (BODY_MAX is larger) and tag introductions

PLACES = (
    "post bodies",
    "replies",
    "bios",
    "tag introductions",
    "display names",
    "titles",
    "search queries",
)
# Containers of stored HTML on a page, and the place each one is.
CONTAINERS = {
    "post bodies": "article.post > .prose",
    "replies": ".comment .prose",
    "bios": ".prose.bio",
    "tag introductions": ".prose.tag-intro",
}

CONTROL_PATH = "/__xss-sweep-control"
CONTROL_PAGE = """<!doctype html>
<html lang="en"><head><title>control</title></head><body>
<script>alert('inline script')</script>
<img src="/__xss-sweep-missing.png" onerror="confirm('img onerror')">
<p onmouseover="prompt('mouseover')">hover</p>
<p onfocus="undefinedSweepFunction()">focus</p>
<img src="http://xss-sweep.invalid/beacon.png" alt="">
<a href="javascript:alert('never clicked')">link</a>
</body></html>"""

INIT_SCRIPT = """(() => {
  const calls = [];
  window.__xss = calls;
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    const original = window[name];
    window[name] = function (...args) {
      calls.push(name + '(' + args.map(String).join(', ') + ')');
      // print() would wait for a print dialog headless Chromium never shows
      if (name !== 'print') return original.apply(this, args);
    };
  }
  const violations = [];
  window.__xssViolations = violations;
  document.addEventListener('securitypolicyviolation', (event) => {
    violations.push(event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline') +
                    (event.sample ? ': ' + event.sample : ''));
  }, true);
})();
//# sourceURL=xss-sweep-init.js"""
OWN_SCRIPT_URLS = frozenset({"xss-sweep-init.js", "__playwright_evaluation_script__"})

# Provoke every inline handler a payload could have left, then read back what the page holds.
INSPECT = """async ([forbiddenTags, urlAttributes, containers]) => {
  const types = ['mouseover', 'mouseenter', 'pointerover', 'mousemove', 'click', 'focus',
    'focusin', 'blur', 'input', 'keydown', 'toggle', 'animationstart', 'transitionend', 'load',
    'error'];
  const elements = Array.from(document.querySelectorAll('*'));
  for (const target of [window, document, ...elements]) {
    for (const type of types) target.dispatchEvent(new Event(type));
  }
  await new Promise((resolve) => setTimeout(resolve, 0));

  const forbidden = new Set(forbiddenTags);
  const urls = new Set(urlAttributes);
  const problems = [];
  for (const element of document.querySelectorAll('*')) {
    const tag = element.localName;
    if (element.namespaceURI !== 'http://www.w3.org/1999/xhtml') {
      problems.push(`<${tag}> in ${element.namespaceURI}`);
    }
    if (forbidden.has(tag) && !(tag === 'script' && element.type === 'application/ld+json')) {
      problems.push(`<${tag}> element`);
    }
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on') || ['srcdoc', 'style', 'http-equiv'].includes(name)) {
        problems.push(`${name}=${JSON.stringify(attribute.value.slice(0, 80))} on <${tag}>`);
      } else if (urls.has(name)) {
        let scheme = null;
        try { scheme = new URL(attribute.value, document.baseURI).protocol; } catch (e) {}
        if (scheme !== null && !['http:', 'https:', 'mailto:'].includes(scheme)) {
          problems.push(`${name}=${JSON.stringify(attribute.value.slice(0, 80))} on <${tag}>`);
        }
      }
    }
  }
  if (document.baseURI !== location.href.split('#')[0]) {
    problems.push(`base URL ${document.baseURI}`);
  }
  if (window.frames.length) problems.push(`${window.frames.length} frame(s)`);

  const text = (selector) => Array.from(document.querySelectorAll(selector), (e) => e.textContent);
  const markers = {};
  for (const [place, selector] of Object.entries(containers)) {
    markers[place] = [];
    for (const container of document.querySelectorAll(selector)) {
      for (const paragraph of container.querySelectorAll(':scope > p')) {
        const match = /^xss-sweep-(\\d{4})$/.exec(paragraph.textContent);
        if (match) markers[place].push(Number(match[1]));
      }
    }
  }
  const query = document.querySelector('input#q');
  return {
    calls: Array.isArray(window.__xss) ? window.__xss.slice() : ['window.__xss replaced'],
    violations: (window.__xssViolations || []).slice(),
    problems,
    markers,
    names: text('.author > a').concat(text('.author-header h1')),
    titles: text('.post-card-title > a').concat(text('.compact-title')),
    query: query ? query.value : null,
  };
}"""


def normalize_newlines(text: str) -> str:
    """What HTML parsing makes of line breaks in text: CR and CRLF become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# The plan: which payload goes into which field ---------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One short text field made of payloads: whole ones joined by spaces, or a slice of one."""

    text: str
    payloads: tuple[int, ...]  # whose text, or part of it, is in `text`
    starts: tuple[int, ...]  # whose first character is in `text`


def pack_pieces(payloads: list[str], limit: int) -> list[Piece]:
    """Fields of at most `limit` characters holding every payload: a longer payload is cut
    into `limit`-sized slices, and the short ones (and those slices' tails) are packed
    best-fit, longest first, joined by spaces, so the fields (and page loads) are few."""
    pieces: list[Piece] = []
    items: list[tuple[str, int, bool]] = []  # text, payload, whether the payload starts here
    for index, payload in enumerate(payloads):
        if len(payload) <= limit:
            items.append((payload, index, True))
            continue
        whole = len(payload) // limit * limit
        for start in range(0, whole, limit):
            first = (index,) if start == 0 else ()
            pieces.append(Piece(payload[start : start + limit], (index,), first))
        if whole < len(payload):
            items.append((payload[whole:], index, False))
    items.sort(key=lambda item: (-len(item[0]), item[1]))
    bins: list[list[tuple[str, int, bool]]] = []
    room: list[tuple[int, int]] = []  # (characters left, bin), sorted
    for item in items:
        need = len(item[0]) + 1  # and a space
        position = bisect.bisect_left(room, (need, -1))
        if position < len(room):
            left, number = room.pop(position)
            bins[number].append(item)
            bisect.insort(room, (left - need, number))
        else:
            bins.append([item])
            bisect.insort(room, (limit - len(item[0]), len(bins) - 1))
    for packed in bins:
        pieces.append(
            Piece(
                " ".join(text for text, _, _ in packed),
                tuple(index for _, index, _ in packed),
                tuple(index for _, index, first in packed if first),
            )
        )
    return pieces


def batch_source(indices, payloads: list[str]) -> str:
    """Markdown with each payload in its own block, between marker paragraphs."""
    blocks = [f"{MARKER.format(i)}\n\n{payloads[i]}" for i in indices]
    return "\n\n".join([*blocks, END])


def batch_html(indices, singles: list[str]) -> str:
    """What the batch must render to: each payload rendered alone, in order."""
    return "".join(f"<p>{MARKER.format(i)}</p>\n{singles[i]}" for i in indices) + f"<p>{END}</p>\n"


def pack_batches(payloads: list[str], limit: int) -> list[list[int]]:
    batches: list[list[int]] = [[]]
    size = len(END)
    for index, payload in enumerate(payloads):
        cost = len(MARKER.format(index)) + 4 + len(payload) + 2
        if batches[-1] and size + cost > limit:
            batches.append([])
            size = len(END)
        batches[-1].append(index)
        size += cost
    return batches


@dataclass
class Visit:
    """A page to load, and what it must show."""

    path: str
    fragments: list[str] = field(default_factory=list)  # stored HTML, shown verbatim
    markers: dict[str, set[int]] = field(default_factory=dict)  # place -> payload markers
    names: dict[int, str] = field(default_factory=dict)  # name piece -> text shown
    titles: dict[int, str] = field(default_factory=dict)  # title piece -> text shown
    query: tuple[int, str] | None = None  # query piece -> the search field's value


@dataclass
class Site:
    payloads: list[str]
    names: list[Piece]
    titles: list[Piece]
    queries: list[Piece]
    visits: list[Visit]
    feeds: list[str]
    counts: dict[str, int]
    origin: str = ""


# Building the site through the services ----------------------------------------------------


def publish(item, moderator) -> None:
    """Trusted members publish at once; what the screen holds a moderator approves."""
    if item.status == "pending":
        service.apply(item, "approve", moderator)
    assert item.status == "published", (item, item.status)


def publish_profile(user, moderator) -> None:
    """A name or bio the screen holds a moderator approves, as for posts."""
    change = pending_change(user)
    if change is not None:
        decide_change(change, moderator, "approve", "")


def build_site(app, payloads: list[str]) -> Site:
    singles = [render_markdown(payload) for payload in payloads]
    batches = pack_batches(payloads, BATCH_MAX)
    bios = pack_batches(payloads, BIO_MAX)
    names = pack_pieces(payloads, DISPLAY_NAME_MAX)
    titles = pack_pieces(payloads, TITLE_MAX)
    queries = pack_pieces(payloads, MAX_QUERY_LENGTH)
    authors = max(len(bios), math.ceil((len(titles) + len(batches)) / POSTS_PER_PAGE))
    assert authors <= len(names)

    moderator = create_account(
        email="sweep-moderator@example.org",
        username="sweep-moderator",
        password=PASSWORD,
        role="moderator",
        consented=True,
    )

    def stored(html: str, indices) -> str:
        assert html == batch_html(indices, singles), "a batch renders unlike its payloads"
        return html

    tags = []
    for number, batch in enumerate(batches):
        tag = create_tag(
            clean_tag_input(
                name=f"Sweep introduction {number}",
                slug=f"sweep-intro-{number}",
                kind="topic",
                description=batch_source(batch, payloads),
                synonyms="",
            )
        )
        stored(tag.description_html, batch)
        tags.append(tag)

    # Members who never sign in: no password; their profile is what is under test.
    users = [
        User(
            email=f"sweep{number}@example.org",
            username=f"sweep{number:04d}",
            display_name=f"sweep{number:04d}",
            consented_at=utcnow(),
            approved_post_count=app.config["TRUSTED_PUBLISH_THRESHOLD"],
        )
        for number in range(len(names))
    ]
    db.session.add_all(users)
    db.session.flush()
    blank_names = 0
    for number, (user, piece) in enumerate(zip(users, names, strict=True)):
        bio = batch_source(bios[number], payloads) if number < len(bios) else ""
        if impersonation_problem(piece.text):  # the sweep tests rendering, not the name rule
            user.display_name = clean_display_name(piece.text)
        try:
            update_profile(user, display_name=piece.text, bio=bio, conditions={})
        except ProfileError as refusal:  # nothing but blanks: the form refuses it too
            assert refusal.field == "display_name", refusal
            blank_names += 1
            update_profile(user, display_name=f"blank:{piece.text}", bio=bio, conditions={})
        publish_profile(user, moderator)
        if bio:
            stored(user.bio_html, bios[number])

    visits: list[Visit] = []
    body_posts = []
    for number, batch in enumerate(batches):
        post = create_post(
            author=users[number],
            kind="experience",
            title=f"Sweep batch {number} of post bodies and replies",
            body=batch_source(batch, payloads),
            tags=[tags[number]],
            submit=True,
        )
        publish(post, moderator)
        stored(post.body_html, batch)
        body_posts.append(post)

    posts_of: dict[int, list[int]] = {number: [] for number in range(authors)}
    # Round robin, so every author has published posts (and a public page), none more than
    # one page of them: the author's page shows every title.
    slots = [
        author
        for turn in range(POSTS_PER_PAGE)
        for author in range(authors)
        if turn < POSTS_PER_PAGE - (author < len(batches))
    ]
    for number, piece in enumerate(titles):
        title = piece.text.strip()
        while len(title) < TITLE_MIN:
            title = f"{title} (xss)".strip()
        author = users[slots[number]]
        post = create_post(
            author=author,
            kind="question",
            title=title,
            body=batch_source(piece.payloads, payloads),
            tags=[],
            submit=True,
        )
        publish(post, moderator)
        stored(post.body_html, piece.payloads)
        posts_of[slots[number]].append(number)
        titles[number] = Piece(post.title, piece.payloads, piece.starts)

    replies_on: dict[int, Visit] = {}
    for number, post in enumerate(body_posts):
        visit = Visit(
            f"/posts/{post.id}/{post.slug}",
            fragments=[post.body_html],
            markers={"post bodies": set(batches[number]), "replies": set()},
            names={number: users[number].display_name},
        )
        replies_on[number] = visit
        visits.append(visit)
    for number, (user, piece) in enumerate(zip(users, names, strict=True)):
        target = number * len(body_posts) // len(users)
        reply = create_comment(
            post=body_posts[target], author=user, body=batch_source(piece.starts, payloads)
        )
        publish(reply, moderator)
        stored(reply.body_html, piece.starts)
        replies_on[target].fragments.append(reply.body_html)
        replies_on[target].markers["replies"].update(piece.starts)
        replies_on[target].names[number] = user.display_name
        names[number] = Piece(user.display_name, piece.payloads, piece.starts)

    for number, (tag, post) in enumerate(zip(tags, body_posts, strict=True)):
        visits.append(
            Visit(
                f"/tags/{tag.slug}",
                fragments=[tag.description_html],
                markers={"tag introductions": set(batches[number])},
                names={number: users[number].display_name},
            )
        )
        assert post.tags == [tag]
    for number in range(authors):
        user = users[number]
        visits.append(
            Visit(
                f"/authors/{user.username}",
                fragments=[user.bio_html] if user.bio_html else [],
                markers={"bios": set(bios[number])} if number < len(bios) else {},
                names={number: user.display_name},
                titles={piece: titles[piece].text for piece in posts_of[number]},
            )
        )
    visits += [Visit("/"), Visit("/tags/")]
    for number, piece in enumerate(queries):
        visits.append(Visit(f"/search?q={quote(piece.text, safe='')}", query=(number, piece.text)))

    db.session.commit()
    rebuild_from_database(get_backend(app))
    feeds = ["/feeds/latest.atom"]
    feeds += [f"/tags/{tag.slug}/feed.atom" for tag in tags]
    feeds += [f"/authors/{users[number].username}/feed.atom" for number in range(authors)]
    counts = {
        "users": len(users) + 1,
        "posts": len(body_posts) + len(titles),
        "replies": len(names),
        "batches": len(batches),
        "bios": len(bios),
        "blank names": blank_names,
    }
    return Site(payloads, names, titles, queries, visits, feeds, counts)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    payloads = [row["payload"] for row in load_jsonl(FULL_PAYLOADS)]
    assert len(payloads) == FULL_SET_SIZE
    with pytest.MonkeyPatch.context() as patch:
        for name in ENVIRONMENT_SETTINGS:
            patch.delenv(name, raising=False)
        app = create_app(test_config(tmp_path_factory.mktemp("sweep")))
    # Raw, unsanitized markup served with the app's real headers: the positive control.
    app.add_url_rule(CONTROL_PATH, "xss_sweep_control", lambda: CONTROL_PAGE)
    with app.app_context():
        db.create_all()
        built = build_site(app, payloads)
        with serve(app) as origin:
            built.origin = origin
            yield built
        db.session.remove()
        close_backend(app)
        db.engine.dispose()


# Watching Chromium -------------------------------------------------------------------------


@dataclass
class Report:
    findings: dict[str, list[str]]
    seen: dict
    html: str

    def failures(self) -> dict[str, list[str]]:
        return {name: found for name, found in self.findings.items() if found}


class Watcher:
    """One browser context and page for a whole pass; every detector attached once.

    `start` sends the page's request and returns once the answer is in; `finish` waits for
    the page's load event and inspects it. Two watchers (one per CSP mode) take turns, so one
    page renders in Chromium while the server builds the other.
    """

    def __init__(self, browser, origin: str, bypass_csp: bool):
        self.origin = origin
        # Anything for another host goes to a proxy that refuses it: nothing leaves the
        # machine, and the browser's cache keeps working (request interception would turn
        # it off and double the requests of each page).
        self.refuser = socket.socket()
        self.refuser.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        proxy = f"http://127.0.0.1:{self.refuser.getsockname()[1]}"
        self.context = browser.new_context(
            bypass_csp=bypass_csp, proxy={"server": proxy, "bypass": "127.0.0.1"}
        )
        self.context.add_init_script(INIT_SCRIPT)
        self.page = self.context.new_page()
        self.current: dict[str, list[str]] = {}
        self.url = ""
        self.response = None
        page = self.page
        page.on("request", self._request)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self._note("page errors", str(error)))
        page.on("console", self._console)
        page.on("popup", lambda popup: self._note("popups", popup.url))
        page.on("websocket", lambda socket: self._note("websockets", socket.url))
        self.devtools = self.context.new_cdp_session(page)
        self.devtools.on("Debugger.scriptParsed", self._script)
        self.devtools.send("Debugger.enable")

    def close(self) -> None:
        self.devtools.detach()
        self.context.close()
        self.refuser.close()

    def _note(self, kind: str, what: str) -> None:
        self.current.setdefault(kind, []).append(what)

    def _request(self, request) -> None:
        if not request.url.startswith(self.origin + "/") and not request.url.startswith("data:"):
            self._note("requests to other hosts", request.url)

    def _dialog(self, dialog) -> None:
        self._note("dialogs", f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self._note("console errors", message.text)

    def _script(self, event: dict) -> None:
        """Scripts the page's own document brings (inline, handlers, files) carry a URL;
        Playwright's evaluations carry none, and eval'd code needs one of the former first."""
        context = event.get("executionContextAuxData") or {}
        url = event.get("url")
        if context.get("isDefault") and url and url not in OWN_SCRIPT_URLS:
            self._note("scripts parsed", f"{url} line {event.get('startLine')}")

    def start(self, url: str) -> None:
        self.current = {}
        self.url = url
        self.response = self.page.goto(url, wait_until="commit")
        assert self.response is not None, url

    def finish(self) -> Report:
        response, url = self.response, self.url
        self.page.wait_for_load_state("load")
        html = response.text()
        seen = self.page.evaluate(
            INSPECT, [sorted(FORBIDDEN_PAGE_TAGS), sorted(URL_ATTRIBUTES), CONTAINERS]
        )
        findings = {
            kind: self.current.get(kind, [])
            for kind in (
                "dialogs",
                "page errors",
                "console errors",
                "popups",
                "websockets",
                "requests to other hosts",
                "scripts parsed",
            )
        }
        findings["status"] = [] if response.status == 200 else [str(response.status)]
        findings["alert/confirm/prompt/print calls"] = seen["calls"]
        findings["CSP violations"] = seen["violations"]
        findings["DOM"] = seen["problems"]
        findings["served HTML"] = page_problems(html)
        findings["navigated away"] = [] if self.page.url == url else [self.page.url]
        return Report(findings, seen, html)

    def visit(self, url: str) -> Report:
        self.start(url)
        return self.finish()


def control_report(browser, site: Site, bypass_csp: bool) -> Report:
    watcher = Watcher(browser, site.origin, bypass_csp)
    try:
        watcher.visit(site.origin + "/")  # the detectors survive a navigation
        return watcher.visit(site.origin + CONTROL_PATH)
    finally:
        watcher.close()


# The tests ---------------------------------------------------------------------------------

MODES = [True, False]
MODE_IDS = ["csp-bypassed", "csp-on"]


@pytest.mark.parametrize("bypass_csp", MODES, ids=MODE_IDS)
def test_positive_control_every_detector_fires(browser, site, bypass_csp):
    """The same visit, on a page of raw markup served with the site's headers, sees it all."""
    report = control_report(browser, site, bypass_csp)
    failures = report.failures()
    assert any("'<script' in the page source" in p for p in failures["served HTML"]), failures
    assert "<script> element" in failures["DOM"], failures
    assert any(p.startswith("onerror=") for p in failures["DOM"]), failures
    assert any(p.startswith('href="javascript:') for p in failures["DOM"]), failures
    # asked for in both modes (CSP refuses it before it is sent; the proxy refuses the rest)
    assert failures["requests to other hosts"] == ["http://xss-sweep.invalid/beacon.png"]
    if bypass_csp:
        calls = failures["alert/confirm/prompt/print calls"]
        assert set(calls) == {"alert(inline script)", "confirm(img onerror)", "prompt(mouseover)"}
        assert set(failures["dialogs"]) == {
            "alert: inline script",
            "confirm: img onerror",
            "prompt: mouseover",
        }
        assert any("undefinedSweepFunction" in error for error in failures["page errors"])
        assert len(failures["scripts parsed"]) >= 3, failures  # the script and two handlers
        assert "CSP violations" not in failures
    else:
        violations = failures["CSP violations"]
        assert any(v.startswith("script-src-elem blocked inline") for v in violations), violations
        assert any(v.startswith("script-src-attr blocked inline") for v in violations), violations
        assert any("http://xss-sweep.invalid/beacon.png" in v for v in violations), violations
        for silent in ("dialogs", "alert/confirm/prompt/print calls", "scripts parsed"):
            assert silent not in failures, failures
        assert "console errors" in failures  # Chromium reports each refusal


def whole_payloads(pieces: list[Piece], seen: set[int], total: int) -> set[int]:
    """The payloads every piece of which was seen."""
    missing = {
        i for number, piece in enumerate(pieces) if number not in seen for i in piece.payloads
    }
    return set(range(total)) - missing


@dataclass
class Tally:
    """What one CSP mode found on the pages, and which payloads it saw in each place."""

    problems: list[str] = field(default_factory=list)
    markers: dict[str, set[int]] = field(default_factory=lambda: {p: set() for p in CONTAINERS})
    names: set[int] = field(default_factory=set)
    titles: set[int] = field(default_factory=set)
    queries: set[int] = field(default_factory=set)

    def record(self, visit: Visit, report: Report) -> None:
        where = visit.path[:90]
        problems = self.problems
        for kind, found in report.failures().items():
            problems.append(f"{where}: {kind}: {found[:5]}")
        for fragment in visit.fragments:
            if fragment not in report.html:
                problems.append(f"{where}: a stored fragment is not shown verbatim")
        for place, expected in visit.markers.items():
            got = report.seen["markers"][place]
            if sorted(got) != sorted(expected):
                problems.append(f"{where}: {place} markers differ from what was stored")
            self.markers[place].update(got)
        shown_names = set(report.seen["names"])
        for number, name in visit.names.items():
            if name in shown_names:
                self.names.add(number)
            else:
                problems.append(f"{where}: display name {name!r} is not shown")
        shown_titles = set(report.seen["titles"])
        for number, title in visit.titles.items():
            if normalize_newlines(title) in shown_titles:
                self.titles.add(number)
            else:
                problems.append(f"{where}: title {title!r} is not shown")
        if visit.query is not None:
            number, text = visit.query
            # the field's value loses its line breaks (HTML's value sanitization)
            if report.seen["query"] == text.replace("\r", "").replace("\n", ""):
                self.queries.add(number)
            else:
                problems.append(f"{where}: the search field shows {report.seen['query']!r}")

    def coverage(self, site: Site) -> dict[str, int]:
        """How many payloads were seen whole in each place."""
        total = len(site.payloads)
        covered = {place: set(self.markers[place]) for place in CONTAINERS}
        covered["display names"] = whole_payloads(site.names, self.names, total)
        covered["titles"] = whole_payloads(site.titles, self.titles, total)
        covered["search queries"] = whole_payloads(site.queries, self.queries, total)
        return {place: len(covered[place]) for place in PLACES}


def test_every_payload_stays_inert_on_every_page(browser, site, relevance_report):
    """Every page, with the CSP bypassed and with it on; the two modes take turns."""
    started = time.monotonic()
    bypassed, enforced = (Watcher(browser, site.origin, mode) for mode in MODES)
    tallies = {watcher: Tally() for watcher in (bypassed, enforced)}
    previous = None
    try:
        for visit in site.visits:
            bypassed.start(site.origin + visit.path)
            if previous is not None:
                tallies[enforced].record(previous, enforced.finish())
            enforced.start(site.origin + visit.path)
            tallies[bypassed].record(visit, bypassed.finish())
            previous = visit
        tallies[enforced].record(previous, enforced.finish())
    finally:
        bypassed.close()
        enforced.close()
    elapsed = time.monotonic() - started
    expected = dict.fromkeys(PLACES, len(site.payloads))
    failures = []
    for mode, tally in zip(MODE_IDS, (tallies[bypassed], tallies[enforced]), strict=True):
        counted = tally.coverage(site)
        relevance_report.append(
            f"xss payload sweep ({mode}): {len(site.visits)} pages; payloads seen per place: "
            + ", ".join(f"{place} {count}" for place, count in counted.items())
        )
        failures += [f"{mode}: {problem}" for problem in tally.problems]
        if counted != expected:
            failures.append(f"{mode}: not every payload was seen everywhere: {counted}")
    relevance_report.append(
        f"xss payload sweep: {2 * len(site.visits)} page loads in {elapsed:.0f} s "
        f"({', '.join(f'{k} {v}' for k, v in site.counts.items())})"
    )
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:40])


def test_the_feeds_carry_every_payload_inert(site, relevance_report):
    """Atom feeds are XML that no browser runs: the HTML they carry must be inert, and every
    payload must be in them, as post content (tag feeds) and as titles (author feeds)."""
    atom = "{http://www.w3.org/2005/Atom}"
    markers: set[int] = set()
    title_pieces: dict[str, list[int]] = {}
    for number, piece in enumerate(site.titles):
        title_pieces.setdefault(normalize_newlines(xml_text(piece.text)), []).append(number)
    seen_titles: set[int] = set()
    for path in site.feeds:
        with urllib.request.urlopen(site.origin + path) as response:
            assert response.status == 200, path
            body = response.read()
        feed = ET.fromstring(body)  # well-formed, whatever the payloads were
        for entry in feed.iter(f"{atom}entry"):
            content = entry.find(f"{atom}content")
            assert content is not None and content.get("type") == "html", path
            html = content.text or ""
            assert not fragment_problems(html), (path, fragment_problems(html)[:5])
            markers.update(int(m) for m in MARKER_PATTERN.findall(html))
            title = entry.find(f"{atom}title")
            assert title is not None and title.get("type") == "text", path
            seen_titles.update(title_pieces.get(title.text or "", ()))
    titles = whole_payloads(site.titles, seen_titles, len(site.payloads))
    relevance_report.append(
        f"xss payload sweep (feeds, server side): {len(site.feeds)} feeds; payloads seen as "
        f"post content {len(markers)}, as titles {len(titles)}"
    )
    assert markers == set(range(len(site.payloads)))
    assert len(titles) == len(site.payloads)
