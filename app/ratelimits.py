"""Rate limits: who may do how much, keyed by address (behind trusted proxies only) or account.

Writes others can see (posts, replies, profile, handle...) are limited by app.moderation.gate.

Counters live in memory on one machine and in Redis when RATELIMIT_STORAGE_URI says so, so
a limit counted on one web node applies on every node.
"""

from __future__ import annotations

import hashlib

from flask import request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.extensions import limiter

SIGN_IN_PER_ADDRESS = "20/minute;100/hour"
SIGN_IN_PER_ACCOUNT = "10/minute;30/hour"
REGISTER = "5/hour"
REGISTER_PER_ACCOUNT = "3/hour"  # messages sent to one address, whoever asks
RESET_PER_ADDRESS = "5/hour"
RESET_PER_ACCOUNT = "3/hour"
FLAGGING = "20/hour"  # per member, posts and replies together
FLAGGING_PER_ADDRESS = "30/hour"  # however many accounts flag from one address
ENGAGING = "30/minute;300/hour"  # helpful marks, saves and follows together
ENGAGING_TOO_FAST = (
    "You are marking, saving and following too quickly. Please wait a minute and try again."
)
SEARCH = "60/minute"
API = "120/minute"


def account_key() -> str:
    """The account a form names (hashed, so no email sits in the counter store)."""
    email = (request.form.get("email") or "").strip().lower()
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def member_key() -> str:
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return get_remote_address()


def only_posts() -> bool:
    return request.method != "POST"


def sent_a_message(response) -> bool:
    """A registration that was answered (and so mailed the address), not a refused form."""
    return response.status_code == 200


per_address = get_remote_address
sign_in_by_address = limiter.limit(
    SIGN_IN_PER_ADDRESS, key_func=per_address, exempt_when=only_posts
)
sign_in_by_account = limiter.limit(
    SIGN_IN_PER_ACCOUNT, key_func=account_key, exempt_when=only_posts, scope="sign-in-account"
)
registering = limiter.limit(REGISTER, key_func=per_address, exempt_when=only_posts)
registering_by_account = limiter.limit(
    REGISTER_PER_ACCOUNT,
    key_func=account_key,
    exempt_when=only_posts,
    deduct_when=sent_a_message,
    scope="register-account",
)
reset_by_address = limiter.limit(RESET_PER_ADDRESS, key_func=per_address, exempt_when=only_posts)
reset_by_account = limiter.limit(
    RESET_PER_ACCOUNT, key_func=account_key, exempt_when=only_posts, scope="reset-account"
)
flagging_by_member = limiter.shared_limit(FLAGGING, scope="flag-member", key_func=member_key)
flagging_by_address = limiter.shared_limit(
    FLAGGING_PER_ADDRESS, scope="flag-address", key_func=per_address
)


def flagging(view):
    """Flags on posts and replies share one count per member and one per address."""
    return flagging_by_member(flagging_by_address(view))


engaging = limiter.shared_limit(
    ENGAGING, scope="engaging", key_func=member_key, error_message=ENGAGING_TOO_FAST
)
searching = limiter.limit(SEARCH, key_func=per_address)
api_calls = limiter.shared_limit(API, scope="api", key_func=per_address)
