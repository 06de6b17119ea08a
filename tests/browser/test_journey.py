"""A newcomer joins (through the emailed link, on whose page they choose their password), signs
in again, and reads the Azathioprine page, as a person would."""

import re

import pytest

from app.demo.loader import seed_demo
from app.extensions import db
from tests.helpers import confirmation_link, take_mails

pytestmark = pytest.mark.browser


def is_script_error(message) -> bool:
    """Console errors other than the browser noting a deliberate 4xx form answer."""
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def test_register_sign_in_and_read_the_azathioprine_page(app, live_server, page):
    seed_demo()
    db.session.commit()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if is_script_error(msg) else None)

    page.goto(live_server + "/")
    page.get_by_role("link", name="Join").click()
    page.get_by_label("Email").fill("reader@example.org")
    page.get_by_label("Public handle").fill("new_reader")
    assert page.locator('input[type="password"]').count() == 0  # chosen on the link's page
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    (message,) = take_mails(app)
    assert message["To"] == "reader@example.org"
    link = confirmation_link(message)
    assert live_server + link in message.get_content()
    page.goto(live_server + link)
    assert page.get_by_text("@new_reader").first.is_visible()
    page.get_by_label("Password", exact=True).fill("twelve+ characters here")
    page.get_by_label("Repeat the password", exact=True).fill("twelve+ characters hear")
    page.get_by_role("button", name="Create my account").click()
    assert page.get_by_text("The two passwords do not match.").first.is_visible()
    page.get_by_label("Password", exact=True).fill("twelve+ characters here")
    page.get_by_label("Repeat the password", exact=True).fill("twelve+ characters here")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(live_server + "/")
    assert page.get_by_text("Welcome, @new_reader").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server + "/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("reader@example.org")
    page.get_by_label("Password").fill("wrong password entirely")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("That email and password do not match an account.").first.is_visible()
    assert page.get_by_label("Email").input_value() == "reader@example.org"
    page.get_by_label("Password").fill("twelve+ characters here")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/")
    assert page.get_by_role("button", name="Sign out").is_visible()

    page.get_by_role("complementary").get_by_role("link", name="Azathioprine").click()
    page.wait_for_url(live_server + "/tags/azathioprine")
    assert page.get_by_role("heading", level=1).inner_text() == "Azathioprine"
    assert page.locator(".tag-intro").inner_text().strip() != ""
    cards = page.locator(".post-card")
    assert cards.count() >= 10
    first_title = cards.first.locator(".post-card-title").inner_text()
    cards.first.locator(".post-card-title a").click()
    assert page.get_by_role("heading", level=1).inner_text() == first_title
    assert page.get_by_label("Medical disclaimer").is_visible()
    assert errors == []


def test_pages_fit_a_small_phone_without_sideways_scrolling(app, live_server, browser):
    seed_demo()
    db.session.commit()
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    for path in ("/", "/tags/azathioprine", "/auth/register"):
        page.goto(live_server + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
    context.close()
