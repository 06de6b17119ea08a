import pytest

from app.security import safe_next

HOME = "/"


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example",
        "http://evil.example/",
        "javascript:alert(1)",
        "/%09/evil.example".replace("%09", "\t"),
        "/\t/evil.example",
        "/\n/evil.example",
        "evil.example",
        "ftp://evil.example",
        "/" + "a" * 3000,
    ],
)
def test_anything_but_a_local_path_goes_home(target):
    assert safe_next(target, HOME) == HOME


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/tags/azathioprine",
        "/search?q=imuran&page=2",
        "/posts/1/slug#comments",
        "/%09/evil.example",
    ],
)
def test_local_paths_are_kept(target):
    assert safe_next(target, HOME) == target
