"""Data-quality reports, model cards and persona profiles, read from the artifacts folder."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import bearer

V1 = "/api/v1"


@pytest.fixture()
def dq_reports(api_settings, api_engine) -> dict[str, int]:
    """A quarantined report with its files, and one whose files lie outside the reports dir."""
    from prospect.store import DQReport, session_scope

    folder = api_settings.reports_dir / "data_quality" / "1"
    folder.mkdir(parents=True)
    summary = {"outcome": "quarantine", "failures": [{"column": "age", "examples": [-3]}]}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    (folder / "report.html").write_text("<h1>Data quality 2026-10</h1>", encoding="utf-8")
    outside = api_settings.data_dir / "elsewhere.html"
    outside.write_text("secret", encoding="utf-8")
    with session_scope(api_engine) as session:
        good = DQReport(month="2026-10", spec_name="subscriber_5g", batch_path="/l/b.csv",
                        batch_checksum="sha256:1", outcome="quarantine",
                        summary={"outcome": "quarantine"}, html_path=str(folder / "report.html"),
                        json_path=str(folder / "summary.json"))  # fmt: skip
        stray = DQReport(month="2026-09", spec_name="subscriber_5g", batch_path="/l/a.csv",
                         batch_checksum="sha256:2", outcome="pass", summary={},
                         html_path=str(outside), json_path=None)  # fmt: skip
        session.add_all([good, stray])
        session.flush()
        return {"quarantine": good.id, "stray": stray.id}


def test_reports_list_filters_by_outcome(client, dq_reports, reviewer_key):
    response = client.get(f"{V1}/reports/data-quality", params={"outcome": "quarantine"},
                          headers=bearer(reviewer_key))  # fmt: skip
    body = response.json()
    assert [r["id"] for r in body["items"]] == [dq_reports["quarantine"]] and body["total"] == 1


def test_report_json_is_the_full_summary_file(client, dq_reports, reviewer_key):
    url = f"{V1}/reports/data-quality/{dq_reports['quarantine']}"
    body = client.get(url, headers=bearer(reviewer_key)).json()
    assert body["summary"]["failures"] == [{"column": "age", "examples": [-3]}]
    assert (body["month"], body["outcome"]) == ("2026-10", "quarantine")


def test_report_html_is_served_and_files_outside_reports_are_not(client, dq_reports, reviewer_key):
    url = f"{V1}/reports/data-quality/{dq_reports['quarantine']}/html"
    response = client.get(url, headers=bearer(reviewer_key))
    assert response.status_code == 200 and "Data quality 2026-10" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]  # no script runs
    stray = client.get(f"{V1}/reports/data-quality/{dq_reports['stray']}/html",
                       headers=bearer(reviewer_key))  # fmt: skip
    assert stray.status_code == 404 and "secret" not in stray.text
    missing = client.get(f"{V1}/reports/data-quality/999", headers=bearer(reviewer_key))
    assert missing.json()["detail"] == "no data-quality report with id 999."


@pytest.fixture()
def bundles(api_settings, api_engine) -> None:
    """Two model versions: m-1 (old) and m-2 (active, with persona profiles)."""
    from datetime import UTC, datetime

    from prospect.store import ModelVersion, session_scope

    with session_scope(api_engine) as session:
        for version, active in (("m-1", False), ("m-2", True)):
            folder = api_settings.models_dir / version
            folder.mkdir(parents=True)
            card = {"version": version, "metrics": {"auc": 0.71 if active else 0.69}}
            (folder / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
            (folder / "model_card.html").write_text(f"<h1>Model card {version}</h1>", "utf-8")
            session.add(ModelVersion(
                version=version, path=str(folder), checksum=f"sha256:{version}",
                is_active=active, promoted_at=datetime(2026, 10, 1, tzinfo=UTC) if active else None,
                metrics=card["metrics"], created_at=datetime(2026, 9 + active, 1, tzinfo=UTC),
            ))  # fmt: skip
        profiles = [{"persona": 0, "name": "heavy-video streamers", "size": 120, "share": 0.6,
                     "app_video_count": 31.5},
                    {"persona": 1, "name": "frequent flyers", "size": 80, "share": 0.4,
                     "app_video_count": 4.0}]  # fmt: skip
        (api_settings.models_dir / "m-2" / "personas.json").write_text(json.dumps(profiles))


def test_models_list_and_card(client, bundles, reviewer_key):
    listed = client.get(f"{V1}/models", headers=bearer(reviewer_key)).json()
    assert [(m["version"], m["is_active"]) for m in listed] == [("m-2", True), ("m-1", False)]
    card = client.get(f"{V1}/models/m-1", headers=bearer(reviewer_key)).json()
    assert card == {"version": "m-1", "is_active": False,
                    "card": {"version": "m-1", "metrics": {"auc": 0.69}}}  # fmt: skip
    html = client.get(f"{V1}/models/m-2/card", headers=bearer(reviewer_key))
    assert html.text == "<h1>Model card m-2</h1>"
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert client.get(f"{V1}/models/m-9", headers=bearer(reviewer_key)).status_code == 404


def test_personas_of_the_active_bundle(client, bundles, viewer_key):
    body = client.get(f"{V1}/personas", headers=bearer(viewer_key)).json()
    assert body["model_version"] == "m-2"
    assert [(p["name"], p["size"], p["share"]) for p in body["personas"]] == [
        ("heavy-video streamers", 120, 0.6), ("frequent flyers", 80, 0.4),
    ]  # fmt: skip
    assert body["personas"][0]["profile"] == {"app_video_count": 31.5}


def test_personas_without_a_promoted_model_is_404(client, viewer_key):
    response = client.get(f"{V1}/personas", headers=bearer(viewer_key))
    assert response.status_code == 404
    assert response.json()["detail"] == "no model has been promoted yet."
