"""The structured facts an experience may carry: the curated vocabularies, their labels, and
the one check every way in (the post form, the API's shape, the database's CHECKs) relies on.

A fact is optional and the post's text stays primary. A value outside these lists is refused,
never stored: `clean_facts` raises FactInputError, which the post service passes on to the
form with the member's text kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MEDICATIONS = {
    "azathioprine": "azathioprine (Imuran)",
    "mercaptopurine": "mercaptopurine (6-MP)",
    "mycophenolate": "mycophenolate (CellCept)",
    "tacrolimus": "tacrolimus",
    "prednisolone": "prednisolone",
    "budesonide": "budesonide",
    "allopurinol": "allopurinol (with low-dose azathioprine)",
    "other": "another medication",
}
CHANGES = {
    "started": "Started",
    "stopped": "Stopped",
    "switched": "Switched from one to another",
}
DOSE_BANDS = {
    "low": "Low (below the usual dose)",
    "usual": "Usual dose",
    "high": "High (above the usual dose)",
    "not_sure": "Not sure",
}
DURATIONS = {
    "under_1_month": "Under a month",
    "1_to_6_months": "1 to 6 months",
    "6_to_12_months": "6 to 12 months",
    "1_to_5_years": "1 to 5 years",
    "over_5_years": "Over 5 years",
}
SIDE_EFFECTS = {
    "nausea": "nausea",
    "hair_thinning": "hair thinning",
    "low_white_count": "low white count",
    "raised_liver_enzymes": "raised liver enzymes",
    "rash": "rash",
    "fatigue": "fatigue",
    "infections": "infections",
    "pancreatitis": "pancreatitis",
    "other": "other side effects",
}
OUTCOMES = {
    "better": "Better",
    "no_change": "No change",
    "worse": "Worse",
    "too_early": "Too early to say",
}

# The facets the tag pages and the API aggregate (dose and duration stay on the post alone).
REPORTED_FACETS = ("change", "side_effect", "outcome")
# One value of each single-choice field, as the form, the API and the CHECKs name them.
VOCABULARIES: dict[str, Mapping[str, str]] = {
    "medication": MEDICATIONS,
    "change": CHANGES,
    "switched_to": MEDICATIONS,
    "dose_band": DOSE_BANDS,
    "duration": DURATIONS,
    "outcome": OUTCOMES,
}
SINGLE_FIELDS = tuple(VOCABULARIES)
MAX_SIDE_EFFECTS = len(SIDE_EFFECTS)


class FactInputError(ValueError):
    """A fact that cannot be stored, keyed by the form field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Facts:
    """What one experience reports; every field optional."""

    medication: str | None = None
    change: str | None = None
    switched_to: str | None = None
    dose_band: str | None = None
    duration: str | None = None
    outcome: str | None = None
    side_effects: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.side_effects and all(getattr(self, f) is None for f in SINGLE_FIELDS)

    def as_json(self) -> dict:
        """The post's facts in the API: only what was given."""
        found: dict = {f: getattr(self, f) for f in SINGLE_FIELDS if getattr(self, f)}
        if self.side_effects:
            found["side_effects"] = list(self.side_effects)
        return found

    def change_key(self) -> str | None:
        """The change as one reported value: 'started:azathioprine', 'switched:a:b'."""
        if self.change is None or self.medication is None:
            return None
        if self.change == "switched":
            return f"switched:{self.medication}:{self.switched_to}"
        return f"{self.change}:{self.medication}"

    def reported(self) -> list[tuple[str, str]]:
        """(facet, value) pairs this experience adds to its tags' reports."""
        pairs = []
        if (key := self.change_key()) is not None:
            pairs.append(("change", key))
        pairs += [("side_effect", effect) for effect in self.side_effects]
        if self.outcome is not None:
            pairs.append(("outcome", self.outcome))
        return pairs

    def sentences(self) -> list[tuple[str, str]]:
        """(label, value) lines for the post page."""
        lines = []
        if self.medication and self.change == "switched":
            lines.append(
                ("Change", f"Switched from {label_of(self.medication)} to {label_of_to(self)}")
            )
        elif self.medication and self.change:
            lines.append(("Change", f"{CHANGES[self.change]} {label_of(self.medication)}"))
        elif self.medication:
            lines.append(("Medication", label_of(self.medication)))
        if self.dose_band:
            lines.append(("Dose", DOSE_BANDS[self.dose_band]))
        if self.duration:
            lines.append(("How long", DURATIONS[self.duration]))
        if self.side_effects:
            effects = ", ".join(SIDE_EFFECTS[effect] for effect in self.side_effects)
            lines.append(("Side effects", effects[:1].upper() + effects[1:]))
        if self.outcome:
            lines.append(("Outcome", OUTCOMES[self.outcome]))
        return lines


def label_of(medication: str) -> str:
    return MEDICATIONS[medication]


def label_of_to(facts: Facts) -> str:
    return MEDICATIONS[facts.switched_to] if facts.switched_to else "another medication"


def change_label(key: str) -> str:
    """'switched:azathioprine:mycophenolate' -> 'Switched from azathioprine (Imuran) to ...'."""
    change, *medications = key.split(":")
    if change == "switched":
        return f"Switched from {MEDICATIONS[medications[0]]} to {MEDICATIONS[medications[1]]}"
    return f"{CHANGES[change]} {MEDICATIONS[medications[0]]}"


def _single(raw: Mapping[str, object], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FactInputError(name, "Choose one value from the list.")
    value = value.strip()
    if not value:
        return None
    if value not in VOCABULARIES[name]:
        raise FactInputError(name, "Choose one of the listed values.")
    return value


def _side_effects(values: Iterable[object]) -> tuple[str, ...]:
    chosen: list[str] = []
    for value in values:
        if not isinstance(value, str) or value.strip() not in SIDE_EFFECTS:
            raise FactInputError("side_effects", "Choose side effects from the list.")
        if value.strip() not in chosen:
            chosen.append(value.strip())
    # in the list's order, so the same choice is stored (and compared) the same way
    return tuple(effect for effect in SIDE_EFFECTS if effect in chosen)


def clean_facts(raw: Mapping[str, object], side_effects: Iterable[object] = ()) -> Facts:
    """Facts from submitted values (empty strings mean "not given"), or FactInputError."""
    values = {name: _single(raw, name) for name in SINGLE_FIELDS}
    facts = Facts(**values, side_effects=_side_effects(side_effects))
    if facts.change and not facts.medication:
        raise FactInputError("medication", "Say which medication the change was about.")
    if facts.change == "switched":
        if not facts.switched_to:
            raise FactInputError("switched_to", "Say which medication you switched to.")
        if facts.switched_to == facts.medication:
            raise FactInputError("switched_to", "Choose a different medication to switch to.")
    elif facts.switched_to:
        raise FactInputError("switched_to", "Only a switch has a medication switched to.")
    return facts
