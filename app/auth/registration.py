"""Registration confirmed by email, answering the same whether or not the address has an account.

`start` checks the handle and consent and sends the address one message: a link to finish
creating the account, or, when the address already has one, a note with links to sign in and
to reset the password. Both paths
do the same database work (purge expired registrations, forget the address's waiting one) before
they part. No password is asked for then: whoever registers an address need not own it, so a
password chosen there would let them into the account its owner creates (pre-hijacking). The
password is chosen by `confirm`, on the page the link opens, and only the holder of the mailbox
gets there; `confirm` creates the account from the pending registration the link names.

A handle is reported taken on the form only when its holder has a public page (which says so
anyway); a silent member's handle answers like a free one, and the page the link opens then
explains the clash and asks for another handle, as it does for an address taken meanwhile.
Functions flush; the request commits.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.auth.passwords import hash_password, password_problem
from app.auth.reset import token_digest
from app.auth.services import (
    HANDLE_TAKEN,
    AccountError,
    add_member,
    email_taken,
    handle_is_public,
    normalize_email,
    username_problem,
    username_taken,
)
from app.db import utcnow
from app.extensions import db
from app.links import site_url_for
from app.mail import send_mail
from app.models import PendingRegistration, User
from app.moderation.gate import impersonation_problem

TOKEN_LIFETIME = timedelta(hours=24)
LINK_INVALID = "This link has expired or was already used."

CONFIRM_SUBJECT = "Finish creating your account"
CONFIRM_BODY = """Hello,

Someone, probably you, asked to create an account with this email address.
To finish, open this link within 24 hours and choose your password on the page
it opens:

{link}

If it was not you, ignore this message: no account is created, and the request
is deleted when the link expires.
"""
ALREADY_SUBJECT = "Someone tried to register with your email address"
ALREADY_BODY = """Hello,

Someone, perhaps you, tried to create a new account with this email address.
The address already belongs to an account, so nothing was created and your
account is unchanged.

To sign in:
{sign_in}

If you have forgotten your password, choose a new one here:
{reset}

If it was not you, you can ignore this message.
"""


def new_handle_problem(handle: str) -> str | None:
    """The rules for a handle a member chooses, as for a handle change on the profile."""
    return username_problem(handle) or impersonation_problem(handle)


def start(*, email: str, username: str, consented: bool) -> None:
    """Send the address a confirmation link, or a note if it has an account; the caller
    answers the same either way. Raises AccountError for the handle or consent."""
    email = normalize_email(email)
    username = username.strip().lower()
    if problem := new_handle_problem(username):
        raise AccountError("username", problem)
    if not consented:
        raise AccountError("consent", "We need your consent to store health information.")
    if handle_is_public(username):
        raise AccountError("username", HANDLE_TAKEN)
    token = secrets.token_urlsafe(32)
    token_hash = token_digest(token)  # computed whether or not the address is taken
    purge_expired()
    if email_taken(email):
        # The same delete the other path runs in replace_pending; a registration still
        # waiting for a taken address could only fail at its link anyway.
        forget_pending(email)
        send_mail(
            email,
            ALREADY_SUBJECT,
            ALREADY_BODY.format(
                sign_in=site_url_for("auth.login"),
                reset=site_url_for("auth.reset_request"),
            ),
        )
        return
    now = utcnow()
    pending = PendingRegistration(
        email=email,
        username=username,
        consented_at=now,
        token_hash=token_hash,
        expires_at=now + TOKEN_LIFETIME,
    )
    if replace_pending(pending):
        link = site_url_for("auth.confirm_registration", token=token)
        send_mail(email, CONFIRM_SUBJECT, CONFIRM_BODY.format(link=link))


def replace_pending(pending: PendingRegistration) -> bool:
    """Store the registration in place of any older one for the address. A registration of
    the same address committed meanwhile (a double submit) is replaced in turn; if that races
    again, the other one stands and False says so."""
    for _ in range(2):
        forget_pending(pending.email)
        try:
            with db.session.begin_nested():
                db.session.add(pending)
        except IntegrityError:
            continue
        return True
    return False


def forget_pending(email: str) -> None:
    db.session.execute(delete(PendingRegistration).where(PendingRegistration.email == email))


def purge_expired() -> None:
    db.session.execute(
        delete(PendingRegistration).where(PendingRegistration.expires_at <= utcnow())
    )


def pending_for(token: str) -> PendingRegistration | None:
    """The registration a link names, while it can still be confirmed."""
    pending = db.session.scalar(
        select(PendingRegistration).where(PendingRegistration.token_hash == token_digest(token))
    )
    if pending is None or pending.expires_at <= utcnow():
        return None
    return pending


def conflict(pending: PendingRegistration) -> AccountError | None:
    """Why the registration can no longer become an account (its address was taken since it
    was started), or None."""
    if email_taken(pending.email):
        return AccountError("email", "An account with this email address already exists.")
    return None


def handle_clash(pending: PendingRegistration) -> bool:
    """Whether the registration's handle belongs to someone (now): the link's page asks for
    another one. Only whoever holds the mailbox gets to see this."""
    return username_taken(pending.username)


def chosen_handle(pending: PendingRegistration, replacement: str | None) -> str:
    """The handle the account gets: a replacement typed on the link's page, or the one the
    registration chose; AccountError("username") when it cannot be used."""
    handle = (replacement or "").strip().lower() or pending.username
    if problem := new_handle_problem(handle):
        raise AccountError("username", problem)
    if username_taken(handle):
        raise AccountError("username", HANDLE_TAKEN)
    return handle


def confirm(token: str, password: str, username: str | None = None) -> User:
    """Create the account a link names, once, with the password (and, if its handle is taken,
    another handle) chosen on its page.

    A password or handle that cannot be used raises AccountError("password" or "username") and
    leaves the registration waiting, so the link still works. Otherwise the registration is
    used up, even when the account cannot be created (AccountError("email")) because its
    address was taken since.
    """
    pending = pending_for(token)
    if pending is None:
        raise AccountError("token", LINK_INVALID)
    if problem := conflict(pending):
        forget_pending(pending.email)
        raise problem
    handle = chosen_handle(pending, username)
    if problem := password_problem(password, username=handle, email=pending.email):
        raise AccountError("password", problem)
    fields = {
        "email": pending.email,
        "username": handle,
        "password_hash": hash_password(password),
        "consented_at": pending.consented_at,
    }
    claimed = db.session.execute(
        delete(PendingRegistration).where(PendingRegistration.id == pending.id)
    )
    if claimed.rowcount != 1:  # a concurrent confirmation of the same link got there first
        raise AccountError("token", LINK_INVALID)
    return add_member(**fields)
