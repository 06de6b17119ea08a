"""Structured facts on experiences, and the "What members report" figures of a tag: through
HTTP, on both databases (issue 21)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from app.experiences.facts import Facts
from app.experiences.reports import MIN_MEMBERS
from app.experiences.services import save_facts
from app.extensions import db
from app.models import ExperienceFact, ExperienceSideEffect, Post, experience_report_rows
from tests.api.contract import assert_matches, get_json
from tests.conftest import RequestIsolatedClient, make_user
from tests.helpers import PASSWORD, csrf_from, make_post, make_tag, post_form, sign_in, sign_out

SWITCH = "Switched from azathioprine (Imuran) to mycophenolate (CellCept)"
SWITCH_FACTS = Facts(
    medication="azathioprine",
    change="switched",
    switched_to="mycophenolate",
    side_effects=("nausea", "raised_liver_enzymes"),
    outcome="better",
)
FORM_FACTS = {
    "fact_medication": "azathioprine",
    "fact_change": "switched",
    "fact_switched_to": "mycophenolate",
    "fact_dose_band": "usual",
    "fact_duration": "1_to_6_months",
    "fact_side_effects": ["nausea", "hair_thinning"],
    "fact_outcome": "better",
}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def aza(app):
    tag = make_tag("azathioprine", "medication", "Azathioprine")
    db.session.commit()
    return tag


@pytest.fixture
def visitor(app):
    """A client with no cookie at all: it gets (and fills) the page cache."""
    app.test_client_class = RequestIsolatedClient
    return app.test_client()


def experience(author, tag, facts: Facts = SWITCH_FACTS, status="published", title=None):
    post = make_post(author, title=title or f"My story, by {author.username}", tags=[tag])
    save_facts(post, facts)
    post.status = status
    if status != "published":
        post.published_at = None
    db.session.commit()
    return post


def members(count: int, prefix: str = "member"):
    return [make_user(f"{prefix}{n}") for n in range(count)]


def reports(client, slug="azathioprine") -> dict:
    return get_json(client, f"/api/v1/tags/{slug}/reports", "TagReports")


def box(page: str) -> str:
    start = page.index('id="reports-heading"')
    return page[start : page.index("</section>", start)]


def write(client, data: dict, url="/posts/new"):
    base = {"kind": "experience", "title": "Moving off azathioprine", "tags": "azathioprine"}
    return post_form(client, url, {**base, "body": "What happened when I switched. " * 2, **data})


# Writing facts


def test_an_experience_keeps_its_facts_on_its_page_and_in_the_api(client, users, aza):
    sign_in(client, users["provider"].email)  # trusted: published at once
    response = write(client, FORM_FACTS)
    assert response.status_code == 302
    post = db.session.scalars(select(Post)).one()
    page = text(client.get(response.headers["Location"]))
    assert SWITCH in page and "Usual dose" in page and "1 to 6 months" in page
    assert "Nausea, hair thinning" in page and "Better" in page
    sign_out(client)
    detail = get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")
    assert detail["facts"] == {
        "medication": "azathioprine",
        "change": "switched",
        "switched_to": "mycophenolate",
        "dose_band": "usual",
        "duration": "1_to_6_months",
        "outcome": "better",
        "side_effects": ["nausea", "hair_thinning"],
    }


def test_editing_facts_replaces_them_and_clearing_them_leaves_none(client, users, aza):
    sign_in(client, users["provider"].email)
    write(client, FORM_FACTS)
    post = db.session.scalars(select(Post)).one()
    edit_url = f"/posts/{post.id}/edit"
    form = text(client.get(edit_url))
    assert '<option selected value="mycophenolate">' in form
    assert 'checked id="fact_side_effects-1"' in form or "checked" in form.split("hair")[0][-200:]
    changed = {**FORM_FACTS, "fact_change": "stopped", "fact_switched_to": ""}
    changed["fact_side_effects"] = ["rash"]
    assert write(client, changed, edit_url).status_code == 302
    facts = get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")["facts"]
    assert facts["change"] == "stopped" and "switched_to" not in facts
    assert facts["side_effects"] == ["rash"]
    cleared = {name: "" for name in FORM_FACTS} | {"fact_side_effects": []}
    assert write(client, cleared, edit_url).status_code == 302
    assert "facts" not in get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")
    assert db.session.scalar(select(func.count()).select_from(ExperienceSideEffect)) == 0


@pytest.mark.parametrize(
    ("forged", "field"),
    [
        ({"fact_medication": "warfarin"}, "fact_medication"),
        ({"fact_outcome": "cured forever"}, "fact_outcome"),
        ({"fact_side_effects": ["nausea", "death"]}, "fact_side_effects"),
        ({"fact_dose_band": "x" * 5000}, "fact_dose_band"),
        ({"fact_switched_to": ""}, "fact_switched_to"),  # a switch names what it switched to
        ({"fact_switched_to": "azathioprine"}, "fact_switched_to"),  # ... and not itself
        ({"fact_change": "started", "fact_switched_to": "tacrolimus"}, "fact_switched_to"),
        ({"fact_medication": "", "fact_switched_to": ""}, "fact_medication"),
    ],
)
def test_a_value_not_in_the_lists_is_refused_with_the_text_kept(client, users, aza, forged, field):
    sign_in(client, users["provider"].email)
    response = write(client, {**FORM_FACTS, **forged, "title": "Kept title of mine"})
    assert response.status_code == 400
    page = text(response)
    assert "Kept title of mine" in page and "What happened when I switched." in page
    assert f'id="{field}-error"' in page
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0
    assert db.session.scalar(select(func.count()).select_from(ExperienceFact)) == 0


def test_a_forged_value_on_an_edit_changes_nothing(client, users, aza):
    sign_in(client, users["provider"].email)
    write(client, FORM_FACTS)
    post = db.session.scalars(select(Post)).one()
    response = write(client, {**FORM_FACTS, "fact_outcome": "miracle"}, f"/posts/{post.id}/edit")
    assert response.status_code == 400
    assert (
        get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")["facts"]["outcome"] == "better"
    )


def test_another_member_cannot_write_facts_on_my_post(client, users, aza):
    post = experience(users["patient"], aza)
    sign_in(client, users["other_patient"].email)
    token = csrf_from(text(client.get("/posts/new")))
    data = {**FORM_FACTS, "kind": "experience", "title": "Hijack", "body": "x" * 40}
    response = client.post(f"/posts/{post.id}/edit", data={**data, "csrf_token": token})
    assert response.status_code == 403
    response = client.post(f"/posts/{post.id}/edit", data=data)  # and without the token
    assert response.status_code in (400, 403)
    assert (
        get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")["facts"]["outcome"] == "better"
    )


def test_facts_on_a_question_are_not_stored(client, users, aza):
    sign_in(client, users["provider"].email)
    response = write(client, {**FORM_FACTS, "kind": "question", "fact_outcome": "nonsense"})
    assert response.status_code == 302
    post = db.session.scalars(select(Post)).one()
    assert post.kind == "question"
    assert db.session.scalar(select(func.count()).select_from(ExperienceFact)) == 0
    assert "facts" not in get_json(client, f"/api/v1/posts/{post.id}", "PostDetail")
    assert SWITCH not in text(client.get(post.path))


def test_an_experience_turned_into_a_question_loses_its_facts(client, users, aza):
    sign_in(client, users["provider"].email)
    write(client, FORM_FACTS)
    post = db.session.scalars(select(Post)).one()
    write(client, {**FORM_FACTS, "kind": "question"}, f"/posts/{post.id}/edit")
    assert db.session.scalar(select(func.count()).select_from(ExperienceFact)) == 0
    assert db.session.scalar(select(func.count()).select_from(experience_report_rows)) == 0


def test_the_database_refuses_a_value_outside_the_vocabulary(app, users, aza):
    post = make_post(users["patient"], tags=[aza])
    db.session.add(ExperienceFact(post_id=post.id, author_id=post.author_id, outcome="cured"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(ExperienceFact(post_id=post.id, author_id=post.author_id, medication="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(ExperienceFact(post_id=post.id, author_id=post.author_id))
    db.session.flush()
    db.session.add(ExperienceSideEffect(post_id=post.id, effect="death"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# The figures


def test_a_figure_is_hidden_at_four_members_and_shown_at_five(client, visitor, aza):
    crowd = members(MIN_MEMBERS)
    for member in crowd[:-1]:
        experience(member, aza)
    page = text(visitor.get("/tags/azathioprine"))
    assert "What members report" in page and SWITCH not in box(page)
    assert reports(visitor)["changes"] == []
    experience(crowd[-1], aza)
    page = text(visitor.get("/tags/azathioprine"))
    assert f"{SWITCH}: 5 members" in box(page)
    assert "Nausea: 5 members" in box(page) and "Raised liver enzymes: 5 members" in box(page)
    body = reports(visitor)
    assert body["min_members"] == MIN_MEMBERS
    assert body["changes"] == [
        {"value": "switched:azathioprine:mycophenolate", "label": SWITCH, "members": 5}
    ]
    assert {figure["value"] for figure in body["side_effects"]} == {
        "nausea",
        "raised_liver_enzymes",
    }
    assert body["outcomes"] == [{"value": "better", "label": "Better", "members": 5}]


def test_five_posts_by_one_member_count_once(visitor, aza):
    crowd = members(MIN_MEMBERS - 1)
    for member in crowd:
        experience(member, aza)
    for number in range(5):
        experience(crowd[0], aza, title=f"Again and again {number}")
    assert reports(visitor)["changes"] == []
    assert SWITCH not in box(text(visitor.get("/tags/azathioprine")))


@pytest.mark.parametrize("status", ["pending", "hidden", "removed", "draft", "rejected", "deleted"])
def test_posts_that_are_not_published_do_not_count(visitor, aza, status):
    crowd = members(MIN_MEMBERS)
    for member in crowd[:-1]:
        experience(member, aza)
    experience(crowd[-1], aza, status=status)
    assert reports(visitor)["changes"] == []
    assert SWITCH not in box(text(visitor.get("/tags/azathioprine")))


def test_hiding_or_removing_a_post_drops_the_figure_on_the_next_request(
    client, visitor, users, aza
):
    crowd = members(MIN_MEMBERS)
    posts = [experience(member, aza) for member in crowd]
    assert SWITCH in box(text(visitor.get("/tags/azathioprine")))
    cached = visitor.get("/tags/azathioprine")
    assert cached.headers["X-Page-Cache"] == "hit"
    assert len(reports(visitor)["changes"]) == 1
    sign_in(client, users["moderator"].email)
    token = csrf_from(text(client.get("/moderation/")))
    answer = client.post(
        f"/moderation/posts/{posts[0].id}/hide", data={"csrf_token": token, "reason": "Check"}
    )
    assert answer.status_code == 302
    assert SWITCH not in box(text(visitor.get("/tags/azathioprine")))
    assert reports(visitor)["changes"] == []
    client.post(f"/moderation/posts/{posts[0].id}/restore", data={"csrf_token": token})
    assert SWITCH in box(text(visitor.get("/tags/azathioprine")))
    client.post(
        f"/moderation/posts/{posts[1].id}/remove", data={"csrf_token": token, "reason": "Spam"}
    )
    assert SWITCH not in box(text(visitor.get("/tags/azathioprine")))
    assert reports(visitor)["changes"] == []


def test_a_pending_post_counts_once_a_moderator_approves_it(client, visitor, users, aza):
    for member in members(MIN_MEMBERS - 1):
        experience(member, aza)
    sign_in(client, users["patient"].email)  # a new member: waits for a moderator
    assert write(client, FORM_FACTS).status_code == 302
    post = db.session.scalars(select(Post).where(Post.author_id == users["patient"].id)).one()
    assert post.status == "pending"
    assert reports(visitor)["changes"] == []
    sign_out(client)
    sign_in(client, users["moderator"].email)
    token = csrf_from(text(client.get("/moderation/")))
    client.post(f"/moderation/posts/{post.id}/approve", data={"csrf_token": token})
    assert reports(visitor)["changes"][0]["members"] == MIN_MEMBERS


@pytest.mark.parametrize("writing", ["keep", "erase"])
def test_an_erased_member_leaves_every_figure_on_the_next_request(
    client, visitor, users, aza, writing
):
    for member in members(MIN_MEMBERS - 1):
        experience(member, aza)
    experience(users["patient"], aza)
    assert SWITCH in box(text(visitor.get("/tags/azathioprine")))
    assert visitor.get("/tags/azathioprine").headers["X-Page-Cache"] == "hit"
    assert len(reports(visitor)["changes"]) == 1
    sign_in(client, users["patient"].email)
    answer = post_form(client, "/me/delete", {"writing": writing, "password": PASSWORD})
    assert answer.status_code == 302
    assert SWITCH not in box(text(visitor.get("/tags/azathioprine")))
    assert reports(visitor)["changes"] == []
    rows = select(func.count()).select_from(ExperienceFact)
    assert db.session.scalar(rows.where(ExperienceFact.author_id == users["patient"].id)) == 0


def test_editing_facts_moves_the_figures_of_a_cached_page(client, visitor, users, aza):
    for member in members(MIN_MEMBERS - 1):
        experience(member, aza)
    sign_in(client, users["provider"].email)
    stopped = {**FORM_FACTS, "fact_change": "stopped", "fact_switched_to": ""}
    write(client, stopped)
    assert SWITCH not in box(text(visitor.get("/tags/azathioprine")))
    assert visitor.get("/tags/azathioprine").headers["X-Page-Cache"] == "hit"
    post = db.session.scalars(select(Post).where(Post.author_id == users["provider"].id)).one()
    write(client, FORM_FACTS, f"/posts/{post.id}/edit")
    assert f"{SWITCH}: 5 members" in box(text(visitor.get("/tags/azathioprine")))


def test_a_tag_taken_off_a_post_takes_its_facts_out_of_that_tag(client, users, aza):
    other = make_tag("hair-loss", "topic", "Hair loss")
    db.session.commit()
    for member in members(MIN_MEMBERS - 1):
        experience(member, aza)
    sign_in(client, users["provider"].email)
    write(client, {**FORM_FACTS, "tags": "azathioprine, hair-loss"})
    assert len(reports(client)["changes"]) == 1
    post = db.session.scalars(select(Post).where(Post.author_id == users["provider"].id)).one()
    write(client, {**FORM_FACTS, "tags": "hair-loss"}, f"/posts/{post.id}/edit")
    assert reports(client)["changes"] == []
    assert reports(client, other.slug)["changes"] == []  # one member only there


def test_reports_name_no_member(visitor, aza):
    crowd = [make_user(f"zq{n}secret", display_name=f"Secret Name {n}") for n in range(5)]
    for member in crowd:
        experience(member, aza)
    api_body = text(visitor.get("/api/v1/tags/azathioprine/reports"))
    page_box = box(text(visitor.get("/tags/azathioprine")))
    for body in (api_body, page_box):
        assert "@example.org" not in body and "secret" not in body.lower()
        assert "zq0" not in body


def test_the_reports_api_answers_404_for_an_unknown_tag_and_is_cached(visitor, aza):
    missing = visitor.get("/api/v1/tags/no-such-tag/reports")
    assert missing.status_code == 404
    assert_matches(missing.get_json(), "Error")
    first = visitor.get("/api/v1/tags/azathioprine/reports")
    second = visitor.get("/api/v1/tags/azathioprine/reports")
    assert first.headers["X-Page-Cache"] == "miss" and second.headers["X-Page-Cache"] == "hit"
    etag = second.headers["ETag"]
    assert (
        visitor.get(
            "/api/v1/tags/azathioprine/reports", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )


def test_the_reports_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/tags/{slug}/reports"]["get"]
    assert operation["operationId"] == "getTagReports"
    schemas = document["components"]["schemas"]
    assert schemas["TagReports"]["properties"]["min_members"]["const"] == MIN_MEMBERS
    assert schemas["ReportFigure"]["properties"]["members"]["minimum"] == MIN_MEMBERS
    assert "facts" in schemas["PostDetail"]["properties"]


def test_report_rows_go_with_the_post(app, users, aza):
    post = experience(users["patient"], aza)
    assert (
        db.session.scalar(select(func.count()).select_from(experience_report_rows)) == 4
    )  # a change, two side effects, an outcome
    db.session.delete(post)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(experience_report_rows)) == 0
    assert db.session.scalar(select(func.count()).select_from(ExperienceFact)) == 0
    # and a row can only be counted under a tag the post carries
    other = make_post(users["patient"], title="Untagged")
    save_facts(other, SWITCH_FACTS)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(experience_report_rows),
            {"tag_id": aza.id, "facet": "outcome", "value": "better"}
            | {"author_id": users["patient"].id, "post_id": other.id},
        )
    db.session.rollback()


def test_a_member_exports_their_facts_and_no_one_elses(client, users, aza):
    mine = experience(users["patient"], aza)
    experience(users["other_patient"], aza, Facts(medication="tacrolimus", outcome="worse"))
    sign_in(client, users["patient"].email)
    exported = client.get("/me/export").get_json()
    (post,) = exported["posts"]
    assert post["id"] == mine.id and post["facts"] == SWITCH_FACTS.as_json()
    assert "tacrolimus" not in text(client.get("/me/export"))
