"""Runs: an admin starts one (202 + run id, audited), reviewers follow its state."""

from __future__ import annotations

import pytest

from api.deps import get_queue_run
from prospect.exceptions import ProspectError
from tests.api.conftest import bearer

V1 = "/api/v1"


@pytest.fixture()
def queued(api_app):
    """Stands in for the worker's queue: records each request and answers a run id."""
    calls: list[tuple[str, str | None, str]] = []

    def enqueue(month: str, batch: str | None, requested_by: str) -> str:
        if month == "2020-01":
            raise ProspectError("no batch for 2020-01 in the landing folder.")
        calls.append((month, batch, requested_by))
        return f"run-{month}-abc"

    api_app.dependency_overrides[get_queue_run] = lambda: enqueue
    yield calls
    api_app.dependency_overrides.clear()


def test_admin_starts_a_run_and_it_is_audited(client, api_engine, api_settings, admin_key, queued):
    from prospect.store import audit_trail, session_scope

    landed = api_settings.landing_dir / "subscribers_2026-10.csv"
    landed.parent.mkdir(parents=True, exist_ok=True)
    landed.write_text("user_id\n1\n", encoding="utf-8")
    body = {"month": "2026-10", "batch": "subscribers_2026-10.csv"}
    response = client.post(f"{V1}/runs", json=body, headers=bearer(admin_key))
    assert response.status_code == 202
    assert response.json() == {"run_id": "run-2026-10-abc",
                               "status_url": "/api/v1/runs/run-2026-10-abc"}  # fmt: skip
    prefix = admin_key.split("_")[1]
    assert queued == [("2026-10", str(landed.resolve()), f"key:{prefix}:admin-crm")]
    with session_scope(api_engine) as session:
        events = audit_trail(session, "runs", "run-2026-10-abc")
        assert [(e.action, e.actor) for e in events] == [("run.started", f"key:{prefix}:admin-crm")]
        assert events[0].detail["month"] == "2026-10"


@pytest.mark.parametrize(
    "body", [{"month": "2026-13"}, {"month": "2026-10", "batch": "../etc/passwd"}, {}]
)
def test_bad_run_requests_are_422_and_nothing_is_queued(client, admin_key, queued, body):
    response = client.post(f"{V1}/runs", json=body, headers=bearer(admin_key))
    assert response.status_code == 422
    assert response.json()["type"].endswith("/validation-error")
    assert queued == []


def test_a_batch_is_taken_from_the_landing_folder_only(
    client, api_settings, admin_key, queued, tmp_path, monkeypatch
):
    """A file beside the server (its working directory), a non-batch or a link out of the
    landing folder are refused in the same words as a missing name: nothing is revealed."""
    landing = api_settings.landing_dir
    landing.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keys_admin.txt").write_text("psk_secret", encoding="utf-8")
    (tmp_path / "elsewhere_2026-10.csv").write_text("user_id\n1\n", encoding="utf-8")
    (landing / "notes_2026-10.txt").write_text("x", encoding="utf-8")
    (landing / "link_2026-10.csv").symlink_to(tmp_path / "elsewhere_2026-10.csv")
    details = set()
    for name in ("keys_admin.txt", "elsewhere_2026-10.csv", "notes_2026-10.txt",
                 "link_2026-10.csv", "missing_2026-10.csv"):  # fmt: skip
        response = client.post(f"{V1}/runs", json={"month": "2026-10", "batch": name},
                               headers=bearer(admin_key))  # fmt: skip
        assert response.status_code == 422, name
        details.add(response.json()["detail"].replace(repr(name), "NAME"))
    assert len(details) == 1 and "landing folder" in details.pop()
    assert queued == []
    assert (tmp_path / "keys_admin.txt").read_text(encoding="utf-8") == "psk_secret"


def test_a_run_the_pipeline_refuses_is_422_with_its_reason(client, admin_key, queued):
    response = client.post(f"{V1}/runs", json={"month": "2020-01"}, headers=bearer(admin_key))
    assert response.status_code == 422
    assert response.json()["detail"] == "no batch for 2020-01 in the landing folder."


def test_runs_show_state_timings_and_failure_reason(client, api_engine, reviewer_key):
    from prospect.store import get_or_create_run, session_scope, set_run_status

    fields = {"month": "2026-08", "batch_path": "/landing/b.csv", "batch_checksum": "sha256:1",
              "model_version": "m-1", "config_hash": "c"}  # fmt: skip
    with session_scope(api_engine) as session:
        get_or_create_run(session, "run-x", fields, requested_by="key:ab:ops")
        set_run_status(session, "run-x", "validating", timings={"validate": 1.5})
        set_run_status(session, "run-x", "failed", failure_reason="gate crashed")
    listed = client.get(f"{V1}/runs", params={"status": "failed"}, headers=bearer(reviewer_key))
    assert [r["run_id"] for r in listed.json()["items"]] == ["run-x"]
    run = client.get(f"{V1}/runs/run-x", headers=bearer(reviewer_key)).json()
    assert (run["status"], run["failure_reason"], run["timings"]) == (
        "failed", "gate crashed", {"validate": 1.5},
    )  # fmt: skip
    assert run["started_at"] is not None and run["finished_at"] is not None
    assert client.get(f"{V1}/runs/nope", headers=bearer(reviewer_key)).status_code == 404


def test_without_a_worker_module_starting_a_run_is_503(client, admin_key, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "worker.tasks", None)  # import fails as when not installed
    response = client.post(f"{V1}/runs", json={"month": "2026-10"}, headers=bearer(admin_key))
    assert response.status_code == 503
    assert response.json()["detail"] == "the run queue is not available; try again later."


def test_real_queue_refuses_a_month_without_a_batch(client, admin_key):
    """Against the worker's own ``enqueue_run``: nothing landed for the month -> 422."""
    response = client.post(f"{V1}/runs", json={"month": "2026-10"}, headers=bearer(admin_key))
    assert response.status_code == 422
    assert response.json()["detail"] == "no batch for 2026-10 in the landing folder."
