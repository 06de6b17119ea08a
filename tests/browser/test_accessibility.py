"""Every main page passes axe-core's WCAG 2.1 A and AA rules, light and dark, phone and desktop.

axe-core comes from npm (package.json pins it; `make node-deps`, run by `make test`, installs
it into node_modules/). Playwright injects it into Debian's headless Chromium and runs it on
the real pages served by the test app: home, a tag page, an article, an author page, search,
sign-in, register, the page a registration link opens (its password form, empty and again
with the errors of a refused password), the tags index, a new post (signed in), the
moderation queue (as a moderator, with a pending post in it) and search insights, a question
with an accepted answer and a clinician's reply (to a reader and to its asker), the
providers' list of unanswered questions, an overdue article with references, the article form
as a provider sees it, and the moderators' list of articles due for review; the tag page's
"What members report" box with its figures, and an experience showing its facts.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.account.profile import update_profile
from app.answers.services import accept
from app.auth.reset import token_digest
from app.db import utcnow
from app.demo.loader import seed_demo
from app.experiences.facts import Facts
from app.experiences.reports import MIN_MEMBERS
from app.experiences.services import save_facts
from app.extensions import db
from app.mailings.unsubscribe import make_token
from app.models import PendingRegistration, Post, Tag, User
from app.posts.references import parse_references, replace_references
from app.posts.services import create_post
from tests.conftest import make_user
from tests.helpers import PASSWORD, add_comment, csrf_from, make_post

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary.replace(/\\s+/g, ' ')),
  }));
}"""

