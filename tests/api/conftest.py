"""A small community with content in every state, for the JSON API tests."""

from __future__ import annotations

import pytest

from app.db import utcnow
from app.extensions import db
from app.models.enums import CONTENT_STATES
from tests.conftest import make_user
from tests.helpers import make_post, make_tag

UNPUBLISHED_STATES = tuple(state for state in CONTENT_STATES if state != "published")


@pytest.fixture
def community(app, users):
    """Published posts, one unpublished post per state, a silent member and private details."""
    tags = {
        "aza": make_tag("azathioprine", "medication", "Azathioprine"),
        "lupus": make_tag("lupus", "condition", "Lupus"),
        "diet": make_tag("diet", "topic", "Diet"),
        "unused": make_tag("unused-topic", "topic", "Unused topic"),
        "secret": make_tag("only-unpublished", "topic", "Only unpublished"),
    }
    tags["aza"].synonyms = "imuran, aza"
    reviewer = make_user(
        "reviewer",
        "provider",
        verification_state="verified",
        credentials="PharmD",
        specialty="Pharmacy",
        license_number="LIC-REVIEWER-778",
    )
    claimant = make_user(
        "claimant",
        "provider",
        verification_state="pending",
        credentials="MD (unchecked)",
        specialty="Unchecked specialty",
        license_number="LIC-CLAIMANT-991",
        bio_html="<p>Says they are a doctor.</p>",
    )
    silent = make_user("silent", suspension_reason="Silent member reason SR-123")
    unpublished_only = make_user("drafter")
    suspended = make_user(
        "suspended",
        suspended_until=utcnow().replace(year=utcnow().year + 1),
        suspension_reason="Suspension reason SR-456",
    )
    pat, other, prov = users["patient"], users["other_patient"], users["provider"]
    published = {
        "experience": make_post(
            pat, "My first month on azathioprine", tags=[tags["aza"]], days_ago=6
        ),
        "question": make_post(
            pat,
            "Lupus and azathioprine together?",
            kind="question",
            tags=[tags["aza"], tags["lupus"]],
            days_ago=5,
        ),
        "article": make_post(
            prov,
            "Blood tests on azathioprine",
            kind="article",
            tags=[tags["aza"]],
            days_ago=4,
        ),
        "other": make_post(
            other, "Eating well with lupus", tags=[tags["lupus"], tags["diet"]], days_ago=3
        ),
        "claimant": make_post(
            claimant, "A pending provider writes", tags=[tags["diet"]], days_ago=2
        ),
        "suspended": make_post(suspended, "Written before a suspension", days_ago=1),
    }
    article = published["article"]
    article.reviewed_by_id = reviewer.id
    article.last_reviewed_at = utcnow()
    hidden = {}
    for state in UNPUBLISHED_STATES:
        hidden[state] = make_post(
            pat,
            f"Unpublished {state} post about azathioprine",
            status=state,
            tags=[tags["aza"], tags["secret"]],
        )
        hidden[f"{state}-alone"] = make_post(
            unpublished_only,
            f"Only a {state} post by a quiet member",
            status=state,
            kind="article",
            tags=[tags["lupus"]],
        )
    db.session.commit()
    return {
        "tags": tags,
        "published": published,
        "hidden": hidden,
        "users": {
            **users,
            "reviewer": reviewer,
            "claimant": claimant,
            "silent": silent,
            "drafter": unpublished_only,
            "suspended": suspended,
        },
    }
