"""The OpenAPI document: valid, complete, and what the live app really answers.

The last test runs Schemathesis against the Flask app over WSGI: for every operation it sends
generated valid requests, generated invalid ones, and valid ones naming ids, slugs and usernames
that exist (published or not), and checks each answer against the document: status, content
type, headers, body schema, no 5xx, invalid input rejected.
"""

import re
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from app import create_app
from app.api.openapi import openapi_document
from app.demo.loader import seed_demo
from app.experiences.facts import Facts
from app.experiences.reports import MIN_MEMBERS
from app.experiences.services import save_facts
from app.extensions import db
from app.models import Post, Tag, User
from app.search import close_backend
from tests.api.conftest import UNPUBLISHED_STATES
from tests.conftest import ENVIRONMENT_SETTINGS, make_user, test_config
from tests.helpers import make_post

MAX_EXAMPLES = 25


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_documented_and_every_documented_path_exists(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert routes == set(document["paths"])
    for path, item in document["paths"].items():
        assert set(item) == {"get"}, path
        declared = {p["name"] for p in item["get"]["parameters"] if "name" in p}
        assert set(re.findall(r"{(\w+)}", path)) <= declared, path


def test_fixed_shapes_are_closed(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema["additionalProperties"] is False, name
        assert set(schema["required"]) <= set(schema["properties"]), name


@dataclass(frozen=True)
class Names:
    """Ids, slugs and usernames that exist, published or not, for cases that hit real rows."""

    post_ids: list[int]
    slugs: list[str]
    usernames: list[str]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The demo community plus unpublished posts and a silent member, seeded once for the
    module (every operation is read-only) and served without a test's app context."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ENVIRONMENT_SETTINGS:
            patch.delenv(name, raising=False)
        app = create_app(test_config(tmp_path_factory.mktemp("live-api")))
    with app.app_context():
        db.create_all()
        seed_demo()
        make_user("silent")
        writer = make_user("drafter")
        for state in UNPUBLISHED_STATES:
            make_post(writer, title=f"A {state} post about azathioprine", status=state)
        add_reported_experiences()
        db.session.commit()
        names = Names(
            post_ids=list(db.session.scalars(select(Post.id).order_by(Post.id))),
            slugs=list(db.session.scalars(select(Tag.slug).order_by(Tag.slug))),
            usernames=list(db.session.scalars(select(User.username).order_by(User.username))),
        )
    yield app, names
    with app.app_context():
        db.session.remove()
        close_backend(app)
        db.engine.dispose()


def add_reported_experiences() -> None:
    """Enough members reporting facts in one tag for its figures to show."""
    tag = db.session.scalars(select(Tag).order_by(Tag.id)).first()
    facts = Facts(
        medication="azathioprine",
        change="switched",
        switched_to="mycophenolate",
        side_effects=("nausea",),
        outcome="better",
    )
    for number in range(MIN_MEMBERS):
        post = make_post(make_user(f"reporter{number}"), title=f"Story {number}", tags=[tag])
        save_facts(post, facts)


WORDS = ["azathioprine", "missed dose", "imuran", "lupus -flare", "tpmt"]
KNOWN = {
    "/api/v1/posts": lambda names: {
        "query": {"tag": st.sampled_from(names.slugs), "author": st.sampled_from(names.usernames)}
    },
    "/api/v1/posts/{post_id}": lambda names: {
        "path_parameters": {"post_id": st.sampled_from(names.post_ids)}
    },
    "/api/v1/tags/{slug}": lambda names: {
        "path_parameters": {"slug": st.sampled_from(names.slugs)}
    },
    "/api/v1/tags/{slug}/reports": lambda names: {
        "path_parameters": {"slug": st.sampled_from(names.slugs)}
    },
    "/api/v1/authors/{username}": lambda names: {
        "path_parameters": {"username": st.sampled_from(names.usernames)}
    },
    "/api/v1/search": lambda names: {
        "query": {"q": st.sampled_from(WORDS), "tag": st.sampled_from(names.slugs)}
    },
}


def runs() -> list[tuple[str, str]]:
    """Every operation, generated valid and invalid (where it has parameters to break), and
    with names that exist (where it takes any)."""
    paths = openapi_document()["paths"]
    return [
        (path, mode)
        for path, item in paths.items()
        for mode in ("positive", "negative", "known")
        if (mode != "negative" or item["get"]["parameters"]) and (mode != "known" or path in KNOWN)
    ]


def case_strategy(operation, mode: str, names: Names) -> st.SearchStrategy:
    """Cases of one operation; "known" draws the names first, then generates the rest."""
    if mode == "negative":
        return operation.as_strategy(GenerationMode.NEGATIVE)
    if mode == "positive":
        return operation.as_strategy(GenerationMode.POSITIVE)
    fixed = KNOWN[operation.path](names)
    return st.fixed_dictionaries(
        {location: st.fixed_dictionaries(values) for location, values in fixed.items()}
    ).flatmap(lambda drawn: operation.as_strategy(GenerationMode.POSITIVE, **drawn))


def unknown_names_are_the_only_valid_input_rejected(ctx, response, case):
    """Stands in for `positive_data_acceptance`: a schema cannot say which tags and authors
    exist, so a valid-looking request may be a 400 for naming one that does not; nothing else."""
    meta = case.meta
    if meta is not None and meta.generation.mode.is_positive and response.status_code == 400:
        message = response.json()["message"]
        assert message.startswith(("There is no tag ", "There is no author ")), message


@pytest.mark.parametrize(("path", "mode"), runs())
def test_the_live_api_conforms_to_its_document(live, path, mode):
    app, names = live
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path]["GET"]

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=case_strategy(operation, mode, names))
    def conforms(case):
        case.call_and_validate(
            excluded_checks=[positive_data_acceptance],
            additional_checks=[unknown_names_are_the_only_valid_input_rejected],
        )

    conforms()
