"""The API over HTTP: read-only CORS, methods, and JSON errors everywhere under /api/."""

import pytest

API_URLS = (
    "/api/v1/posts",
    "/api/v1/posts/1",
    "/api/v1/tags",
    "/api/v1/tags/azathioprine",
    "/api/v1/authors/pat",
    "/api/v1/search?q=azathioprine",
    "/api/v1/openapi.json",
)


@pytest.mark.parametrize("url", API_URLS)
def test_any_origin_may_read(client, community, url):
    response = client.get(url, headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert client.head(url).status_code == 200


@pytest.mark.parametrize("url", API_URLS)
def test_a_preflight_allows_get_only(client, url):
    response = client.options(
        url,
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("url", API_URLS)
def test_writes_are_a_json_405(client, method, url):
    response = client.open(url, method=method, json={"title": "x"})
    assert response.status_code == 405
    body = response.get_json()
    assert body["status"] == 405 and body["message"]
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert "Access-Control-Allow-Origin" not in response.headers


def test_an_unknown_api_path_is_a_json_404(client, community):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_search_keeps_its_shape(client, community):
    body = client.get("/api/v1/search?q=azathioprine").get_json()
    assert set(body) == {"total", "total_is_estimate", "page", "per_page", "results", "suggestion"}
    assert body["results"] and "summary" not in body["results"][0]
