"""The public rule ("status is published") is spelled in one module: app.models.visibility.

Everything else asks `is_public` (a hybrid: `Post.is_public` in SQL, `post.is_public` in Python
and templates). This test reads app/ and templates/ and fails on any other spelling of the rule:
a comparison with "published" (==, !=, in, not in, `.in_()`, `.not_in()`, `filter_by(status=)`,
a `case`), a module constant standing for it, or raw SQL comparing a status with 'published'.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_STATUS = "published"
# Modules that may spell the rule, and why.
ALLOWED = {
    "app/models/visibility.py": "owns the rule: `is_public` in SQL and in Python",
    "app/moderation/service.py": (
        "applies the transitions of app/moderation/states.py: it dates a publication and "
        "queues the side effects of moving into or out of published"
    ),
}
MEMBERSHIP_METHODS = {"in_", "not_in"}
RAW_SQL = re.compile(r"status\s*(=|!=|<>|\bin\b)[^;]*'published'", re.IGNORECASE)
JINJA_BLOCK = re.compile(r"\{[{%].*?[}%]\}", re.DOTALL)
QUOTED_PUBLISHED = re.compile(r"""['"]published['"]""")


def _aliases(tree: ast.Module) -> set[str]:
    """Names bound to the published status in this module (`PUBLISHED = "published"`), and the
    owner's constant, should a module import it."""
    names = {"PUBLIC_STATUS"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and _is_status(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names


def _is_status(node: ast.AST | None, aliases: frozenset[str] = frozenset()) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == PUBLIC_STATUS
    if isinstance(node, ast.Name):
        return node.id in aliases
    if isinstance(node, ast.Attribute):
        return node.attr in aliases
    return False


def _mentions_status(node: ast.AST, aliases: frozenset[str]) -> bool:
    return any(_is_status(inner, aliases) for inner in ast.walk(node))


def _spells_rule(node: ast.AST, aliases: frozenset[str]) -> bool:
    if isinstance(node, ast.Compare):
        return any(_mentions_status(side, aliases) for side in (node.left, *node.comparators))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in MEMBERSHIP_METHODS:
            return any(_mentions_status(arg, aliases) for arg in node.args)
        if node.func.attr == "filter_by":
            return any(_is_status(kw.value, aliases) for kw in node.keywords)
    if isinstance(node, ast.MatchValue):
        return _is_status(node.value, aliases)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(RAW_SQL.search(node.value))
    return False


def python_spellings(source: str) -> list[int]:
    """Line numbers where this Python source spells the public rule itself."""
    tree = ast.parse(source)
    aliases = frozenset(_aliases(tree))
    return sorted({node.lineno for node in ast.walk(tree) if _spells_rule(node, aliases)})


def template_spellings(source: str) -> list[int]:
    """Line numbers where a Jinja tag or expression in this template names "published"."""
    return [
        source.count("\n", 0, block.start()) + 1
        for block in JINJA_BLOCK.finditer(source)
        if QUOTED_PUBLISHED.search(block.group())
    ]


def spellings_outside_the_owner() -> list[str]:
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name not in ALLOWED:
            found += [f"{name}:{line}" for line in python_spellings(path.read_text())]
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT).as_posix()
        found += [f"{name}:{line}" for line in template_spellings(path.read_text())]
    return found


def test_only_the_owner_spells_the_public_rule():
    assert spellings_outside_the_owner() == [], (
        "Ask `is_public` (app.models.visibility) instead of comparing a status with 'published'."
    )


def test_each_allowed_module_exists_and_still_spells_the_rule():
    for name in ALLOWED:
        assert python_spellings((ROOT / name).read_text()), f"{name} no longer needs its place"


@pytest.mark.parametrize(
    "source",
    [
        'post.status == "published"',
        'if item.status != "published": pass',
        '"published" in (before, after)',
        'post.status in ("draft", "published")',
        'select(Post).where(Post.status.in_(["published", "hidden"]))',
        'Comment.status.not_in(("published",))',
        'query.filter_by(status="published")',
        'LIVE = "published"\nok = post.status == LIVE',
        "from app.models.visibility import PUBLIC_STATUS\nok = post.status == PUBLIC_STATUS",
        'match post.status:\n    case "published":\n        pass',
        "db.session.execute(text(\"SELECT id FROM posts WHERE status = 'published'\"))",
    ],
)
def test_the_check_finds_each_python_spelling(source):
    assert python_spellings(source)


@pytest.mark.parametrize(
    "source",
    [
        'STATUS_LABELS = {"published": "Published"}',
        'Post(title="t", status="published")',
        'fields = {"published": int(doc.published_at.timestamp())}',
        "ok = post.is_public",
        "select(Post).where(Post.is_public)",
    ],
)
def test_the_check_leaves_other_uses_of_the_word(source):
    assert not python_spellings(source)


@pytest.mark.parametrize(
    "source",
    [
        "{% if post.status == 'published' %}x{% endif %}",
        "{{ comments|selectattr('status', 'equalto', 'published')|list|length }}",
        '{% if post.status not in ("draft", "published") %}x{% endif %}',
    ],
)
def test_the_check_finds_each_template_spelling(source):
    assert template_spellings(source)


def test_the_check_leaves_the_word_in_template_text():
    text = '<p class="published">Published {{ post.published_at }}</p>'
    assert not template_spellings(text + "{% if post.is_public %}{% endif %}")
