"""Password hashing with argon2id; one place decides the parameters."""

from __future__ import annotations

from functools import cache

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


SITE_WORDS = ["azathioprine", "imuran", "hepatitis", "community", "aza", "aih"]
MIN_STRENGTH = 3
ZXCVBN_MAX_LENGTH = 72  # the estimator refuses longer input; the whole password is still hashed


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """Why a new password cannot be used (length, a common password, easy to guess), or None."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"Use {MIN_LENGTH} to {MAX_LENGTH} characters."
    if password.lower() in _common_passwords():
        return "That is one of the most common passwords; please choose another."
    from zxcvbn import zxcvbn  # imported on first use: its word lists cost ~13 MB a worker

    hints = [word for word in (username, email.partition("@")[0], *SITE_WORDS) if word]
    estimate = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=hints)
    if estimate["score"] < MIN_STRENGTH:
        warning = estimate["feedback"].get("warning") or "it is too easy to guess"
        return (
            f"Please choose a stronger password: {warning.rstrip('.').lower()}. "
            "A phrase of four or more unrelated words works well."
        )
    return None


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])
