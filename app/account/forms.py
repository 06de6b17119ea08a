"""Profile forms. The rules live in app/account/profile.py, shared with any other caller."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from app.account.profile import BIO_MAX, DISPLAY_NAME_MAX


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Display name",
        description=f"1–{DISPLAY_NAME_MAX} characters, plain text. Shown on your posts; "
        "it does not need to be your real name.",
    )
    bio = TextAreaField(
        "About you",
        description=f"Optional. Markdown: **bold**, *italic*, lists, [links](https://…). "
        f"Up to {BIO_MAX:,} characters. Please do not include phone numbers or addresses.",
    )


class HandleForm(FlaskForm):
    username = StringField(
        "New public handle",
        description="3–30 lowercase letters, digits, - or _. Your profile moves to the new "
        "address; the old one stops working and may be taken by someone else.",
    )
