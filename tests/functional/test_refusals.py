"""A service's refusal (a DomainError) becomes an error page, and nothing it wrote is kept."""

from __future__ import annotations

from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db
from app.models import Tag


def add_a_tag_then_refuse():
    db.session.add(Tag(slug="half-done", name="Half done", kind="topic"))
    db.session.flush()
    raise DomainError("That cannot be done twice.", 409)


def test_a_refusal_is_rolled_back_and_explained(app, client):
    app.add_url_rule("/refuse-for-test", view_func=add_a_tag_then_refuse)
    response = client.get("/refuse-for-test")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "That did not work" in page and "That cannot be done twice." in page
    assert db.session.scalar(select(func.count(Tag.id))) == 0


def test_a_refusal_under_the_api_is_json(app, client):
    app.add_url_rule("/api/v1/refuse-for-test", view_func=add_a_tag_then_refuse)
    response = client.get("/api/v1/refuse-for-test")
    assert response.status_code == 409
    assert response.get_json()["message"] == "That cannot be done twice."
    assert db.session.scalar(select(func.count(Tag.id))) == 0