SCHEMES = ["light", "dark"]
WIDTHS = [320, 1280]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.extend(f"      {node}" for node in violation["nodes"][:8])
        if len(violation["nodes"]) > 8:
            lines.append(f"      ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def axe_failures(page, where: str) -> list[str]:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE, WCAG_21_AA)
    return [f"{where}:\n{describe(violations)}"] if violations else []


def signed_in_state(browser, base: str, email: str) -> dict:
    """The cookies of a real sign-in through the form, for the contexts that check pages.

    Sent with the context's request client, not a page: a page would load the home page's
    stylesheet and icon again from cache, and the dev server leaks the file of a static 304
    (a ResourceWarning, which this suite turns into an error).
    """
    context = browser.new_context()
    form = context.request.get(base + "/auth/login")
    answer = context.request.post(
        base + "/auth/login",
        form={"csrf_token": csrf_from(form.text()), "email": email, "password": PASSWORD},
        max_redirects=0,
    )
    assert answer.status == 302, f"signing in {email} failed: {answer.status}"
    state = context.storage_state()
    context.close()
    return state


def community_with_a_pending_post() -> dict[str, str]:
    """The demo, a moderator, and a member whose first post and bio wait in the moderation
    queue."""
    seed_demo()
    db.session.commit()
    moderator = make_user("mod_on_duty", "moderator")
    member = make_user("new_member")
    create_post(
        author=member,
        kind="experience",
        title="Three months on azathioprine: tiredness and blood tests",
        body="My first weeks were tiring, and the blood tests every fortnight helped me relax.",
        tags=[],
        submit=True,
    )
    update_profile(
        member,
        display_name="New member",
        bio="Diagnosed with autoimmune hepatitis last spring; reach me at new@example.org.",
        conditions={},
    )
    db.session.commit()
    assert db.session.scalar(select(Post).where(Post.author_id == member.id)).status == "pending"
    article = db.session.scalar(
        select(Post)
        .join(User, Post.author_id == User.id)
        .where(Post.kind == "article", Post.status == "published", User.username == "dr-okafor")
        .order_by(Post.id)
        .limit(1)
    )
    return {
        "moderator": moderator.email,
        "member": member.email,
        "article": f"/posts/{article.id}/{article.slug}",
        "unsubscribe": f"/email/unsubscribe/{make_token(member.id, 'digest')}",
    }


def answered_question() -> dict[str, str]:
    """A member's question with a verified clinician's reply and another member's reply, the
    one its asker accepted."""
    asker = make_user("asking_member")
    clinician = make_user(
        "clinic_hepatologist",
        "provider",
        verification_state="verified",
        credentials="MD",
        specialty="Hepatology",
    )
    question = make_post(
        asker,
        kind="question",
        title="Is it safe to take my azathioprine with food?",
        body="It upsets my stomach in the morning. Does taking it with breakfast change anything?",
    )
    add_comment(
        question, clinician, "Many people take it with food; ask your own team.", "published"
    )
    helpful = add_comment(question, make_user("fellow_member"), "With food helped me.", "published")
    db.session.flush()
    accept(helpful, question.id, asker)
    db.session.commit()
    return {
        "asker": asker.email,
        "clinician": clinician.email,
        "question": f"/posts/{question.id}/{question.slug}",
    }


def overdue_article_with_references() -> dict[str, str]:
    """A verified provider's article, published 400 days ago and never reviewed since (so
    readers see the overdue notice), with references of every kind, one with a long address."""
    author = make_user(
        "citing_hepatologist",
        "provider",
        verification_state="verified",
        credentials="MD",
        specialty="Hepatology",
    )
    article = make_post(
        author,
        kind="article",
        title="TPMT testing before azathioprine",
        body="Your team checks TPMT activity before the first dose, to choose a safe dose.",
        days_ago=400,
    )
    lines = (
        "PMID:20041420 Manns MP et al. Diagnosis and management of autoimmune hepatitis\n"
        "10.1016/j.jhep.2015.06.030 EASL <em>clinical</em> practice guidelines\n"
        "https://example.org/" + "a-very-long-path-segment/" * 12 + "leaflet.pdf"
    )
    replace_references(article, parse_references(lines))
    db.session.commit()
    return {"provider": author.email, "article": f"/posts/{article.id}/{article.slug}"}


def members_reporting_facts() -> str:
    """Enough members' experiences with facts in the azathioprine tag for its figures to show;
    the path of one of them."""
    tag = db.session.scalar(select(Tag).where(Tag.slug == "azathioprine"))
    facts = Facts(
        medication="azathioprine",
        change="switched",
        switched_to="mycophenolate",
        dose_band="usual",
        duration="1_to_6_months",
        side_effects=("nausea", "hair_thinning"),
        outcome="better",
    )
    for number in range(MIN_MEMBERS):
        post = make_post(
            make_user(f"reporting_member{number}"),
            title=f"Why I moved to mycophenolate, part {number}",
            tags=[tag],
        )
        save_facts(post, facts)
    db.session.commit()
    return post.path


def registration_link() -> str:
    """The page the link in a registration mail opens, for a registration waiting for it."""
    token = secrets.token_urlsafe(32)
    db.session.commit()  # end the read transaction first: a stale WAL snapshot cannot write
    db.session.add(
        PendingRegistration(
            email="joining@example.org",
            username="joining_member",
            consented_at=utcnow(),
            token_hash=token_digest(token),
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    db.session.commit()
    return f"/auth/register/confirm?token={token}"


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
@pytest.mark.parametrize("scheme", SCHEMES)
def test_pages_have_no_wcag_21_aa_violations(app, live_server, browser, scheme, width):
    assert AXE.is_file(), f"{AXE} is missing: run `make node-deps` (npm ci) first."
    people = community_with_a_pending_post()
    asked = answered_question()
    joining = registration_link()
    cited = overdue_article_with_references()
    with_facts = members_reporting_facts()
    # Every row is written before the live server signs anyone in: a sign-in writes too, and
    # a write after it from this session's older snapshot would find SQLite busy.
    provider_state = signed_in_state(browser, live_server, cited["provider"])
    member_state = signed_in_state(browser, live_server, people["member"])
    moderator_state = signed_in_state(browser, live_server, people["moderator"])
    asker_state = signed_in_state(browser, live_server, asked["asker"])
    clinician_state = signed_in_state(browser, live_server, asked["clinician"])
    pages = [
        (None, "/"),
        (None, "/tags/"),
        (None, "/tags/azathioprine"),
        (None, with_facts),
        (None, people["article"]),
        (None, "/authors/dr-okafor"),
        (None, "/search?q=imuran"),
        (None, "/auth/login"),
        (None, "/auth/register"),
        (None, joining),
        (member_state, "/posts/new"),
        (member_state, "/me/profile"),
        (member_state, "/me/email"),
        (None, people["unsubscribe"]),
        (member_state, "/authors/new_member"),
        (moderator_state, "/moderation/"),
        (moderator_state, "/moderation/search-insights"),
        (None, asked["question"]),
        (asker_state, asked["question"]),
        (clinician_state, "/providers/questions"),
        (None, cited["article"]),
        (provider_state, "/posts/new"),
        (moderator_state, "/moderation/overdue-articles"),
    ]
    failures = []
    for state, path in pages:
        # The site's CSP (script-src 'self' 'nonce-...') rightly blocks the script tag
        # Playwright injects; bypass_csp lets axe run. The pages themselves are unchanged.
        context = browser.new_context(
            color_scheme=scheme,
            viewport={"width": width, "height": 800},
            bypass_csp=True,
            storage_state=state,
        )
        page = context.new_page()
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, f"{path}: {response}"
        assert page.url == live_server + path, f"{path} redirected to {page.url}"
        if path == "/tags/azathioprine":  # the box with its figures, not its empty state
            assert "members</li>" in page.content()
        failures.extend(axe_failures(page, f"{path} ({scheme}, {width}px)"))
        if path == cited["article"]:
            assert page.locator(".review-overdue").count() == 1
            assert page.locator(".references li").count() == 3
        if path == "/posts/new" and state is provider_state:  # refused references, kept
            page.get_by_label("Kind of post").select_option("article")
            page.get_by_label("Title").fill("Checking TPMT before azathioprine")
            page.get_by_label("Your post").fill("A long enough body about TPMT blood tests.")
            page.get_by_label("References (articles only)").fill("PMID:12ab\njavascript:x")
            page.get_by_role("button", name="Send").click()
            page.locator("#references-error").wait_for()
            failures.extend(axe_failures(page, f"{path}, refused ({scheme}, {width}px)"))
        if path == joining:  # the password form again, refused: a summary and field errors
            page.get_by_label("Password", exact=True).fill("short")
            page.get_by_label("Repeat the password", exact=True).fill("different")
            page.get_by_role("button", name="Create my account").click()
            page.locator(".error-summary").wait_for()
            assert page.locator('[aria-invalid="true"]').count() == 2
            failures.extend(axe_failures(page, f"{path}, refused ({scheme}, {width}px)"))
        context.close()
    assert not failures, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(failures)
