"""CSV export: only approved lists, the whole list streamed, formulas escaped, pii masked."""

from __future__ import annotations

import csv
import io
import json

import pytest

from api.csv_export import safe_cell
from tests.api.conftest import bearer

V1 = "/api/v1"


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


def test_export_streams_every_non_control_target_in_rank_order(
    client, db_with_campaigns, viewer_key
):
    cid = db_with_campaigns["approved"]
    response = client.get(f"{V1}/campaigns/{cid}/targets.csv", headers=bearer(viewer_key))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="campaign-{cid}-2026-10.csv"' in response.headers["content-disposition"]
    rows = _rows(response)
    assert [r["rank"] for r in rows] == ["1", "2", "4", "5", "7"]
    assert rows[0]["user_id"] == "u001" and rows[0]["is_control"] == "false"
    assert json.loads(rows[0]["why"]) == {"drivers": ["data_down_gb"], "reasons": ["R01"]}


def test_export_escapes_spreadsheet_formulas(client, db_with_campaigns, viewer_key):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets.csv"
    response = client.get(url, params={"fields": "rank,persona"}, headers=bearer(viewer_key))
    personas = {r["rank"]: r["persona"] for r in _rows(response)}
    assert personas == {
        "1": "'+digital natives", "2": "'=HYPERLINK(\"http://x\")", "4": "'@mall-goers",
        "5": "'-families", "7": "savers",
    }  # fmt: skip


def test_safe_cell_escapes_tab_and_carriage_return_but_not_numbers():
    assert [safe_cell(v) for v in ("\tcmd", "\rcmd", "plain", -1.5, None, True)] == [
        "'\tcmd", "'\rcmd", "plain", -1.5, None, "true",
    ]  # fmt: skip


def test_export_masks_msisdn_unless_the_key_has_pii_and_can_include_control(
    client, db_with_campaigns, viewer_key, reviewer_key, pii_viewer_key
):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets.csv"
    params = {"fields": "user_id,msisdn", "include_control": "true"}
    masked = _rows(client.get(url, params=params, headers=bearer(viewer_key)))
    assert len(masked) == 7
    assert masked[2] == {"user_id": "u003", "msisdn": "138****0003"}
    reviewer = _rows(client.get(url, params=params, headers=bearer(reviewer_key)))
    assert reviewer[2] == {"user_id": "u003", "msisdn": "138****0003"}  # a role is no pii grant
    clear = _rows(client.get(url, params=params, headers=bearer(pii_viewer_key)))
    assert clear[2] == {"user_id": "u003", "msisdn": "13800000003"}


def test_only_approved_campaigns_can_be_exported(client, db_with_campaigns, reviewer_key):
    url = f"{V1}/campaigns/{db_with_campaigns['draft']}/targets.csv"
    response = client.get(url, headers=bearer(reviewer_key))
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/campaign-not-approved")
    assert problem["detail"] == (
        f"campaign {db_with_campaigns['draft']} is 'draft'; only an approved campaign can be "
        "exported."
    )


def test_viewer_gets_404_not_409_for_a_draft_export(client, db_with_campaigns, viewer_key):
    url = f"{V1}/campaigns/{db_with_campaigns['rejected']}/targets.csv"
    assert client.get(url, headers=bearer(viewer_key)).status_code == 404


def test_export_of_more_rows_than_one_chunk(client, api_engine, viewer_key):
    from tests.api.conftest import seed_campaign

    cid = seed_campaign(api_engine, "2027-01", 12_000, "approved")
    url = f"{V1}/campaigns/{cid}/targets.csv"
    rows = _rows(client.get(url, params={"fields": "rank"}, headers=bearer(viewer_key)))
    assert len(rows) == 8_000  # 12,000 minus every third as control
    assert rows[-1]["rank"] == "11999"


# Blanks a spreadsheet skips before a formula: space, newline, no-break space, ideographic space.
HIDDEN_FORMULAS = [" =1+1", "\n=cmd|' /C calc'!A0", "\xa0=HYPERLINK(\"http://x\")",
                   "\u3000@SUM(A1)", "  +1", "\r\n-2+3"]  # fmt: skip


@pytest.mark.parametrize("value", HIDDEN_FORMULAS)
def test_formulas_behind_blanks_are_escaped_like_the_gate_counts_them(value):
    from validation.formula import looks_like_formula

    assert looks_like_formula([value])[0]  # the gate calls it a formula ...
    assert safe_cell(value) == "'" + value  # ... so the export escapes it
    from api.csv_export import column_cells

    cells = column_cells("persona", [value, "plain"], sees_pii=False, personal=frozenset())
    assert list(cells) == ["'" + value, "plain"]


def test_text_the_gate_accepts_is_left_alone():
    from validation.formula import looks_like_formula

    for value in ("savers", "a=b", "x-1", "100", "e@mail"):
        assert not looks_like_formula([value])[0] and safe_cell(value) == value
