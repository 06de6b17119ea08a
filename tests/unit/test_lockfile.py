"""requirements.lock pins, with hashes, every package pyproject.toml asks for."""

import re
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    return canonical(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec).group(0))


def locked() -> dict[str, list[str]]:
    """Each pinned package with the hash lines that follow its pin."""
    pins: dict[str, list[str]] = {}
    current = None
    for line in (REPO_ROOT / "requirements.lock").read_text().splitlines():
        if match := PIN.match(line):
            current = canonical(match.group(1))
            pins[current] = []
        elif current and line.strip().startswith("--hash=sha256:"):
            pins[current].append(line.strip())
        elif not line.startswith(" "):
            current = None
    return pins


def wanted() -> set[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    specs = list(project["project"]["dependencies"])
    for extra in ("postgres", "dev"):
        specs += project["project"]["optional-dependencies"][extra]
    specs += project["build-system"]["requires"]
    return {requirement_name(spec) for spec in specs}


def test_every_dependency_is_pinned_with_hashes():
    pins = locked()
    missing = sorted(wanted() - pins.keys())
    assert not missing, f"not in requirements.lock (run `make lock`): {missing}"
    assert all(pins.values()), [name for name, hashes in pins.items() if not hashes]


def test_the_lock_names_no_index_or_local_path():
    text = (REPO_ROOT / "requirements.lock").read_text()
    assert not re.search(r"^--(extra-)?index-url|^--find-links|file://|@ /", text, re.M)
