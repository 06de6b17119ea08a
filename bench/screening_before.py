"""The personal-information screen as it was before issue 19 (reads the Markdown source).

A frozen copy for bench/screening.py to compare false alarms and speed with, in the same run.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[a-z]{2,24}\b", re.IGNORECASE
)
PHONE_CANDIDATE = re.compile(
    r"(?<![\w/.,+-])(?:\+|00)?\(?\d[\d\s().-]{6,22}\d(?![\w/.,-]|\s?(?:mg|mcg|g|ml|kg|%|u/l|iu)\b)",
    re.IGNORECASE,
)
STREET_SUFFIXES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Boulevard|Blvd|Court|Ct|Way|Place|Pl|"
    "Terrace|Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Strasse|Straße|Gardens|Grove"
)
STREET_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]+\s+){{1,3}}(?:{STREET_SUFFIXES})\b\.?"
)
LINK = re.compile(r"\bhttps?://[^\s<>()\[\]]+|\bwww\.[^\s<>()\[\]]+", re.IGNORECASE)
DATE_LIKE = re.compile(r"^\d{1,4}[-. ]\d{1,2}[-. ]\d{1,4}$")

KIND_LABELS = {
    "email": "Email address",
    "phone": "Phone number",
    "address": "Street address",
    "link": "Link from a new member",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "label": self.label}


def _phone_numbers(text: str) -> list[str]:
    found = []
    for match in PHONE_CANDIDATE.finditer(text):
        candidate = match.group().strip()
        digits = sum(ch.isdigit() for ch in candidate)
        if not 9 <= digits <= 15 or DATE_LIKE.match(candidate):
            continue
        found.append(candidate)
    return found


def screen(text: str, *, include_links: bool) -> list[Finding]:
    """Everything in `text` that should hold it for a moderator's look."""
    findings = [Finding("email", m.group()) for m in EMAIL.finditer(text)]
    findings += [Finding("phone", number) for number in _phone_numbers(text)]
    findings += [Finding("address", m.group().strip()) for m in STREET_ADDRESS.finditer(text)]
    if include_links:
        findings += [Finding("link", m.group()) for m in LINK.finditer(text)]
    unique: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.kind, finding.text), finding)
    return list(unique.values())
