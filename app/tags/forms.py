from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from app.tags.services import DESCRIPTION_MAX, NAME_MAX, NAME_MIN, SLUG_MAX, SLUG_MIN

KIND_CHOICES = [
    SelectChoice("condition", "Condition"),
    SelectChoice("medication", "Medication"),
    SelectChoice("topic", "Topic"),
]


class TagForm(FlaskForm):
    """Validation lives in the tags service; the form carries the fields and the CSRF token."""

    name = StringField("Name", description=f"{NAME_MIN}–{NAME_MAX} characters. Plain text.")
    slug = StringField(
        "Slug",
        description=f"The address: /tags/<slug>. {SLUG_MIN}–{SLUG_MAX} lowercase letters, digits "
        "and hyphens. Left empty, it is made from the name. Changing it changes the address.",
    )
    kind = SelectField("Kind", choices=KIND_CHOICES, default="topic", validate_choice=False)
    description = TextAreaField(
        "Introduction",
        description="Markdown: shown at the top of the tag's page, like an encyclopedia lead. "
        f"Up to {DESCRIPTION_MAX:,} characters.",
    )
    synonyms = StringField(
        "Also called",
        description="Comma-separated, e.g. Imuran, Azasan, AZA.",
    )
