from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.auth.passwords import MAX_LENGTH, MIN_LENGTH
from app.auth.registration import new_handle_problem


def strip_and_lower(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


def new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=f"Use {MIN_LENGTH} to {MAX_LENGTH} characters.",
            ),
        ],
        description=f"At least {MIN_LENGTH} characters. A phrase of a few words works well.",
    )


class RegisterForm(FlaskForm):
    email = EmailField(
        "Email",
        filters=[strip_and_lower],
        validators=[
            DataRequired("Enter your email address."),
            Length(max=254),
            Email("Enter a valid email address.", check_deliverability=False),
        ],
        description="Private: used to sign in, never shown to anyone.",
    )
    username = StringField(
        "Public handle",
        filters=[strip_and_lower],
        validators=[DataRequired("Choose a public handle."), Length(min=3, max=30)],
        description="3–30 letters, digits, - or _. Shown on your posts; "
        "choose one that does not identify you.",
    )
    consent = BooleanField(
        "I agree that this site stores what I post about my health to run this community.",
        validators=[DataRequired("We need your consent to store health information.")],
    )

    def validate_username(self, field) -> None:
        if problem := new_handle_problem((field.data or "").strip().lower()):
            raise ValidationError(problem)


class ConfirmRegistrationForm(FlaskForm):
    """The password, chosen only here, by whoever opened the mailed link (the link's token
    stays in the query string). The registration form asks for none: whoever fills it in need
    not own the address."""

    password = new_password_field("Password")
    username = StringField(
        "Another public handle",
        filters=[strip_and_lower],
        validators=[Length(max=30)],
        description="3–30 letters, digits, - or _. Shown on your posts; you can change it later.",
    )
    password_again = PasswordField(
        "Repeat the password",
        validators=[
            DataRequired("Repeat the password."),
            EqualTo("password", "The two passwords do not match."),
        ],
    )


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        filters=[strip_and_lower],
        validators=[DataRequired("Enter your email address."), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)],
    )
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "Email",
        filters=[strip_and_lower],
        validators=[DataRequired("Enter your email address."), Length(max=254)],
    )


class NewPasswordForm(FlaskForm):
    password = new_password_field("New password")


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=MAX_LENGTH)],
    )
