"""The moderation state machine as data: (state, action) -> new state, and who may act.

No I/O here. `moderation.service` is the only code that changes a status, and it asks this
table first. Actors: "author" (the member who wrote it), "moderator" (moderators and admins),
"system" (automatic rules such as the flag threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

STATES = ("draft", "pending", "published", "rejected", "hidden", "removed", "deleted")
ACTORS = ("author", "moderator", "system")


@dataclass(frozen=True)
class Transition:
    to_state: str
    actors: frozenset[str]
    needs_reason: bool = False


def _t(to_state: str, *actors: str, needs_reason: bool = False) -> Transition:
    return Transition(to_state, frozenset(actors), needs_reason)


TRANSITIONS: dict[tuple[str, str], Transition] = {
    # the author sends a draft (or a rejected post, after editing) for review ...
    ("draft", "submit"): _t("pending", "author"),
    ("rejected", "submit"): _t("pending", "author"),
    # ... or, when trusted, publishes it directly (the service decides who is trusted)
    ("draft", "publish"): _t("published", "author"),
    ("rejected", "publish"): _t("published", "author"),
    # an edit that must be looked at again takes a published post back to the queue
    ("published", "resubmit"): _t("pending", "author", "system"),
    ("pending", "approve"): _t("published", "moderator"),
    ("pending", "reject"): _t("rejected", "moderator", needs_reason=True),
    ("pending", "request_changes"): _t("draft", "moderator", needs_reason=True),
    ("published", "hide"): _t("hidden", "moderator", "system", needs_reason=True),
    ("hidden", "restore"): _t("published", "moderator"),
    ("removed", "restore"): _t("published", "moderator"),
    ("pending", "remove"): _t("removed", "moderator", needs_reason=True),
    ("published", "remove"): _t("removed", "moderator", needs_reason=True),
    ("hidden", "remove"): _t("removed", "moderator", needs_reason=True),
    ("draft", "withdraw"): _t("deleted", "author"),
    ("pending", "withdraw"): _t("deleted", "author"),
    ("published", "withdraw"): _t("deleted", "author"),
    ("hidden", "withdraw"): _t("deleted", "author"),
    ("rejected", "withdraw"): _t("deleted", "author"),
}

ACTIONS = tuple(sorted({action for _, action in TRANSITIONS}))
# how each action reads once done, as in "the post is approved"
PAST_PARTICIPLES = {
    "approve": "approved",
    "reject": "rejected",
    "request_changes": "sent back for changes",
    "hide": "hidden",
    "restore": "restored",
    "remove": "removed",
    "submit": "submitted for review",
    "publish": "published",
    "resubmit": "sent back for review",
    "withdraw": "withdrawn",
}
MODERATOR_ACTIONS = ("approve", "reject", "request_changes", "hide", "restore", "remove")


def transition(state: str, action: str) -> Transition | None:
    return TRANSITIONS.get((state, action))


def allowed(state: str, action: str, actor: str) -> bool:
    step = transition(state, action)
    return step is not None and actor in step.actors


def actions_for(state: str, actor: str) -> list[str]:
    return [
        action
        for (from_state, action), step in TRANSITIONS.items()
        if from_state == state and actor in step.actors
    ]
