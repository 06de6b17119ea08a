"""Only app.posts.changes queues search updates, empties the page cache and moves the listing
index for changed posts; the modules that own those three keep their own functions."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
CHANGES = "posts/changes.py"
OWNERS = {
    "search/outbox.py": {"enqueue", "SearchOutbox", "insert(SearchOutbox)"},
    "cache.py": {"mark_public_content_changed"},
    "posts/listing_index.py": {"apply_changes", "footprints"},
}
SIDE_EFFECTS = set().union(*OWNERS.values()) - {"insert(SearchOutbox)"}


def called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def side_effect_calls(source: str) -> set[str]:
    """Calls of the side effects, and inserts built on the outbox table."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = called_name(node)
            if name in SIDE_EFFECTS:
                found.add(name)
            if name == "insert" and "SearchOutbox" in ast.unparse(node):
                found.add("insert(SearchOutbox)")
    return found


def test_no_module_but_changes_calls_the_post_change_side_effects():
    misplaced = {}
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        if relative == CHANGES:
            continue
        calls = side_effect_calls(path.read_text(encoding="utf-8")) - OWNERS.get(relative, set())
        if calls:
            misplaced[relative] = sorted(calls)
    assert misplaced == {}, "call app.posts.changes instead"


def test_the_check_sees_each_kind_of_call():
    source = (
        "db.session.add(SearchOutbox(post_id=1, operation='index'))\n"
        "mark_public_content_changed(db.session)\n"
        "listing_index.apply_changes(connection, {}, {})\n"
        "outbox.enqueue(session, {1: True})\n"
        "session.execute(insert(SearchOutbox), rows)\n"
    )
    assert side_effect_calls(source) == {
        "SearchOutbox",
        "mark_public_content_changed",
        "apply_changes",
        "enqueue",
        "insert(SearchOutbox)",
    }
