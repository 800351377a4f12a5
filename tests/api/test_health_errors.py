"""Health of database and broker, and problem details for every kind of error."""

from __future__ import annotations

import socket
import sqlite3

from fastapi.testclient import TestClient

from tests.api.conftest import bearer

V1 = "/api/v1"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_health_is_200_when_database_and_sqlite_broker_answer(client, api_settings):
    broker = api_settings.data_dir / "broker.db"
    sqlite3.connect(broker).close()
    response = client.get(f"{V1}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["broker"]["detail"] == "sqlite broker file readable"
    assert body["database"]["detail"].startswith("schema revision ")


def test_health_is_503_problem_when_the_redis_broker_is_down(api_settings, monkeypatch):
    from api.main import create_app

    api_settings.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    with TestClient(create_app(api_settings)) as client:
        response = client.get(f"{V1}/health")
    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == "broker unavailable."
    assert body["database"]["ok"] is True and body["broker"]["ok"] is False
    assert body["broker"]["detail"] == "broker unreachable (ConnectionError)"


def test_health_is_503_when_the_database_is_down(api_settings):
    from api.main import create_app

    api_settings.database_url = f"postgresql+psycopg://u:p@127.0.0.1:{_closed_port()}/db"
    with TestClient(create_app(api_settings)) as client:
        response = client.get(f"{V1}/health")
    assert response.status_code == 503
    assert response.json()["detail"] == "database unavailable."


def test_validation_errors_are_problem_details(client, viewer_key):
    response = client.get(f"{V1}/campaigns", params={"month": "Oct"}, headers=bearer(viewer_key))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
    problem = response.json()
    assert problem["title"] == "Unprocessable Entity" and problem["instance"] == "/api/v1/campaigns"
    assert problem["errors"][0]["loc"] == ["query", "month"]


def test_unknown_path_is_a_404_problem(client):
    response = client.get("/api/v1/nowhere")
    assert (response.status_code, response.json()["title"]) == (404, "Not Found")


def test_unhandled_errors_are_500_problems_without_internals(api_app, caplog):
    def boom() -> None:
        raise RuntimeError("password=hunter2 in /etc/prospect/secret.cfg")

    api_app.add_api_route("/api/v1/boom", boom)
    with TestClient(api_app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
    assert response.json() == {
        "type": "https://prospect.example/problems/internal-server-error",
        "title": "Internal Server Error", "status": 500, "instance": "/api/v1/boom",
        "detail": "The server could not complete the request; the error has been logged.",
    }  # fmt: skip
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "unhandled RuntimeError on GET /api/v1/boom" in caplog.text
