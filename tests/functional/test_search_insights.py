"""/moderation/search-insights: searches that found nothing or little, counted per day."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect, select

from app.extensions import db
from app.models import SearchMiss
from app.search import insights
from tests.conftest import make_user
from tests.helpers import make_post, sign_in, sign_out


@pytest.fixture
def posts(app, users):
    for number in range(4):
        make_post(users["patient"], title=f"Azathioprine week {number}", days_ago=number + 1)
    make_post(users["patient"], title="A holiday on azathioprine", body="Sun cream on holiday.")
    db.session.commit()


def search(client, text: str, api: bool = False, **args):
    url = "/api/v1/search" if api else "/search"
    response = client.get(url, query_string={"q": text, **args})
    assert response.status_code == 200
    return response


def stored() -> dict[str, tuple[str, int]]:
    db.session.expire_all()
    rows = db.session.scalars(select(SearchMiss))
    return {row.query: (row.band, row.occurrences) for row in rows}


def insights_page(client, signed_in, role="moderator") -> str:
    signed_in(role)
    response = client.get("/moderation/search-insights")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_query_missed_five_times_appears_and_four_times_does_not(client, signed_in, posts):
    for text in ["Zebra stripes", "zebra   STRIPES", "zebra stripes"]:
        search(client, text)
    search(client, "zebra stripes", api=True)
    signed_in("patient")  # members count as anonymous visitors do
    search(client, "zebra stripes")
    for _ in range(4):
        search(client, "unicorn mane")
    assert stored() == {"zebra stripes": ("none", 5), "unicorn mane": ("none", 4)}
    page = insights_page(client, signed_in)
    assert '<th scope="row">zebra stripes</th><td>5</td><td>no results</td>' in page
    assert "unicorn mane" not in page
    assert "<caption>" in page


def test_few_results_are_counted_and_many_are_not(client, signed_in, posts):
    for _ in range(5):
        search(client, "holiday")
        search(client, "azathioprine")
    assert stored() == {"holiday": ("few", 5)}
    page = insights_page(client, signed_in)
    assert '<th scope="row">holiday</th><td>5</td><td>few results</td>' in page
    assert ">azathioprine<" not in page


@pytest.mark.parametrize(
    "text",
    [
        "mail jane.doe@example.com",
        "ring +44 20 7946 0958",
        "call 020 7946 0958 please",
        "patient 12345678",
    ],
)
def test_personal_details_are_never_stored(client, posts, text):
    search(client, text)
    search(client, text, api=True)
    assert stored() == {}


def test_a_row_holds_no_person_and_no_time_finer_than_the_day(client, posts):
    search(client, "zebra stripes")
    columns = {column["name"]: column for column in inspect(db.engine).get_columns("search_misses")}
    assert set(columns) == {"day", "query", "band", "occurrences"}
    row = db.session.scalars(select(SearchMiss)).one()
    assert type(row.day) is date and row.day == insights.today()


def test_later_pages_and_filtered_searches_are_not_counted(client, posts):
    search(client, "zebra stripes", page=2)
    search(client, "zebra stripes", api=True, page=3)
    search(client, "zebra stripes", kind="article")
    assert stored() == {}


def test_only_the_last_thirty_days_are_shown(client, signed_in, posts):
    old = insights.today() - timedelta(days=insights.WINDOW_DAYS)
    db.session.add(SearchMiss(day=old, query="old topic", band="none", occurrences=50))
    db.session.add(SearchMiss(day=insights.today(), query="new topic", band="none", occurrences=9))
    db.session.commit()
    page = insights_page(client, signed_in, "provider")
    assert "new topic" in page and "old topic" not in page


def test_who_may_see_the_page(client, signed_in, users):
    page = "/moderation/search-insights"
    response = client.get(page)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for role in ["moderator", "admin", "provider"]:
        signed_in(role)
        assert client.get(page).status_code == 200
    signed_in("patient")
    assert client.get(page).status_code == 403
    sign_out(client)
    unverified = make_user("newprov", "provider", credentials="RN")
    sign_in(client, unverified.email)
    assert client.get(page).status_code == 403


def test_verified_providers_find_the_page_in_their_menu(client, signed_in, users):
    signed_in("provider")
    assert 'href="/moderation/search-insights"' in client.get("/").get_data(as_text=True)
    signed_in("moderator")
    assert 'href="/moderation/search-insights"' in client.get("/moderation/").get_data(as_text=True)


def test_prune_deletes_days_older_than_ninety(runner, app):
    today = insights.today()
    for age in (0, 90, 91, 400):
        db.session.add(SearchMiss(day=today - timedelta(days=age), query=f"age {age}", band="none"))
    db.session.commit()
    result = runner.invoke(args=["search", "insights", "prune"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 " in result.output
    assert set(stored()) == {"age 0", "age 90"}
    result = runner.invoke(args=["search", "insights", "prune", "--days", "30"])
    assert "Deleted 1 " in result.output
    assert set(stored()) == {"age 0"}


def test_a_failure_to_count_does_not_fail_the_search(client, posts, monkeypatch):
    def broken(*args, **kwargs):
        db.session.execute(sa.text("UPDATE no_such_table SET n = n + 1"))

    monkeypatch.setattr(insights, "count_miss", broken)
    page = search(client, "zebra stripes")
    assert "zebra stripes" in page.get_data(as_text=True)
    assert search(client, "zebra stripes", api=True).get_json()["total"] == 0
    assert search(client, "azathioprine", api=True).get_json()["total"] == 5
    assert stored() == {}
