"""The closed vocabularies of the data model; check constraints are built from these."""

from __future__ import annotations

ROLES = ("patient", "provider", "moderator", "admin")
VERIFICATION_STATES = ("unverified", "pending", "verified")
POST_KINDS = ("experience", "question", "article")
CONTENT_STATES = ("draft", "pending", "published", "rejected", "hidden", "removed", "deleted")
TAG_KINDS = ("condition", "medication", "topic")
FLAG_REASONS = (
    "unsafe_medical_advice",
    "misinformation",
    "personal_information",
    "spam",
    "harassment",
    "other",
)
FLAG_STATES = ("open", "upheld", "dismissed")
MODERATION_TARGETS = ("post", "comment", "user")
PROFILE_CHANGE_STATES = ("pending", "approved", "rejected")
OUTBOX_OPERATIONS = ("index", "remove")
REFERENCE_KINDS = ("pmid", "doi", "url")
DIGEST_PERIODS = ("daily", "weekly")
DIGEST_CHOICES = ("off", *DIGEST_PERIODS)
DELIVERY_STATES = ("sending", "sent", "uncertain", "failed")


def in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL text for a CHECK that keeps a column inside its vocabulary."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"
