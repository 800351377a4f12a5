"""The review page in a real browser: Debian's chromium driven by Playwright against uvicorn.

Run ``bash scripts/services.sh chromium`` first (installs ``/usr/bin/chromium``); the tests
skip only when no chromium can be found. Screenshots of every page go to
``tests/artifacts/screenshots/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import bearer
from tests.api.test_review_pages import (
    PASSWORD,
    Seeded,
    fast_password_hashing,  # noqa: F401 (autouse fixture)
    seed_review,
)

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("PROSPECT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module; skips with a clear message when chromium is missing."""
    if not CHROMIUM.is_file():
        pytest.skip(f"chromium not found at {CHROMIUM}: run `bash scripts/services.sh chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def live(api_app, api_settings) -> Iterator[tuple[str, Seeded]]:
    """The seeded app served by uvicorn on 127.0.0.1 (a free port); yields (base URL, seed)."""
    import uvicorn

    seeded = seed_review(api_app.state.engine, api_settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(api_app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start within 30 s"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", seeded
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/review")  # redirected to the login form
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Log in')")


def test_bad_password_is_refused(page, live):
    base, _ = live
    log_in(page, base, "rita", "not-her-password")
    assert page.get_by_role("alert").inner_text() == "Unknown username or wrong password."
    assert page.url == f"{base}/review/login"
    shot(page, "review-login-refused")


def test_reviewer_approves_the_newest_draft(page, live, reviewer_key):
    base, seeded = live
    page.goto(f"{base}/review")
    shot(page, "review-login")
    log_in(page, base, "rita")
    assert page.url == f"{base}/review"
    shot(page, "review-list")
    page.locator("tr[data-status=draft] a").first.click()
    assert page.url == f"{base}/review/campaigns/{seeded.draft_id}"
    shot(page, "review-detail")

    api = httpx.get(f"{base}/api/v1/campaigns/{seeded.draft_id}", headers=bearer(reviewer_key))
    assert api.status_code == 200
    expected = api.json()
    shown = {t: page.get_by_test_id(t) for t in ("size", "expected-responses", "expected-defaults")}
    assert int(shown["size"].get_attribute("data-value")) == expected["n_targets"] == 5
    assert shown["size"].inner_text() == f"{expected['n_targets']:,}"
    for test_id, key in (("expected-responses", "expected_responses"),
                         ("expected-defaults", "expected_defaults")):  # fmt: skip
        value = expected["summary"][key]
        assert float(shown[test_id].get_attribute("data-value")) == value
        assert shown[test_id].inner_text() == f"{value:,.1f}"
    assert "138****5678" in page.get_by_test_id("sample").inner_text()

    page.fill("textarea[name=comment]", "Mix and risk as planned.")
    page.click("button:has-text('Approve')")
    assert page.get_by_test_id("status").inner_text() == "approved"
    assert "by rita" in page.get_by_test_id("decided").inner_text()
    shot(page, "review-approved")
    page.get_by_test_id("logout").click()
    assert page.url == f"{base}/review/login?done=out"
    assert page.get_by_role("status").inner_text() == "You are logged out."
    page.goto(f"{base}/review")
    assert page.url == f"{base}/review/login"
    shot(page, "review-logged-out")


def test_a_viewer_cannot_see_a_draft_nor_approve(page, live):
    base, seeded = live
    log_in(page, base, "vic")
    response = page.goto(f"{base}/review/campaigns/{seeded.draft_id}")
    assert response is not None and response.status == 404
    assert page.locator("button:has-text('Approve')").count() == 0
    shot(page, "review-viewer-draft")


BROWSER_RACE_ROUNDS = 4


def test_two_reviewers_deciding_at_once_in_browsers_get_one_verdict(browser, live, api_app):
    """Rita approves while Ada rejects the same draft, both forms in flight together: one page
    announces the decision, the other shows the 409 message over the winner's badge."""
    from tests.api.test_review_races import decision_rows, seed_draft, status_of

    base, _ = live
    engine = api_app.state.engine
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(2)]
    try:
        pages = [c.new_page() for c in contexts]
        for p, name in zip(pages, ("rita", "ada"), strict=True):
            log_in(p, base, name)
        for i in range(BROWSER_RACE_ROUNDS):
            cid = seed_draft(engine, f"2033-{i + 1:02d}", f"browser{i}")
            for p in pages:
                p.goto(f"{base}/review/campaigns/{cid}")
                p.fill("textarea[name=comment]", "Decided in a race.")
            with pages[0].expect_navigation(), pages[1].expect_navigation():
                pages[0].click("button:has-text('Approve')", no_wait_after=True)
                pages[1].click("button:has-text('Reject')", no_wait_after=True)
            final = status_of(engine, cid)
            assert final in ("approved", "rejected")
            assert decision_rows(engine, cid) == [f"campaign.{final}"], f"round {i}"
            badges = [p.get_by_test_id("status").inner_text() for p in pages]
            assert badges == [final, final], f"round {i}: {badges}"
            alerts = [p.get_by_role("alert").count() for p in pages]
            assert sorted(alerts) == [0, 1], f"round {i}: {alerts}"
            loser = pages[alerts.index(1)]
            assert "only a draft can be" in loser.get_by_role("alert").inner_text()
            winner = pages[alerts.index(0)]
            notice = winner.get_by_role("status").inner_text()
            assert notice.startswith(f"Campaign {final}"), notice
        shot(loser, "review-race-loser")
    finally:
        for c in contexts:
            c.close()
