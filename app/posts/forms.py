from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from app.moderation.flags import FLAG_REASON_LABELS

KIND_CHOICES = [
    SelectChoice("experience", "Experience: something that happened to you"),
    SelectChoice("question", "Question: something you would like to ask"),
    SelectChoice("article", "Article: for verified providers"),
]


class PostForm(FlaskForm):
    """Validation lives in the posts service, so the CLI and the form share one set of rules."""

    kind = SelectField(
        "Kind of post", choices=KIND_CHOICES, default="experience", validate_choice=False
    )
    title = StringField("Title", description="5–200 characters. Plain text.")
    body = TextAreaField(
        "Your post",
        description="Markdown: **bold**, *italic*, lists, [links](https://…). "
        "Up to 50,000 characters. Please do not include names, phone numbers or addresses.",
    )
    tags = StringField(
        "Tags", description="Comma-separated, from the list below, e.g. azathioprine, blood-tests."
    )

    def for_author(self, author) -> PostForm:
        if not (author.is_verified_provider or author.is_moderator):
            self.kind.choices = KIND_CHOICES[:2]
        return self


class CommentForm(FlaskForm):
    body = TextAreaField("Your reply", description="Markdown. Up to 10,000 characters.")


class FlagForm(FlaskForm):
    reason = SelectField(
        "Why are you flagging this?",
        choices=[SelectChoice(value, label) for value, label in FLAG_REASON_LABELS.items()],
        validate_choice=False,
    )
    note = TextAreaField("Anything the moderators should know (optional)")
