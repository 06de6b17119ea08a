"""Password hashing with argon2id; one place decides the parameters."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 128

# RFC 9106 second recommended option (64 MiB, 3 passes); a cheap profile keeps tests fast.
_PROFILES = {
    "strong": PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, type=Type.ID),
    "fast-for-tests": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID),
}
_DUMMY_HASHES: dict[str, str] = {}


def _hasher() -> PasswordHasher:
    return _PROFILES[current_app.config["PASSWORD_HASH_PROFILE"]]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, spend the same time and say no."""
    hasher = _hasher()
    if stored_hash is None:
        profile = current_app.config["PASSWORD_HASH_PROFILE"]
        dummy = _DUMMY_HASHES.setdefault(profile, hasher.hash("no account has this hash"))
        _verify(hasher, dummy, password)
        return False
    return _verify(hasher, stored_hash, password)


def _verify(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)
