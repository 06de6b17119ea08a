"""An article's references and its medical review date: reading them from the form, storing
them, loading them for a page, and the articles whose review is overdue.

The form takes one reference per line: an identifier, then an optional label.

    PMID:12345678 Czaja AJ. Autoimmune hepatitis treatment guideline
    10.1016/j.jhep.2015.06.030 EASL clinical practice guidelines
    https://example.org/aza-leaflet Patient leaflet

An identifier is a PubMed id (1 to 9 digits, bare or after `PMID:`), a DOI (`10.` then 4 to 9
digits, a slash and at least one more character, bare or after `doi:`) or an http(s) address
(kept with its scheme in lower case and what a URI does not allow percent-encoded);
"PMID: 123" and "doi 10.1000/x" are read too, and dashes, colons and bars before the label
are dropped.
Blank lines are skipped; a repeated identifier, another scheme, or more than MAX_REFERENCES
is refused with the number of the line, so the author can fix it in the text they wrote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import quote, urlsplit

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import load_only

from app.extensions import db
from app.models import ArticleReference, Post
from app.models.posts import REVIEW_INTERVAL_MONTHS, add_months
from app.posts.queries import byline

MAX_REFERENCES = 30
MAX_URL_LENGTH = 2000
MAX_DOI_LENGTH = 300
MAX_LABEL_LENGTH = 300
MAX_TEXT_LENGTH = 100_000
OVERDUE_LIST_LIMIT = 200

PMID = re.compile(r"[0-9]{1,9}")
DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)
# "PMID: 123" and "doi 10.1000/x" as people write them, read as "PMID:123" and "doi:10.1000/x"
SPACED_PREFIX = re.compile(r"^(pmid|doi)(?:\s*:\s*|\s+)(?=[0-9])", re.IGNORECASE)
LABEL_SEPARATORS = "-–—:|"
# What RFC 3986 allows in a URI as is (and "%" of an escape already made); anything else in a
# web address (spaces are not, accents, quotes, angle brackets) is stored percent-encoded.
URI_CHARACTERS = ":/?#[]@!$&'()*+,;=-._~%"
# A form with many bad lines names the first few: the page stays short whatever was pasted.
MAX_ERRORS_SHOWN = 10


class ReferenceInputError(ValueError):
    """Lines that cannot be saved, each message naming its line."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Reference:
    kind: str
    value: str
    label: str = ""

    @property
    def identity(self) -> tuple[str, str]:
        """What makes two references the same source (PMIDs by number, DOIs in any case)."""
        if self.kind == "pmid":
            return self.kind, str(int(self.value))
        if self.kind == "doi":
            return self.kind, self.value.lower()
        return self.kind, self.value

    def as_line(self) -> str:
        identifier = f"PMID:{self.value}" if self.kind == "pmid" else self.value
        return f"{identifier} {self.label}".strip()


def parse_references(text: str) -> list[Reference]:
    """The references in the form's text, in order; ReferenceInputError lists every bad line."""
    if len(text or "") > MAX_TEXT_LENGTH:
        raise ReferenceInputError([f"Keep the references under {MAX_TEXT_LENGTH:,} characters."])
    references: list[Reference] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = clean(line)
        if not line:
            continue
        try:
            reference = parse_line(line)
        except ValueError as error:
            errors.append(f"Line {number}: {error}")
            continue
        first = seen.setdefault(reference.identity, number)
        if first != number:
            errors.append(f"Line {number}: the same source as line {first}.")
            continue
        references.append(reference)
    if len(references) > MAX_REFERENCES:
        errors.append(f"Give at most {MAX_REFERENCES} references ({len(references)} given).")
    if len(errors) > MAX_ERRORS_SHOWN:
        more = len(errors) - MAX_ERRORS_SHOWN
        errors = [*errors[:MAX_ERRORS_SHOWN], f"…and {more:,} more lines to fix."]
    if errors:
        raise ReferenceInputError(errors)
    return references


