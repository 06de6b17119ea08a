from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

ACTION_LABELS = {
    "approve": "Approve",
    "reject": "Reject",
    "request_changes": "Request changes",
    "hide": "Hide",
    "restore": "Restore",
    "remove": "Remove",
}


class SuspendForm(FlaskForm):
    days = IntegerField(
        "Days",
        validators=[
            DataRequired("Give a number of days."),
            NumberRange(min=1, max=3650, message="Suspend for 1 to 3650 days."),
        ],
    )
    reason = TextAreaField(
        "Reason (the member sees it)",
        validators=[DataRequired("Give a reason; the member sees it."), Length(max=500)],
    )


class ProviderApplicationForm(FlaskForm):
    credentials = StringField(
        "Credentials",
        validators=[DataRequired("Enter your credentials, e.g. MD, RN, PharmD."), Length(max=120)],
    )
    specialty = StringField(
        "Specialty", validators=[DataRequired("Enter your specialty."), Length(max=120)]
    )
    license_number = StringField(
        "Licence or registration number",
        description="Seen only by moderators, to check your registration.",
        validators=[DataRequired("Enter your licence or registration number."), Length(max=60)],
    )
