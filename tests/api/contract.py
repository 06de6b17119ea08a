"""Check a response body against a schema of the served OpenAPI document."""

from __future__ import annotations

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from app.api.openapi import openapi_document

DOCUMENT_URI = "urn:aza-community:api:v1"


def validator_for(schema_name: str) -> Draft202012Validator:
    document = Resource.from_contents(openapi_document(), default_specification=DRAFT202012)
    registry = Registry().with_resource(DOCUMENT_URI, document)
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#/components/schemas/{schema_name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def assert_matches(body, schema_name: str) -> None:
    errors = [error.message for error in validator_for(schema_name).iter_errors(body)]
    assert errors == [], f"{schema_name}: {errors}"


def get_json(client, url: str, schema_name: str, status: int = 200):
    """GET an API URL, check status, CORS and the documented shape; return the body."""
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert_matches(body, schema_name)
    return body