def clean(line: str) -> str:
    """The line without control or invisible characters, its spaces collapsed."""
    kept = "".join(
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFC", line)
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join(kept.split())


def parse_line(line: str) -> Reference:
    identifier, _, label = SPACED_PREFIX.sub(r"\1:", line).partition(" ")
    label = label.lstrip(LABEL_SEPARATORS + " ").strip()  # "- | Title" reads as "Title"
    if len(label) > MAX_LABEL_LENGTH:
        raise ValueError(f"keep the label under {MAX_LABEL_LENGTH} characters.")
    lowered = identifier.lower()
    if lowered.startswith("pmid:"):
        return Reference("pmid", parse_pmid(identifier[5:]), label)
    if lowered.startswith("doi:"):
        return Reference("doi", parse_doi(identifier[4:]), label)
    if lowered.startswith(("http://", "https://")):
        return Reference("url", parse_url(identifier), label)
    if SCHEME.match(identifier):
        raise ValueError("only http:// and https:// web addresses can be linked.")
    if identifier[:1].isdigit():
        if "/" in identifier or identifier.startswith("10."):
            return Reference("doi", parse_doi(identifier), label)
        return Reference("pmid", parse_pmid(identifier), label)
    raise ValueError(
        "start with a PMID (digits), a DOI (10.xxxx/…) or a web address (https://…), "
        "then the title if you like."
    )


def parse_pmid(raw: str) -> str:
    if not (PMID.fullmatch(raw) and int(raw) > 0):
        raise ValueError("a PMID is 1 to 9 digits, with no letters.")
    return str(int(raw))


def parse_doi(raw: str) -> str:
    if not raw.startswith("10."):
        raise ValueError("a DOI starts with 10. (for example 10.1016/j.jhep.2015.06.030).")
    if len(raw) > MAX_DOI_LENGTH or not DOI.fullmatch(raw):
        raise ValueError("a DOI is 10., 4 to 9 digits, a slash, then the item's own part.")
    return raw


def parse_url(raw: str) -> str:
    if len(raw) > MAX_URL_LENGTH:
        raise ValueError(f"keep web addresses under {MAX_URL_LENGTH:,} characters.")
    try:
        parts = urlsplit(raw)
        host, user = parts.hostname, parts.username
    except ValueError:
        raise ValueError("this is not a web address that can be linked.") from None
    if parts.scheme.lower() not in ("http", "https") or not host or "\\" in raw:
        raise ValueError("this is not a web address that can be linked.")
    if user is not None:
        raise ValueError("a web address with a user name or password cannot be linked.")
    return parts.scheme.lower() + quote(raw[len(parts.scheme) :], safe=URI_CHARACTERS)


def references_text(references) -> str:
    """The form's text for stored references (each line reads back as the same reference)."""
    return "\n".join(Reference(item.kind, item.value, item.label).as_line() for item in references)


def load_references(post: Post) -> list[ArticleReference]:
    """An article's references in order, in one query; other posts have none (no query)."""
    if post.kind != "article":
        return []
    return list(
        db.session.scalars(
            select(ArticleReference)
            .where(ArticleReference.post_id == post.id)
            .order_by(ArticleReference.position)
        )
    )


def replace_references(post: Post, references: list[Reference]) -> bool:
    """Store the article's references in this order; whether they changed."""
    stored = db.session.scalars(
        select(ArticleReference)
        .where(ArticleReference.post_id == post.id)
        .order_by(ArticleReference.position)
    ).all()
    wanted = [(r.kind, r.value, r.label) for r in references]
    if [(r.kind, r.value, r.label) for r in stored] == wanted:
        return False
    db.session.execute(delete(ArticleReference).where(ArticleReference.post_id == post.id))
    db.session.add_all(
        ArticleReference(post_id=post.id, position=number, kind=kind, value=value, label=label)
        for number, (kind, value, label) in enumerate(wanted, start=1)
    )
    db.session.flush()
    return True


# Review dates ----------------------------------------------------------------------------------


def latest_review_date(post: Post | None, on: date) -> date:
    """The latest review date an author may choose: the default, 12 months after the last
    medical review or publication (or after `on`, for an article not published yet). Only a
    medical review moves it later."""
    default = post.default_review_due if post is not None else None
    return default or add_months(on, REVIEW_INTERVAL_MONTHS)


def parse_review_date(raw: str, stored: date | None, on: date, latest: date) -> date | None:
    """The review date the author chose: empty for the default; a date after `on` and no
    later than `latest` (latest_review_date), or the one already stored (which may have
    passed)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        chosen = date.fromisoformat(raw)
    except ValueError:
        raise ValueError("Give the date as year-month-day, for example 2027-06-30.") from None
    if chosen == stored and chosen <= latest:
        return chosen
    if latest <= on:
        raise ValueError(
            "This article is due for its medical review: only a review by a verified "
            "provider sets the next date. Leave the date empty."
        )
    if chosen <= on:
        raise ValueError("Choose a review date after today, or leave it empty.")
    if chosen > latest:
        raise ValueError(
            f"Choose a review date no later than {latest.isoformat()} (12 months after the "
            "last medical review), or leave it empty: only a new review moves it later."
        )
    return chosen


def is_overdue(due: date | None, on: date) -> bool:
    return due is not None and due <= on


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def default_cutoff(on: date) -> datetime:
    """Articles reviewed (or published) before this moment are overdue by the default interval:
    the day after the last day whose review falls due by `on`."""
    day = add_months(on, -REVIEW_INTERVAL_MONTHS)
    while add_months(date.fromordinal(day.toordinal() + 1), REVIEW_INTERVAL_MONTHS) <= on:
        day = date.fromordinal(day.toordinal() + 1)
    return start_of(date.fromordinal(day.toordinal() + 1))


def overdue_articles(on: date, limit: int = OVERDUE_LIST_LIMIT) -> tuple[list[Post], int]:
    """Published articles due for review by `on`, the longest overdue first (at most `limit`),
    and how many there are in all."""
    reviewed = func.coalesce(Post.last_reviewed_at, Post.published_at)
    articles = select(Post).where(Post.is_public, Post.kind == "article")
    chosen = (Post.review_due_on.is_not(None)) & (Post.review_due_on <= on)
    # A chosen date only brings the review forward (Post.review_due): past the default, it is due.
    not_chosen = or_(Post.review_due_on.is_(None), Post.review_due_on > on)
    by_default = not_chosen & (reviewed < default_cutoff(on))
    shown = (
        load_only(
            Post.id,
            Post.kind,
            Post.title,
            Post.slug,
            Post.status,
            Post.author_id,
            Post.published_at,
            Post.last_reviewed_at,
            Post.review_due_on,
        ),
        byline(Post.author),
    )
    found = [
        *db.session.scalars(
            articles.where(chosen)
            .options(*shown)
            .order_by(Post.review_due_on, Post.id)
            .limit(limit)
        ),
        *db.session.scalars(
            articles.where(by_default).options(*shown).order_by(reviewed, Post.id).limit(limit)
        ),
    ]
    found.sort(key=lambda post: (post.review_due, post.id))
    total = db.session.scalar(
        select(func.count()).select_from(articles.where(or_(chosen, by_default)).subquery())
    )
    return found[:limit], total or 0
