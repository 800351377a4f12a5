"""The review page over HTTP (no browser): login, CSRF, cookie flags, roles, decisions.

``seed_review`` is also used by the browser tests: two campaigns (an approved 2026-09 list and
the newest, a 5-target 2026-10 draft with a data-quality report and a model card) and three
users, one per role, all with the password :data:`PASSWORD`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

PASSWORD = "correct-horse-1"
DRAFT_MSISDN = "13812345678"


@dataclass(frozen=True)
class Seeded:
    draft_id: int
    approved_id: int
    dq_report_id: int


UPLIFT_SELECTION = {
    "value_basis": "uplift",
    "value_note": "ranked by incremental value",
    "control": {"size": 1, "min_uplift": 0.05, "alpha": 0.05, "power": 0.8, "base_rate": 0.2},
    "incremental": {"contacts": 4, "control": 1, "cardholders": 0.4321, "low": 0.1234,
                    "high": 0.7408},
    "incremental_propensity_ranking": {"contacts": 4, "control": 1, "cardholders": 0.1987,
                                       "low": 0.0, "high": 0.39},
    "optimality": {"value": 6663116.79, "bound": 6663151.75, "gap": 34.96,
                   "relative_gap": 5.25e-06, "max_gap": 1e-06, "within_max_gap": False},
}  # fmt: skip


def _summary(month: str, responses: float, defaults: float) -> dict[str, Any]:
    edges = [round(0.1 * i, 1) for i in range(11)]
    return {
        "campaign_key": month,
        "config_name": "default",
        "channel": "sms",
        "as_of": f"{month}-05",
        "budget_contacts": 5,
        "n_scored": 40,
        "n_excluded": 30,
        "exclusions": {"has_card": 18, "risk_ceiling": 9, "suppressed": 3},
        "n_eligible": 10,
        "n_selected": 5,
        "n_contacted": 4,
        "n_control": 1,
        "persona_mix": {
            "digital natives": {"selected": 3, "control": 1, "share": 0.6},
            "budget families": {"selected": 2, "control": 0, "share": 0.4},
        },
        "expected_responses": responses,
        "expected_defaults": defaults,
        "expected_default_rate": round(defaults / responses, 6),
        "expected_value": 412.5,
        "contact_cost": 2.0,
        "distributions": {
            "p_demand": {"edges": edges, "counts": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]},
            "pd": {"edges": edges, "counts": [5, 0, 0, 0, 0, 0, 0, 0, 0, 0]},
            "score_points": {
                "edges": [660.0 + 4 * i for i in range(11)],
                "counts": [1, 0, 1, 0, 1, 0, 1, 0, 0, 1],
            },
        },
    }


def _targets(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [f"u{i:03d}" for i in range(1, n + 1)],
            "msisdn": [DRAFT_MSISDN] + [f"1390000{i:04d}" for i in range(2, n + 1)],
            "rank": list(range(1, n + 1)),
            "persona": ["digital natives"] * 3 + ["budget families"] * (n - 3),
            "p_demand": [0.9, 0.8, 0.7, 0.6, 0.5][:n],
            "pd": [0.01, 0.02, 0.03, 0.04, 0.05][:n],
            "score_points": [700.0, 690.0, 680.0, 670.0, 660.0][:n],
            "expected_value": [120.5, 110.0, 99.5, 60.0, 22.5][:n],
            "is_control": [0.0, 0.0, 1.0, 0.0, 0.0][:n],
            "why": [
                {
                    "drivers": ["5G data flow high", "tenure 60+ months"],
                    "reasons": ["R01 few overdue bills"],
                }
            ]
            * n,
        }
    )


def _run(session: Any, month: str, dq_report_id: int | None) -> str:
    from prospect.store import Run, get_or_create_run

    fields = {
        "month": month,
        "batch_path": f"/landing/{month}.parquet",
        "batch_checksum": f"sha256:{month}",
        "model_version": "m-1",
        "config_hash": "c1",
    }
    run_id = f"run-{month}"
    get_or_create_run(session, run_id, fields, requested_by="scheduler")
    session.get(Run, run_id).dq_report_id = dq_report_id
    return run_id


def _artifacts(session: Any, settings: Any) -> int:
    from prospect.store import DQReport, ModelVersion

    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    html = settings.reports_dir / "dq-2026-10.html"
    html.write_text("<h1>Data quality 2026-10: pass</h1>", encoding="utf-8")
    report = DQReport(
        month="2026-10",
        spec_name="subscriber_5g",
        batch_path="/landing/x",
        batch_checksum="sha256:x",
        outcome="warn",
        html_path=str(html),
    )
    bundle = settings.models_dir / "m-1"
    bundle.mkdir(parents=True, exist_ok=True)
    (bundle / "model_card.html").write_text("<h1>Model card m-1</h1>", encoding="utf-8")
    session.add_all([report, ModelVersion(version="m-1", path=str(bundle), checksum="c")])
    session.flush()
    return report.id


def seed_review(engine: Engine, settings: Any) -> Seeded:
    """Users rita (reviewer), vic (viewer), ada (admin); an approved and a draft campaign."""
    from prospect.store import create_user, review_campaign, save_campaign, session_scope

    with session_scope(engine) as session:
        for name, role in (("rita", "reviewer"), ("vic", "viewer"), ("ada", "admin")):
            create_user(session, name, PASSWORD, role, actor="test")
        report_id = _artifacts(session, settings)
        old = save_campaign(
            session,
            _run(session, "2026-09", None),
            {
                "month": "2026-09",
                "name": "Card offer 2026-09",
                "model_version": "m-1",
                "summary": _summary("2026-09", 1.5, 0.05),
            },
            _targets(4),
        )
        review_campaign(session, old.id, decision="approved", actor="ada", comment="fine")
        draft = save_campaign(
            session,
            _run(session, "2026-10", report_id),
            {
                "month": "2026-10",
                "name": "Card offer 2026-10",
                "model_version": "m-1",
                "summary": _summary("2026-10", 2.3456, 0.0789) | UPLIFT_SELECTION,
            },
            _targets(5),
        )
        return Seeded(draft_id=draft.id, approved_id=old.id, dq_report_id=report_id)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Argon2 with the smallest cost: same code path, milliseconds instead of a second a hash."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr("prospect.store.users._hasher", cheap)


@pytest.fixture()
def seeded(api_app, api_settings) -> Seeded:
    """The app of ``tests/api/conftest.py`` seeded by :func:`seed_review`."""
    return seed_review(api_app.state.engine, api_settings)


def cookie_signer(settings: Any):
    """Reads and signs session cookies as the server does (to inspect or forge one)."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(settings.secret_key, salt="prospect.review.session")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD):
    token = csrf_of(client.get("/review/login").text)
    form = {"username": username, "password": password, "csrf_token": token}
    return client.post("/review/login", data=form, follow_redirects=False)


