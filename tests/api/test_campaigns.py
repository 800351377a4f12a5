"""Campaign endpoints: visibility by role, cursor paging, field selection and pii masking."""

from __future__ import annotations

from tests.api.conftest import bearer, seed_campaign

V1 = "/api/v1"


def test_viewer_lists_only_approved_campaigns(client, db_with_campaigns, viewer_key):
    response = client.get(f"{V1}/campaigns", headers=bearer(viewer_key))
    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body["items"]] == [db_with_campaigns["approved"]]
    assert body["total"] == 1
    assert body["items"][0]["n_targets"] == 7 and body["items"][0]["n_control"] == 2


def test_reviewer_lists_all_and_filters_by_status_and_month(
    client, db_with_campaigns, reviewer_key
):
    headers = bearer(reviewer_key)
    everything = client.get(f"{V1}/campaigns", headers=headers).json()
    assert {c["status"] for c in everything["items"]} == {"approved", "draft", "rejected"}
    drafts = client.get(f"{V1}/campaigns", params={"status": "draft"}, headers=headers).json()
    assert [c["id"] for c in drafts["items"]] == [db_with_campaigns["draft"]]
    by_month = client.get(f"{V1}/campaigns", params={"month": "2026-09"}, headers=headers).json()
    assert [c["id"] for c in by_month["items"]] == [db_with_campaigns["rejected"]]


def test_campaign_list_pages_by_limit_and_offset(client, db_with_campaigns, reviewer_key):
    page = client.get(f"{V1}/campaigns", params={"limit": 2, "offset": 2},
                      headers=bearer(reviewer_key)).json()  # fmt: skip
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 2
    assert [c["id"] for c in page["items"]] == [db_with_campaigns["approved"]]  # oldest last


def test_draft_and_rejected_are_404_for_viewers_but_visible_to_reviewers(
    client, db_with_campaigns, viewer_key, reviewer_key
):
    for status in ("draft", "rejected"):
        url = f"{V1}/campaigns/{db_with_campaigns[status]}"
        hidden = client.get(url, headers=bearer(viewer_key))
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == "application/problem+json; charset=utf-8"
        assert client.get(f"{url}/targets", headers=bearer(viewer_key)).status_code == 404
        shown = client.get(url, headers=bearer(reviewer_key))
        assert shown.status_code == 200 and shown.json()["status"] == status


def test_campaign_summary(client, db_with_campaigns, viewer_key):
    cid = db_with_campaigns["approved"]
    body = client.get(f"{V1}/campaigns/{cid}", headers=bearer(viewer_key)).json()
    assert body["summary"] == {"expected_takers": 3.5}
    assert (body["month"], body["status"], body["reviewed_by"]) == ("2026-10", "approved", "ops")


def _all_pages(client, url, headers, **params):
    ranks, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, params=query, headers=headers).json()
        ranks += [item["rank"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ranks, pages


def test_cursor_walks_the_list_in_rank_order_without_controls(
    client, db_with_campaigns, viewer_key
):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets"
    ranks, pages = _all_pages(client, url, bearer(viewer_key), limit=2, fields="rank")
    assert ranks == [1, 2, 4, 5, 7]
    assert pages == 3


def test_include_control_returns_the_whole_list(client, db_with_campaigns, viewer_key):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets"
    ranks, _ = _all_pages(client, url, bearer(viewer_key), limit=3, include_control="true")
    assert ranks == [1, 2, 3, 4, 5, 6, 7]


def test_cursor_is_stable_when_a_new_campaign_is_written_between_pages(
    client, api_engine, db_with_campaigns, viewer_key
):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets"
    first = client.get(url, params={"limit": 2}, headers=bearer(viewer_key)).json()
    seed_campaign(api_engine, "2026-12", 5, "approved")  # concurrent writer
    rest = client.get(url, params={"limit": 10, "cursor": first["next_cursor"]},
                      headers=bearer(viewer_key)).json()  # fmt: skip
    assert [t["rank"] for t in rest["items"]] == [4, 5, 7]


def test_fields_select_columns(client, db_with_campaigns, viewer_key):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets"
    body = client.get(url, params={"fields": "user_id,rank,p_demand", "limit": 1},
                      headers=bearer(viewer_key)).json()  # fmt: skip
    assert body["items"] == [{"user_id": "u001", "rank": 1, "p_demand": 0.85}]


def test_unknown_field_and_foreign_cursor_are_client_errors(
    client, db_with_campaigns, viewer_key, reviewer_key
):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets"
    bad = client.get(url, params={"fields": "rank,salary"}, headers=bearer(viewer_key))
    assert bad.status_code == 422 and "salary" in bad.json()["detail"]
    draft_url = f"{V1}/campaigns/{db_with_campaigns['draft']}/targets"
    other = client.get(draft_url, params={"limit": 1}, headers=bearer(reviewer_key)).json()
    foreign = client.get(url, params={"cursor": other["next_cursor"]}, headers=bearer(viewer_key))
    assert foreign.status_code == 400
    garbage = client.get(url, params={"cursor": "not-a-cursor"}, headers=bearer(viewer_key))
    assert garbage.status_code == 400 and garbage.json()["title"] == "Bad Request"


def test_msisdn_masked_unless_the_key_is_granted_pii_whatever_its_role(
    client, db_with_campaigns, viewer_key, pii_viewer_key, reviewer_key
):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets"
    params = {"fields": "user_id,msisdn", "limit": 1}
    seen = {
        name: client.get(url, params=params, headers=bearer(key)).json()["items"][0]["msisdn"]
        for name, key in (("viewer", viewer_key), ("pii", pii_viewer_key),
                          ("reviewer", reviewer_key))
    }  # fmt: skip
    assert seen == {"viewer": "138****0001", "pii": "13800000001", "reviewer": "138****0001"}


def test_why_is_returned_as_an_object(client, db_with_campaigns, viewer_key):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets"
    item = client.get(url, params={"limit": 1}, headers=bearer(viewer_key)).json()["items"][0]
    assert item["why"] == {"drivers": ["data_down_gb"], "reasons": ["R01"]}
    assert item["is_control"] is False and item["persona"] == "+digital natives"
