"""Profile forms. The rules live in app/account/profile.py, shared with any other caller."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired

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


class DeleteAccountForm(FlaskForm):
    writing = RadioField(
        "What should happen to what you wrote?",
        choices=[
            SelectChoice("erase", "Erase my posts and replies too"),
            SelectChoice("keep", "Keep my posts and replies, under an anonymous name"),
        ],
        validators=[DataRequired("Choose what happens to your posts.")],
    )
    password = PasswordField(
        "Your password, to confirm", validators=[DataRequired("Enter your password to confirm.")]
    )
