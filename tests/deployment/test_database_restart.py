"""PostgreSQL restarts under load: only requests during the outage fail, and they fail with a
503 that asks to retry; the nodes recover on their own within seconds."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

import requests

from tests.deployment.conftest import Browser

RECOVERY_SECONDS = 5
HEALTHY = {200, 302}  # 302: /me/posts sends visitors who are not signed in to the sign-in page
PATHS = ("/", "/api/v1/posts", "/api/v1/search?q=azathioprine", "/tags/", "/me/posts")


@dataclass
class Outcome:
    started: float
    finished: float
    status: int  # 0: no answer at all


def hammer(browser: Browser, base: str, stop: threading.Event, outcomes: list[Outcome]) -> None:
    for path in itertools.cycle(PATHS):
        if stop.is_set():
            return
        started = time.monotonic()
        try:
            status = browser.get(base + path, timeout=15, allow_redirects=False).status_code
        except requests.RequestException:
            status = 0
        outcomes.append(Outcome(started, time.monotonic(), status))


def test_a_database_restart_fails_only_requests_during_the_outage(cluster, start_node):
    email = cluster.create_member("restart_reader")
    node = start_node("restart", workers=2, RATELIMIT_ENABLED="off")  # one address, many requests
    browsers = [Browser() for _ in range(4)]
    browsers[0].sign_in(node, email)
    stop = threading.Event()
    outcomes: list[Outcome] = []
    threads = [
        threading.Thread(target=hammer, args=(browser, node.url, stop, outcomes))
        for browser in browsers
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        outage_began = time.monotonic()
        cluster.postgres.restart()
        outage_ended = time.monotonic()
        time.sleep(RECOVERY_SECONDS + 3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    before = [o for o in outcomes if o.finished < outage_began]
    during = [o for o in outcomes if o.started <= outage_ended and o.finished >= outage_began]
    after = [o for o in outcomes if o.started > outage_ended + RECOVERY_SECONDS]
    assert before and after and len(outcomes) > 50
    assert {o.status for o in before} <= HEALTHY, "the load itself must be healthy"
    assert {o.status for o in during} <= HEALTHY | {503}, "an outage is a 503, never a 500"
    assert {o.status for o in after} <= HEALTHY, "the node recovers without a restart"
    first_good = min(o.started for o in outcomes if o.started > outage_ended and o.status == 200)
    assert first_good - outage_ended < RECOVERY_SECONDS
    assert node.process.poll() is None
    print(
        f"\n{len(outcomes)} requests; during the {outage_ended - outage_began:.2f} s restart: "
        f"{sum(o.status == 503 for o in during)} answered 503, "
        f"{sum(o.status in HEALTHY for o in during)} succeeded; first success "
        f"{first_good - outage_ended:.2f} s after"
    )
