from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from app.experiences import facts as vocabulary
from app.moderation.flags import FLAG_REASON_LABELS
from app.posts.references import MAX_REFERENCES

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
    references = TextAreaField(
        "References (articles only)",
        description="One per line: a PMID (e.g. PMID:20041420), a DOI (e.g. "
        "10.1016/j.jhep.2015.06.030) or a web address (https://…), then the title if you "
        f"like. Up to {MAX_REFERENCES}.",
    )
    review_due_on = StringField(
        "Next medical review (articles only)",
        widget=DateInput(),
        description="Leave empty for 12 months after the last review or publication, or "
        "choose an earlier date yourself (after today).",
    )
    # Articles' fields are shown only to those who may write articles.
    writes_articles = False

    # An experience's optional facts (app.experiences.facts checks every value).
    fact_medication = SelectField("Medication", validate_choice=False)
    fact_change = SelectField("What changed", validate_choice=False)
    fact_switched_to = SelectField(
        "Switched to", description="Only for a switch.", validate_choice=False
    )
    fact_dose_band = SelectField("Dose", validate_choice=False)
    fact_duration = SelectField("How long", validate_choice=False)
    fact_side_effects = SelectMultipleField(
        "Side effects",
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    fact_outcome = SelectField("Outcome", validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, values in vocabulary.VOCABULARIES.items():
            getattr(self, f"fact_{name}").choices = [("", "Not given"), *values.items()]
        self.fact_side_effects.choices = list(vocabulary.SIDE_EFFECTS.items())

    def facts(self) -> vocabulary.Facts | None:
        """The facts given, for an experience (FactInputError for a value not in the lists);
        None for another kind of post, which carries none."""
        if self.kind.data != "experience":
            return None
        raw = {name: getattr(self, f"fact_{name}").data for name in vocabulary.SINGLE_FIELDS}
        return vocabulary.clean_facts(raw, self.fact_side_effects.data or ())

    def show_facts(self, facts: vocabulary.Facts | None) -> PostForm:
        """Fill the fieldset from stored facts (the edit page)."""
        if facts is not None:
            for name in vocabulary.SINGLE_FIELDS:
                getattr(self, f"fact_{name}").data = getattr(facts, name) or ""
            self.fact_side_effects.data = list(facts.side_effects)
        return self

    def for_author(self, author) -> PostForm:
        self.writes_articles = author.is_verified_provider or author.is_moderator
        if not self.writes_articles:
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
