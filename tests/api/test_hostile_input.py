"""Input that used to reach the database or the file system raw: every one is a 4xx now."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.conftest import bearer
from tests.api.test_review_pages import (
    fast_password_hashing,  # noqa: F401 (autouse fixture)
    login,
    seed_review,
)

V1 = "/api/v1"


def _cursor(*values: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@pytest.mark.parametrize("values", [(1, 10**30, 1), (1, 1, -(10**30)), (1, 2**63, 0)])
def test_a_cursor_with_out_of_range_integers_is_a_400(client, db_with_campaigns, viewer_key,
                                                       values):  # fmt: skip
    cid = db_with_campaigns["approved"]
    values = (cid, *values[1:])
    response = client.get(f"{V1}/campaigns/{cid}/targets", params={"cursor": _cursor(*values)},
                          headers=bearer(viewer_key))  # fmt: skip
    assert response.status_code == 400 and response.json()["type"].endswith("/invalid-cursor")


@pytest.mark.parametrize(
    "path",
    ["/review/campaigns/99999999999999999999", "/review/reports/99999999999999999999",
     "/review/campaigns/-1"],
)  # fmt: skip
def test_out_of_range_ids_on_review_routes_are_4xx(client, api_app, api_settings, path):
    seed_review(api_app.state.engine, api_settings)
    login(client, "rita")
    response = client.get(path)
    assert 400 <= response.status_code < 500


def test_a_decision_on_a_20_digit_id_is_4xx(client, api_app, api_settings):
    seed_review(api_app.state.engine, api_settings)
    login(client, "rita")
    response = client.post("/review/campaigns/99999999999999999999/decision",
                           data={"decision": "approved", "comment": "x"})  # fmt: skip
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("path", ["/static/%00x", "/static/review.css%00", "/static/%00"])
def test_nul_in_a_static_path_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_problem_documents_name_their_charset(client):
    response = client.get(f"{V1}/campaigns")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"


def test_a_month_in_non_ascii_digits_is_a_422(client, viewer_key):
    response = client.get(f"{V1}/campaigns", params={"month": "۲۰۲۶-10"},
                          headers=bearer(viewer_key))  # fmt: skip
    assert response.status_code == 422
