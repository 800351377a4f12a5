"""The scorecard stability report of a run: in the run's response, as JSON and HTML, and as a
card on the review page. The report is written by the pipeline's own writer from counts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from tests.api.conftest import bearer, make_targets
from tests.api.test_review_pages import fast_password_hashing, login, seed_review  # noqa: F401
from tests.prospect.test_pipeline import expected_bars, printed_bars

V1 = "/api/v1"
RUN_ID = "run-2026-11"
FEATURES = ["tenure", "balance", "fee", "age", "region", "data_gb"]


def _written_summary(settings) -> dict:
    """Write the report of a month where ``balance`` moved and return the campaign summary."""
    from prospect.pipeline.plan import RunPlan
    from prospect.pipeline.stability import with_stability
    from prospect.targeting import CampaignList
    from risk import StabilityProfile

    rng = np.random.default_rng(0)
    ref = pd.DataFrame({c: rng.normal(size=2000) for c in ["score", *FEATURES]})
    ref["region"] = rng.choice(list("abc"), 2000)
    cur = ref.sample(1000, random_state=1).reset_index(drop=True)
    cur["balance"] = cur["balance"] + 1.5
    profile = StabilityProfile.build(ref, ["score", *FEATURES])
    plan = RunPlan(run_id=RUN_ID, month="2026-11", batch_path="/landing/b.parquet",
                   batch_checksum="sha256:1", model_version="m-1", config={},
                   config_hash="cfg-1", n_partitions=2)  # fmt: skip
    halves = [profile.count(cur.iloc[:400]), profile.count(cur.iloc[400:])]
    campaign = CampaignList(make_targets(3), {"n_scored": 1000}, {})
    return with_stability(campaign, settings, plan, profile, halves).summary


@pytest.fixture()
def stability_run(api_settings, api_engine) -> int:
    """Run ``run-2026-11`` with a draft campaign and its stability report; the campaign id."""
    from prospect.store import get_or_create_run, save_campaign, session_scope

    summary = _written_summary(api_settings)
    fields = {"month": "2026-11", "batch_path": "/landing/b.parquet", "batch_checksum": "sha256:1",
              "model_version": "m-1", "config_hash": "cfg-1"}  # fmt: skip
    with session_scope(api_engine) as session:
        get_or_create_run(session, RUN_ID, fields, requested_by="scheduler")
        campaign = save_campaign(
            session, RUN_ID,
            {"month": "2026-11", "name": "Cards 2026-11", "model_version": "m-1",
             "summary": summary},
            make_targets(3),
        )  # fmt: skip
        return int(campaign.id)


def test_the_run_carries_score_psi_status_and_the_worst_features(
    client, stability_run, reviewer_key
):
    body = client.get(f"{V1}/runs/{RUN_ID}", headers=bearer(reviewer_key)).json()
    assert body["stability_status"] == "stable" and body["score_psi"] < 0.1
    worst = body["stability_features"]
    assert len(worst) == 5 and worst[0]["variable"] == "balance"
    assert worst[0]["status"] == "shifted" and {w["status"] for w in worst[1:]} == {"stable"}
    listed = client.get(f"{V1}/runs", headers=bearer(reviewer_key)).json()["items"]
    assert [(r["run_id"], r["stability_features"]) for r in listed] == [(RUN_ID, worst)]


def test_the_full_report_is_served_as_json_and_html(client, stability_run, reviewer_key):
    body = client.get(f"{V1}/runs/{RUN_ID}/stability", headers=bearer(reviewer_key)).json()
    assert (body["run_id"], body["n_reference"], body["n_current"]) == (RUN_ID, 2000, 1000)
    assert body["thresholds"] == {"monitor": 0.1, "shifted": 0.25}
    assert sorted(f["variable"] for f in body["features"]) == sorted(FEATURES)
    balance = body["features"][0]
    assert balance["variable"] == "balance" and len(balance["bins"]) == 11  # 10 deciles, missing
    assert balance["bins"][0]["reference"] == 0.1 and balance["bins"][0]["current"] < 0.01
    assert len(body["score_bins"]) == 11
    page = client.get(f"{V1}/runs/{RUN_ID}/stability/html", headers=bearer(reviewer_key))
    assert page.headers["content-type"].startswith("text/html") and "<script" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert 'data-testid="status">stable</span>' in page.text  # the score did not move
    assert '<tr class="shifted"><td>balance</td>' in page.text
    bars = printed_bars(page.text, "bins-balance")
    assert bars == expected_bars(balance["bins"]) and bars[:2] == ["10.0%", "0.3%"]
    assert printed_bars(page.text, "bins-score") == expected_bars(body["score_bins"])


def test_stability_reports_follow_the_data_quality_report_roles(
    client, stability_run, viewer_key, db_with_campaigns, reviewer_key
):
    url = f"{V1}/runs/{RUN_ID}/stability"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(viewer_key)).status_code == 403
    assert client.get(f"{url}/html", headers=bearer(viewer_key)).status_code == 403
    missing = client.get(f"{V1}/runs/run-2026-10/stability", headers=bearer(reviewer_key))
    assert missing.status_code == 404
    assert "run 'run-2026-10' has no stability report" in missing.json()["detail"]
    unknown = client.get(f"{V1}/runs/run-nope/stability", headers=bearer(reviewer_key))
    assert unknown.status_code == 404 and "no run with id 'run-nope'" in unknown.json()["detail"]


def test_the_review_page_shows_the_stability_card_and_links_the_report(
    client, api_app, api_settings, stability_run
):
    seeded = seed_review(api_app.state.engine, api_settings)
    login(client, "rita")  # a draft: reviewers and admins only
    page = client.get(f"/review/campaigns/{stability_run}").text
    card = page[page.index('data-testid="stability"') :]
    card = card[: card.index("</section>")]
    assert "Scorecard stability" in card and 'data-testid="stability-status">stable<' in card
    rows = re.findall(r"<tr><td>(\w+)</td>", card)
    assert len(rows) == 5 and rows[0] == "balance" and set(rows) <= set(FEATURES)
    link = f"/review/runs/{RUN_ID}/stability"
    assert f'href="{link}"' in card
    report = client.get(link)
    assert report.status_code == 200 and "<td>balance</td>" in report.text
    other = client.get(f"/review/campaigns/{seeded.draft_id}").text
    assert "No stability report for this run" in other
    assert client.get("/review/runs/run-2026-10/stability").status_code == 404
