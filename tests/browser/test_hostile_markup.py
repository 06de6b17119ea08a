"""Hostile markup sent through the real forms never runs in Chromium, for anyone who reads it.

A new member sends a post full of payloads through the browser; a moderator signs in, finds it
in the queue, approves it with the Approve button and reads it; an anonymous visitor reads it.
On every page no dialog opens, no script error is logged, `window.__xss` stays undefined after
every element of the page was sent mouse, focus and toggle events, and every link the browser
resolved has an http, https or mailto scheme. A positive control proves each of those
detectors fires when a page does carry script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Post
from tests.conftest import make_user
from tests.helpers import PASSWORD
from tests.xss_checks import curated_payloads

pytestmark = pytest.mark.browser

HOSTILE_TITLE = '"><img src=x onerror=alert(1)><script>alert(2)</script><svg onload=alert(4)> hi'
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "[click](javascript:alert(3))",
    "<svg onload=alert(4)>",
    '"><iframe src=javascript:alert(5)>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==)",
    '<img src=x onerror="window.__xss=1">',
    '<a href="javascript:window.__xss=2">x</a> [y](javascript:window.__xss=3)',
    '<details open ontoggle="window.__xss=4;alert(7)"><summary>s</summary></details>',
    '<input autofocus onfocus="window.__xss=5">',
    '<p onmouseover="window.__xss=6">hover me</p>',
    "`<img src=x onerror=alert(8)>` and\n\n    <script>alert(9)</script>",
    "![x](javascript:alert(10)) <javascript:alert(11)>",
]
# Curated payloads that would run by themselves on load, error, focus or toggle.
_AUTOMATIC = re.compile(r"onerror|onload|autofocus|ontoggle|<script", re.IGNORECASE)
CURATED = [row["payload"] for row in curated_payloads() if _AUTOMATIC.search(row["payload"])][:12]

# Fire every inline handler a payload could have left: synthetic events reach them all.
FIRE_EVENTS = """() => {
  const types = ['mouseover', 'mouseenter', 'pointerover', 'mousemove', 'focus', 'focusin',
                 'blur', 'toggle', 'animationstart', 'transitionend', 'load', 'error'];
  for (const element of document.querySelectorAll('body *')) {
    for (const type of types) element.dispatchEvent(new Event(type));
  }
}"""
# The scheme of every link as the browser itself resolved it.
LINK_PROTOCOLS = """() => Array.from(document.querySelectorAll('a[href], area[href]'))
  .map(a => [a.getAttribute('href'), a.protocol])"""


def is_script_error(message) -> bool:
    """Console errors other than the browser noting a failed load (a 404 is not script)."""
    return message.type == "error" and not message.text.startswith("Failed to load resource")


@dataclass
class Watch:
    """What a page did: dialogs opened and script errors, recorded as they happen."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        def on_dialog(dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console", lambda msg: self.errors.append(msg.text) if is_script_error(msg) else None
        )

    def inspect(self, page) -> dict:
        """Provoke the page's inline handlers, then report everything that ran."""
        page.wait_for_load_state("load")
        page.evaluate(FIRE_EVENTS)
        page.wait_for_timeout(250)
        bad_links = [
            (href, protocol)
            for href, protocol in page.evaluate(LINK_PROTOCOLS)
            if protocol not in ("http:", "https:", "mailto:")
        ]
        return {
            "dialogs": list(self.dialogs),
            "errors": list(self.errors),
            "xss": page.evaluate("() => window.__xss === undefined ? null : String(window.__xss)"),
            "bad_links": bad_links,
        }

    def assert_inert(self, page, where: str) -> None:
        report = self.inspect(page)
        clean = {"dialogs": [], "errors": [], "xss": None, "bad_links": []}
        assert report == clean, f"{where} ({page.url}): {report}"


def watched_page(browser, bypass_csp: bool = True):
    """With the site's CSP bypassed by default: the sanitizer must hold on its own."""
    context = browser.new_context(bypass_csp=bypass_csp)
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    return context, page, watch


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


@pytest.mark.parametrize("bypass_csp", [True, False], ids=["csp-bypassed", "csp-on"])
def test_hostile_post_stays_inert_through_review_and_publication(
    app, live_server, browser, bypass_csp
):
    member = make_user("new_member")
    moderator = make_user("mod_on_duty", "moderator")
    body = "\n\n".join(["Some words first."] + HOSTILE + CURATED)
    assert len(CURATED) >= 8

    context, page, watch = watched_page(browser, bypass_csp)
    sign_in(page, live_server, member.email)
    page.goto(live_server + "/posts/new")
    page.get_by_label("Title").fill(HOSTILE_TITLE)
    page.get_by_label("Your post").fill(body)
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r".*/posts/\d+/.*"))
    assert page.get_by_role("heading", level=1).inner_text() == HOSTILE_TITLE
    watch.assert_inert(page, "the author's view of the pending post")
    context.close()

    db.session.rollback()
    post = db.session.scalar(select(Post).where(Post.author_id == member.id))
    assert post is not None and post.status == "pending"
    post_path = f"/posts/{post.id}/{post.slug}"

    context, page, watch = watched_page(browser, bypass_csp)
    sign_in(page, live_server, moderator.email)
    page.goto(live_server + "/moderation/")
    item = page.locator(".queue-item").filter(has=page.locator(f'a[href="{post_path}"]'))
    assert item.count() == 1, "the pending post is not in the moderation queue"
    assert item.locator("h3").inner_text() == HOSTILE_TITLE
    watch.assert_inert(page, "the moderation queue")
    item.get_by_role("button", name="Approve").click()
    page.wait_for_url(live_server + "/moderation/")
    assert page.get_by_text("Done: the post is approved.").is_visible()
    watch.assert_inert(page, "the queue after approving")
    page.goto(live_server + post_path)
    assert page.get_by_role("heading", level=1).inner_text() == HOSTILE_TITLE
    watch.assert_inert(page, "the moderator's view of the published post")
    context.close()

    db.session.rollback()
    assert db.session.get(Post, post.id).status == "published"

    context, page, watch = watched_page(browser, bypass_csp)
    page.goto(live_server + post_path)
    assert page.get_by_role("heading", level=1).inner_text() == HOSTILE_TITLE
    assert page.locator(".prose").inner_text().count("alert(") >= len(HOSTILE)
    watch.assert_inert(page, "an anonymous visitor's view of the post")
    page.goto(live_server + "/")
    assert page.get_by_text(HOSTILE_TITLE).first.is_visible()
    watch.assert_inert(page, "the home page")
    context.close()


CONTROL_PAGE = """<!doctype html><title>control</title>
<script>window.__xss = 'script'; alert('script');</script>
<img src="/__missing.png" onerror="alert('img onerror')">
<p onmouseover="alert('mouseover')">hover</p>
<a href="javascript:alert('never clicked')">link</a>"""


def test_positive_control_the_harness_sees_script_that_runs(app, browser, request):
    """The same detectors, on a page that does run script, all fire."""
    app.add_url_rule("/__control", "xss_control", lambda: CONTROL_PAGE)
    live_server = request.getfixturevalue("live_server")
    context, page, watch = watched_page(browser)
    page.goto(live_server + "/__control")
    report = watch.inspect(page)
    assert {"script", "img onerror", "mouseover"} <= set(report["dialogs"]), report
    assert report["xss"] == "script"
    assert report["bad_links"] == [("javascript:alert('never clicked')", "javascript:")]
    with pytest.raises(AssertionError, match="dialogs"):
        watch.assert_inert(page, "the control page")
    context.close()
