"""Search quality over the demo content: recall@3 and MRR, with a ratchet, on every backend."""

import pytest

from app.demo.loader import seed_demo
from app.extensions import db
from app.search import SearchQuery, get_backend
from app.search.outbox import rebuild_from_database
from app.search.results import search
from tests.search.relevance_set import RELEVANCE_SET

# The levels reached when the set was written; raise them when search gets better, never lower.
RECALL_AT_3_FLOOR = 0.94
MRR_FLOOR = 0.97


@pytest.fixture
def demo_index(backend_app):
    seed_demo()
    db.session.commit()
    rebuild_from_database(get_backend(backend_app))
    return backend_app


def top_titles(text: str) -> list[str]:
    return [row.post.title for row in search(SearchQuery(text=text, per_page=10)).rows]


def scores(titles: list[str], relevant: list[str]) -> tuple[float, float]:
    found = sum(1 for title in titles[:3] if title in relevant)
    recall = found / min(len(relevant), 3)
    rank = next((i for i, title in enumerate(titles, start=1) if title in relevant), None)
    return recall, (1 / rank if rank else 0.0)


def test_relevance_set_titles_exist(demo_index):
    from sqlalchemy import select

    from app.models import Post

    titles = set(db.session.scalars(select(Post.title)))
    missing = {t for _, relevant in RELEVANCE_SET for t in relevant} - titles
    assert missing == set()
    assert len(RELEVANCE_SET) >= 30


def test_recall_at_3_and_mrr_do_not_fall(demo_index, backend_kind, relevance_report):
    recalls, reciprocal_ranks, misses = [], [], []
    for text, relevant in RELEVANCE_SET:
        titles = top_titles(text)
        recall, reciprocal = scores(titles, relevant)
        recalls.append(recall)
        reciprocal_ranks.append(reciprocal)
        if recall < 1:
            misses.append(f"{text!r}: recall@3 {recall:.2f}, top 3 {titles[:3]}")
    recall_at_3 = sum(recalls) / len(recalls)
    mrr = sum(reciprocal_ranks) / len(reciprocal_ranks)
    relevance_report.append(
        f"search relevance ({backend_kind}) over {len(RELEVANCE_SET)} queries: "
        f"recall@3 {recall_at_3:.3f}, MRR {mrr:.3f}"
    )
    relevance_report.extend(f"  partial: {miss}" for miss in misses)
    assert recall_at_3 >= RECALL_AT_3_FLOOR, "\n".join(misses)
    assert mrr >= MRR_FLOOR, "\n".join(misses)
