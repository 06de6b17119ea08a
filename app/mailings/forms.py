"""The email settings form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired


class EmailSettingsForm(FlaskForm):
    digest = RadioField(
        "Digest of new posts in the tags and from the people you follow",
        choices=[
            SelectChoice("off", "No digest"),
            SelectChoice("daily", "Daily"),
            SelectChoice("weekly", "Weekly (Mondays)"),
        ],
        validators=[InputRequired("Choose how often, or no digest.")],
    )
    reply_emails = RadioField(
        "Email me when someone replies to my posts",
        choices=[SelectChoice("off", "No"), SelectChoice("on", "Yes")],
        validators=[InputRequired("Choose yes or no.")],
    )