def decide(client: TestClient, campaign_id: int, decision: str, comment: str, token=None):
    page = client.get(f"/review/campaigns/{campaign_id}").text
    form = {"decision": decision, "comment": comment, "csrf_token": token or csrf_of(page)}
    return client.post(
        f"/review/campaigns/{campaign_id}/decision", data=form, follow_redirects=False
    )


def campaign_row(engine: Engine, campaign_id: int):
    from prospect.store import Campaign, audit_trail, session_scope

    with session_scope(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        trail = [
            (e.action, e.actor, e.detail.get("comment"))
            for e in audit_trail(session, "campaigns", campaign_id)
        ]
        return campaign, trail


def test_session_cookie_is_httponly_strict_and_path_scoped(client, seeded):
    response = client.get("/review/login")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("prospect_review=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/review" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # plain http test server; https and production set Secure
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'none'" in response.headers["content-security-policy"]


def test_pages_need_login(client, seeded):
    for path in (
        "/review",
        f"/review/campaigns/{seeded.draft_id}",
        f"/review/reports/{seeded.dq_report_id}",
        "/review/models/m-1",
    ):
        response = client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/review/login")


def test_bad_password_is_refused(client, seeded):
    response = login(client, "rita", "wrong-password")
    assert response.status_code == 401
    assert "Unknown username or wrong password." in response.text
    assert client.get("/review", follow_redirects=False).status_code == 303
    assert login(client, "nobody", PASSWORD).status_code == 401


def test_login_without_csrf_token_is_refused(client, seeded):
    client.get("/review/login")
    form = {"username": "rita", "password": PASSWORD}
    response = client.post("/review/login", data=form)
    assert response.status_code == 403
    assert "CSRF" in response.text
    form["csrf_token"] = "forged"
    assert client.post("/review/login", data=form).status_code == 403
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_login_rotates_the_csrf_token_and_shows_the_list(client, seeded):
    before = csrf_of(client.get("/review/login").text)
    response = login(client, "rita")
    assert (response.status_code, response.headers["location"]) == (303, "/review")
    page = client.get("/review").text
    assert csrf_of(page) != before
    rows = re.findall(r'<tr data-campaign-id="(\d+)" data-status="(\w+)">', page)
    assert [status for _, status in rows] == ["draft", "approved"]  # newest first
    draft_row = page.split('data-status="draft"')[1].split("</tr>")[0]
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", draft_row, re.S)]
    assert cells[0] == "2026-10" and cells[3:6] == ["5", "2.3", "0.1"] and cells[7] == "—"
    assert "rita" in page and "reviewer" in page


def test_detail_shows_figures_charts_and_masked_numbers(client, seeded):
    login(client, "rita")
    seeded = seeded
    page = client.get(f"/review/campaigns/{seeded.draft_id}").text
    assert 'data-testid="size" data-value="5">5<' in page
    assert 'data-value="2.3456">2.3<' in page and 'data-value="0.0789">0.1<' in page
    assert DRAFT_MSISDN not in page and "138****5678" in page
    assert "5G data flow high · tenure 60+ months" in page and "R01 few overdue bills" in page
    assert page.count('<svg class="chart') == 5  # exclusions, personas, three histograms
    assert 'aria-label="Exclusions by reason"' in page and ">has_card<" in page
    assert 'data-testid="dq-outcome">warn<' in page
    assert f'href="/review/reports/{seeded.dq_report_id}"' in page
    assert 'href="/review/models/m-1"' in page
    assert ">Approve<" in page and ">Reject<" in page


def test_detail_shows_incremental_cardholders_beside_the_propensity_ranking(client, seeded):
    login(client, "rita")
    page = client.get(f"/review/campaigns/{seeded.draft_id}").text
    assert 'data-testid="expected-incremental" data-value="0.4321">0.4<' in page
    assert 'data-testid="incremental-interval">95% interval 0.1 to 0.7<' in page
    assert 'data-testid="incremental-propensity" data-value="0.1987">0.2<' in page
    assert "sized to detect an uplift of 0.05" in page
    approved = client.get(f"/review/campaigns/{seeded.approved_id}").text
    assert 'data-testid="expected-incremental"' not in approved  # no uplift figures: none shown


def test_detail_says_how_close_to_the_best_list_the_selection_is_proven(client, seeded):
    login(client, "rita")
    page = client.get(f"/review/campaigns/{seeded.draft_id}").text
    proof = page.split('data-testid="optimality">')[1].split("</p>")[0]
    assert "proven within 34.96 of the best possible list" in proof
    assert "5.25e-06 of 6,663,152" in proof
    assert 'data-testid="optimality-time-limit"' in proof  # above the 1e-06 asked: said so


def test_reports_and_model_cards_are_served_to_logged_in_users(client, seeded):
    login(client, "vic")
    report = client.get(f"/review/reports/{seeded.dq_report_id}")
    assert report.status_code == 200 and "Data quality 2026-10" in report.text
    card = client.get("/review/models/m-1")
    assert card.status_code == 200 and "Model card m-1" in card.text
    missing = client.get("/review/models/m-9")
    assert missing.status_code == 404 and "no model version &#39;m-9&#39;" in missing.text
    assert missing.headers["content-type"].startswith("text/html")


def test_a_decision_notice_never_contradicts_the_lists_status(client, seeded):
    """The race the issue saw: the loser's page said "Campaign rejected." over an approved
    badge. A notice is shown only over the status it announces."""
    draft_id = seeded.draft_id
    login(client, "rita")
    decide(client, draft_id, "approved", "Persona mix as planned.")
    stale = client.get(f"/review/campaigns/{draft_id}?done=rejected").text
    assert 'data-testid="status">approved<' in stale and "Campaign rejected" not in stale
    fresh = client.get(f"/review/campaigns/{draft_id}?done=approved").text
    assert "Campaign approved" in fresh


def test_reviewer_approves_with_a_comment_and_it_is_audited(client, seeded, api_engine):
    draft_id = seeded.draft_id
    login(client, "rita")
    response = decide(client, draft_id, "approved", "  Persona mix as planned.  ")
    assert response.headers["location"] == f"/review/campaigns/{draft_id}?done=approved"
    page = client.get(response.headers["location"]).text
    assert 'data-testid="status">approved<' in page and "Campaign approved" in page
    assert ">Approve<" not in page
    campaign, trail = campaign_row(api_engine, draft_id)
    assert (campaign.status, campaign.reviewed_by) == ("approved", "rita")
    assert campaign.review_comment == "Persona mix as planned."
    assert trail[-1] == ("campaign.approved", "rita", "Persona mix as planned.")
    listing = client.get("/review").text.split('data-status="approved"')[1].split("</tr>")[0]
    assert "rita" in listing


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_decision_needs_a_comment(client, seeded, api_engine, comment):
    draft_id = seeded.draft_id
    login(client, "rita")
    response = decide(client, draft_id, "rejected", comment)
    assert response.status_code == 400
    assert "comment must not be empty" in response.text
    assert campaign_row(api_engine, draft_id)[0].status == "draft"


def test_a_viewer_cannot_see_drafts_nor_approve(client, seeded, api_engine):
    draft_id = seeded.draft_id
    login(client, "vic")
    page = client.get(f"/review/campaigns/{draft_id}")
    assert page.status_code == 404 and ">Approve<" not in page.text
    listing = client.get("/review").text
    assert "Card offer 2026-10" not in listing  # the draft is not listed
    response = decide(client, draft_id, "approved", "looks fine to me", token=csrf_of(listing))
    assert response.status_code == 403 and "reviewer or admin only" in response.text
    assert campaign_row(api_engine, draft_id)[0].status == "draft"


def test_admin_may_decide_but_not_twice(client, seeded, api_engine):
    draft_id = seeded.draft_id
    login(client, "ada")
    assert decide(client, draft_id, "rejected", "Too many budget families.").status_code == 303
    again = decide(client, draft_id, "approved", "changed my mind")
    assert again.status_code == 409 and "only a draft can be approved" in again.text
    campaign, trail = campaign_row(api_engine, draft_id)
    assert (campaign.status, campaign.reviewed_by) == ("rejected", "ada")
    assert [a for a, _, _ in trail].count("campaign.rejected") == 1


def test_a_decision_with_a_forged_csrf_token_is_refused(client, seeded, api_engine):
    draft_id = seeded.draft_id
    login(client, "rita")
    response = decide(client, draft_id, "approved", "ok", token="not-the-token")
    assert response.status_code == 403
    assert campaign_row(api_engine, draft_id)[0].status == "draft"


def test_rerun_of_a_rejected_campaign_enqueues_its_month_with_its_config(
    client, seeded, api_app, api_engine
):
    from api.routes.review import get_requeue_run
    from prospect.review import Requeued
    from prospect.store import Campaign, session_scope

    with session_scope(api_engine) as session:
        session.get(Campaign, seeded.draft_id).config = {"budget": 1234.0, "name": "tight"}
    calls = []
    api_app.dependency_overrides[get_requeue_run] = lambda: (
        lambda month, by, config: calls.append((month, by, config)) or Requeued("run-42", "queued")
    )
    draft_id = seeded.draft_id
    login(client, "rita")
    page = client.get(f"/review/campaigns/{draft_id}").text
    early = client.post(f"/review/campaigns/{draft_id}/rerun", data={"csrf_token": csrf_of(page)})
    assert early.status_code == 409 and calls == []
    decide(client, draft_id, "rejected", "Risk ceiling too loose.")
    token = csrf_of(client.get(f"/review/campaigns/{draft_id}").text)
    response = client.post(f"/review/campaigns/{draft_id}/rerun", data={"csrf_token": token})
    assert response.status_code == 200 and "A new run for this month has been queued" in (
        response.text
    )
    assert calls == [("2026-10", "rita", {"budget": 1234.0, "name": "tight"})]
    assert campaign_row(api_engine, draft_id)[1][-1][:2] == ("campaign.rerun_requested", "rita")


def test_logout_ends_the_session(client, seeded):
    login(client, "rita")
    token = csrf_of(client.get("/review").text)
    response = client.post("/review/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/review/login?done=out"
    assert 'prospect_review=""' in response.headers["set-cookie"]
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_tampered_forged_or_expired_session_sends_back_to_login(client, seeded, api_settings,
                                                                 api_engine):  # fmt: skip
    from prospect.store import LoginSession, session_scope
    from prospect.store.types import utcnow

    login(client, "rita")
    assert client.get("/review", follow_redirects=False).status_code == 200
    value = client.cookies.get("prospect_review")
    client.cookies.set("prospect_review", value[:-2] + "xx", path="/review")
    assert client.get("/review", follow_redirects=False).status_code == 303
    # Signed with the right key but naming a session the server never issued.
    forged = cookie_signer(api_settings).dumps({"csrf": "x", "sid": "a-guessed-session-id"})
    client.cookies.set("prospect_review", forged, path="/review")
    assert client.get("/review", follow_redirects=False).status_code == 303
    client.cookies.set("prospect_review", value, path="/review")
    assert client.get("/review", follow_redirects=False).status_code == 200
    with session_scope(api_engine) as session:  # past its absolute lifetime
        session.scalars(select(LoginSession)).one().expires_at = utcnow()
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_session_cookie_is_secure_over_https(api_app, seeded):
    with TestClient(api_app, base_url="https://testserver") as https_client:
        cookie = https_client.get("/review/login").headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_rerun_the_worker_refuses_is_shown_and_not_audited(client, seeded, api_app, api_engine):
    from api.routes.review import get_requeue_run

    def refuse(month: str, by: str, config: object) -> str:
        raise ValueError(f"no batch has landed for {month}.")

    api_app.dependency_overrides[get_requeue_run] = lambda: refuse
    login(client, "rita")
    decide(client, seeded.draft_id, "rejected", "Wrong month.")
    token = csrf_of(client.get(f"/review/campaigns/{seeded.draft_id}").text)
    response = client.post(f"/review/campaigns/{seeded.draft_id}/rerun", data={"csrf_token": token})
    assert response.status_code == 422 and "no batch has landed for 2026-10." in response.text
    assert campaign_row(api_engine, seeded.draft_id)[1][-1][0] == "campaign.rejected"


def test_a_rerun_that_queues_nothing_says_so(client, seeded, api_app, api_engine):
    from api.routes.review import get_requeue_run
    from prospect.review import Requeued

    api_app.dependency_overrides[get_requeue_run] = lambda: (
        lambda month, by, config: Requeued("run-2026-10", "rejected")
    )
    login(client, "rita")
    decide(client, seeded.draft_id, "rejected", "Wrong month.")
    token = csrf_of(client.get(f"/review/campaigns/{seeded.draft_id}").text)
    response = client.post(f"/review/campaigns/{seeded.draft_id}/rerun", data={"csrf_token": token})
    assert "Nothing was queued" in response.text and "has been queued" not in response.text
    last = campaign_row(api_engine, seeded.draft_id)[1][-1]
    assert last[0] == "campaign.rerun_requested"


def test_a_viewer_cannot_rerun(client, seeded, api_app, api_engine):
    from api.routes.review import get_requeue_run

    calls = []
    api_app.dependency_overrides[get_requeue_run] = lambda: (
        lambda month, by, config: calls.append(month)
    )
    login(client, "rita")
    decide(client, seeded.draft_id, "rejected", "Wrong month.")
    client.cookies.clear()
    login(client, "vic")
    page = client.get(f"/review/campaigns/{seeded.draft_id}")
    assert page.status_code == 404 and "Re-run" not in page.text  # viewers see approved lists only
    token = csrf_of(client.get("/review").text)
    response = client.post(f"/review/campaigns/{seeded.draft_id}/rerun", data={"csrf_token": token})
    assert response.status_code == 403 and calls == []
    assert campaign_row(api_engine, seeded.draft_id)[1][-1][0] == "campaign.rejected"


def test_an_unknown_campaign_is_a_404_page(client, seeded):
    login(client, "vic")
    response = client.get("/review/campaigns/999")
    assert response.status_code == 404 and "no campaign with id 999." in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_expected_defaults_on_the_page_match_a_hand_computed_value(client, seeded, api_engine):
    """Expected defaults = sum over contacted targets of p(takes the card) x PD: a subscriber
    defaults only after taking the card; the control group is not contacted."""
    from datetime import date

    import pandas as pd

    from prospect.store import get_or_create_run, save_campaign, session_scope
    from prospect.targeting import load_campaign_config
    from prospect.targeting.summary import campaign_summary

    targets = pd.DataFrame({
        "user_id": ["a", "b", "c", "d"], "rank": [1, 2, 3, 4],
        "p_demand": [0.5, 0.4, 0.2, 0.9], "pd": [0.1, 0.05, 0.2, 0.3],
        "score_points": [600.0, 610.0, 590.0, 580.0], "expected_value": [1.0, 2.0, 3.0, 4.0],
        "is_control": [False, False, False, True], "persona": ["x", "x", "y", "y"],
    })  # fmt: skip
    hand = 0.5 * 0.1 + 0.4 * 0.05 + 0.2 * 0.2  # 0.11; d is control
    summary = campaign_summary(targets, load_campaign_config(), exclusions={}, n_scored=10,
                               n_eligible=8, campaign_key="k", as_of=date(2026, 12, 1))  # fmt: skip
    fields = {"month": "2027-01", "batch_path": "/l/x.csv", "batch_checksum": "s",
              "model_version": "m-1", "config_hash": "c"}  # fmt: skip
    with session_scope(api_engine) as session:
        get_or_create_run(session, "run-hand", fields, requested_by="test")
        cid = save_campaign(session, "run-hand", {"month": "2027-01", "name": "Hand",
                            "model_version": "m-1", "summary": summary}, targets).id  # fmt: skip
    login(client, "rita")
    page = client.get(f"/review/campaigns/{cid}").text
    shown = re.search(r'data-testid="expected-defaults" data-value="([^"]+)">([^<]+)<', page)
    assert shown and float(shown.group(1)) == pytest.approx(hand, abs=1e-9)
    assert shown.group(2) == "0.1"
    assert "default rate 10.00%" in page  # 0.11 / (0.5 + 0.4 + 0.2)
