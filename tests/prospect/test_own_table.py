"""Bring your own table: a spec and the commands a user types take a table the product has never
seen from CSV to an approved, exported list (train, promote, run, review page, CSV export).

Two tables: the public bank-marketing table (``specs/bank_marketing.yaml``, `;`-separated,
month in the file names) and a bank's customer table generated here with Chinese headers, GBK
encoding, 是/否 flags, Chinese categories, sentinels and a derived column
(``specs/card_customers_gbk.yaml``).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prospect.cli import app as cli
from prospect.cli.app import EXIT_BAD_INPUT, EXIT_SCORECARD_ONLY
from prospect.spec import load_spec

SPECS = Path(__file__).parent / "specs"
PASSWORD = "own-table-pass-1"


@dataclass(frozen=True)
class OwnTable:
    """A spec, a folder of labelled months to train on, and the next month's batch to run."""

    spec: Path
    train_dir: Path
    batch: Path
    month: str


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr("prospect.store.users._hasher", cheap)


def _customers(n: int, month: str, rng: np.random.Generator, *, labels: bool) -> pd.DataFrame:
    """A month of the bank's customers under their Chinese headers: the young, app-active and
    Shanghai customers take the card more; the indebted and the late default more."""
    age = rng.integers(18, 70, n)
    age[:5] = 17  # under the campaign's minimum age
    city = rng.choice(["北京", "上海", "广州", "成都"], n, p=[0.3, 0.3, 0.2, 0.2])
    income = np.round(rng.lognormal(9.0, 0.5, n), 0)
    income[rng.random(n) < 0.05] = -1  # unknown
    debt = np.round(rng.beta(2, 5, n) * 2, 3)
    late = rng.poisson(0.3, n)
    late[rng.random(n) < 0.02] = 98  # "refused to say", a code rather than a count
    logins = rng.poisson(np.where(age < 35, 30, 6))
    frame = pd.DataFrame({
        "客户编号": [f"K{month.replace('-', '')}{i:05d}" for i in range(n)],
        "账期": month, "手机号": [f"139{i:08d}" for i in range(n)],
        "实名认证": np.where(rng.random(n) < 0.95, "是", "否"),
        "黑名单": np.where(rng.random(n) < 0.03, "是", "否"),
        "已持卡": np.where(rng.random(n) < 0.10, "是", "否"),
        "年龄": age, "城市": city, "月收入（元）": income, "负债比率": debt,
        "近90天逾期次数": late, "手机银行登录次数": logins,
    })  # fmt: skip
    if labels:
        demand = -2.2 + 0.04 * logins + 0.8 * (city == "上海") - 0.02 * (age - 40)
        risk = -3.5 + 2.0 * debt + 0.9 * np.minimum(late, 5)
        took = rng.random(n) < 1 / (1 + np.exp(-demand))
        frame["是否办卡"] = np.where(frame["已持卡"] == "是", "", np.where(took, "是", "否"))
        frame["是否违约"] = np.where(rng.random(n) < 1 / (1 + np.exp(-risk)), "是", "否")
    return frame


@pytest.fixture()
def gbk_table(tmp_path) -> OwnTable:
    rng = np.random.default_rng(18)
    train_dir = tmp_path / "customers"
    train_dir.mkdir()
    for month in ("2026-01", "2026-02", "2026-03"):
        frame = _customers(900, month, rng, labels=True)
        frame.to_csv(train_dir / f"customers_{month}.csv", index=False, encoding="gbk")
    batch = tmp_path / "customers_2026-04.csv"
    _customers(900, "2026-04", rng, labels=False).to_csv(batch, index=False, encoding="gbk")
    return OwnTable(SPECS / "card_customers_gbk.yaml", train_dir, batch, "2026-04")


@pytest.fixture()
def bank_table(datasets_dir, tmp_path) -> OwnTable:
    """bank-full as a user would deliver it: an id per client, one `;`-separated file per
    month with the month in its name, the month to run without its outcome column."""
    frame = pd.read_csv(datasets_dir / "bank-marketing" / "bank-full.csv.gz", sep=";")
    frame.insert(0, "row_id", [f"c{i:05d}" for i in range(len(frame))])
    rows = np.random.default_rng(18).permutation(len(frame))[:8_000]
    train_dir = tmp_path / "bank"
    train_dir.mkdir()
    for k, month in enumerate(("2008-05", "2008-06", "2008-07")):
        part = frame.iloc[rows[k * 2_000 : (k + 1) * 2_000]]
        part.to_csv(train_dir / f"bank_{month}.csv", sep=";", index=False)
    batch = tmp_path / "bank_2008-08.csv"
    frame.iloc[rows[6_000:]].drop(columns=["y"]).to_csv(batch, sep=";", index=False)
    return OwnTable(SPECS / "bank_marketing.yaml", train_dir, batch, "2008-08")


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def _reviewer_and_viewer(settings) -> str:
    """A review login ``rita`` and a viewer API key (returned)."""
    from prospect.store import create_api_key, create_user, make_engine, session_scope

    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        create_user(session, "rita", PASSWORD, "reviewer", actor="test")
        _row, key = create_api_key(session, name="crm", role="viewer", created_by="test")
    engine.dispose()
    return key


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _review_and_export(settings, campaign_id: int) -> tuple[str, list[dict[str, str]], dict]:
    """Approve the draft on the review page as a reviewer; export it as CSV as a viewer.
    Returns the detail page as the reviewer saw it, the exported rows, and what the API said
    of the campaign (``campaign``) and of the export (``export_headers``)."""
    from api.main import create_app

    key = _reviewer_and_viewer(settings)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        token = _csrf(client.get("/review/login").text)
        form = {"username": "rita", "password": PASSWORD, "csrf_token": token}
        assert client.post("/review/login", data=form, follow_redirects=False).status_code == 303
        listing = client.get("/review").text
        page = client.get(f"/review/campaigns/{campaign_id}").text
        form = {"decision": "approved", "comment": "own table", "csrf_token": _csrf(page)}
        url = f"/review/campaigns/{campaign_id}/decision"
        assert client.post(url, data=form, follow_redirects=False).status_code == 303
        viewer = {"Authorization": f"Bearer {key}"}
        export = client.get(f"/api/v1/campaigns/{campaign_id}/targets.csv", headers=viewer)
        campaign = client.get(f"/api/v1/campaigns/{campaign_id}", headers=viewer).json()
    app.state.engine.dispose()
    assert export.status_code == 200, export.text
    api = {"campaign": campaign, "export_headers": dict(export.headers), "listing": listing}
    return page, list(csv.DictReader(io.StringIO(export.text))), api


def _from_csv_to_approved_list(table: OwnTable, settings) -> dict:
    """Every command of the README's how-to, in order; what each left behind."""
    trained = _invoke(
        "train", "--data", str(table.train_dir), "--spec", str(table.spec),
        "--folds", "1", "--personas", "3", "--promote",
    )  # fmt: skip
    ran = _invoke("run", "--month", table.month, "--batch", str(table.batch), "--inline",
                  "--spec", str(table.spec))  # fmt: skip
    from prospect.store import Campaign, make_engine, session_scope

    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        [campaign] = session.query(Campaign).all()
        campaign_id, summary = int(campaign.id), dict(campaign.summary)
    engine.dispose()
    page, rows, api = _review_and_export(settings, campaign_id)
    [bundle] = (settings.artifacts_dir / "models").iterdir()
    personas = json.loads((bundle / "personas.json").read_text(encoding="utf-8"))
    return {"trained": trained, "ran": ran, "summary": summary, "page": page, "rows": rows,
            "personas": {r["name"] for r in personas}, "bundle": bundle, **api}  # fmt: skip


def _check_the_list(got: dict, spec_path: Path, batch: pd.DataFrame, id_header: str) -> None:
    """What a user notices: a draft became an approved list; its personas are the bundle's
    readable names; its exclusions are the spec's rules; nobody the rules exclude is on it."""
    spec = load_spec(spec_path)
    assert "calibration:" in got["trained"] and "draft" in got["ran"]
    rows, personas = got["rows"], got["personas"]
    assert len(rows) > 0 and len(personas) == 3
    assert {r["persona"] for r in rows} <= personas
    words = {w for c in spec.columns if c.words for w in (c.words.low, c.words.high,
                                                          *c.words.values.values())}  # fmt: skip
    assert all(set(name.split(", ")) <= words for name in personas), personas
    for name in personas:
        assert f">{name}<" in got["page"] or name.replace("&", "&amp;") in got["page"]
    rules = [rule.name for rule in spec.eligibility.rules]
    assert set(rules) <= set(got["summary"]["exclusions"])
    assert sum(got["summary"]["exclusions"][r] for r in rules) > 0
    listed = batch[batch[id_header].astype(str).isin({r["user_id"] for r in rows})]
    assert len(listed) == len(rows)
    # drivers are worded with the spec's titles, as the reasons are: no raw column name
    titles = {c.readable for c in spec.columns}
    drivers = [d for r in rows for d in json.loads(r["why"])["drivers"]]
    assert drivers and all(re.split(r"=| (?:high|low|typical|yes|no|missing) \(", d)[0] in titles
                           for d in drivers), drivers[:5]  # fmt: skip


def test_a_gbk_table_with_chinese_headers_goes_from_csv_to_an_approved_list(
    gbk_table, settings, capfd
):
    got = _from_csv_to_approved_list(gbk_table, settings)
    batch = pd.read_csv(gbk_table.batch, encoding="gbk", dtype=str)
    _check_the_list(got, gbk_table.spec, batch, "客户编号")
    listed = batch[batch["客户编号"].isin({r["user_id"] for r in got["rows"]})]
    assert (listed["实名认证"] == "是").all() and (listed["黑名单"] == "否").all()
    assert (listed["已持卡"] == "否").all() and (listed["年龄"].astype(int) >= 18).all()
    exclusions = got["summary"]["exclusions"]
    assert exclusions["under_age"] == 5 and exclusions["existing_cardholder"] > 0
    # the list carries the spec's contact_column (手机号) as its number, masked for a viewer
    phones = dict(zip(batch["客户编号"], batch["手机号"], strict=True))
    for row in got["rows"]:
        phone = phones[row["user_id"]]
        assert row["msisdn"] == phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    said = capfd.readouterr().err  # the bundle's spec says what is personal, read by path
    assert "cannot be read; using" not in said and "exports campaign" in said
    args = ["run", "--month", "2026-05", "--batch", str(gbk_table.batch), "--inline"]
    other = CliRunner().invoke(cli, [*args, "--spec", "subscriber_5g"])
    assert other.exit_code == EXIT_BAD_INPUT  # a spec that does not fit the model
    said = " ".join(other.output.split())  # the error wraps at the terminal's width
    assert "the promoted model" in said and "trained on spec 'card_customers'" in said


@pytest.mark.datasets
def test_the_bank_marketing_table_goes_from_csv_to_an_approved_list(bank_table, settings):
    got = _from_csv_to_approved_list(bank_table, settings)
    batch = pd.read_csv(bank_table.batch, sep=";", dtype=str)
    _check_the_list(got, bank_table.spec, batch, "row_id")
    listed = batch[batch["row_id"].isin({r["user_id"] for r in got["rows"]})]
    assert (listed["loan"] == "no").all() and (listed["age"].astype(int) >= 18).all()
    assert got["summary"]["exclusions"]["has_personal_loan"] > 0


def _one_label(table: OwnTable, folder: Path, keep: str = "demand") -> OwnTable:
    """The same table and months under a spec that names only the ``keep`` label (the other
    label's column is gone from the spec)."""
    spec = yaml.safe_load(table.spec.read_text(encoding="utf-8"))
    dropped = spec["labels"].pop("risk" if keep == "demand" else "demand")
    spec["name"] = f"{spec['name']}_{keep}_only"
    spec["columns"] = [c for c in spec["columns"] if c["name"] != dropped]
    path = folder / f"{keep}_only.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return OwnTable(path, table.train_dir, table.batch, table.month)


def test_a_table_without_a_risk_label_gets_a_list_that_says_it_has_no_risk_filter(
    gbk_table, settings, tmp_path
):
    from prospect.risk_filter import NO_RISK_WARNING

    got = _from_csv_to_approved_list(_one_label(gbk_table, tmp_path), settings)
    batch = pd.read_csv(gbk_table.batch, encoding="gbk", dtype=str)
    _check_the_list(got, tmp_path / "demand_only.yaml", batch, "客户编号")
    summary = got["summary"]
    assert summary["risk_filter"] == "none" and summary["risk_warning"] == NO_RISK_WARNING
    # no PD judged anyone: nobody is left out as unscored or above a PD ceiling
    assert summary["exclusions"]["unscored"] == summary["exclusions"]["pd_above_ceiling"] == 0
    assert summary["expected_defaults"] is None
    said = html.unescape(" ".join(got["page"].split()))
    assert 'data-testid="risk-warning"' in said and NO_RISK_WARNING in said
    assert 'data-testid="no-risk-filter"' in got["listing"]  # the list of campaigns says it too
    # no risk filter is not no rules: nobody unverified, blacklisted, holding the card or under
    # age is listed
    listed = batch[batch["客户编号"].isin({r["user_id"] for r in got["rows"]})]
    assert (listed["实名认证"] == "是").all() and (listed["黑名单"] == "否").all()
    assert (listed["已持卡"] == "否").all() and (listed["年龄"].astype(int) >= 18).all()
    assert summary["exclusions"]["blacklisted"] > 0 and summary["exclusions"]["under_age"] == 5
    assert got["campaign"]["risk_filter"] == "none"
    assert got["campaign"]["risk_warning"] == NO_RISK_WARNING
    assert {r["risk_filter"] for r in got["rows"]} == {"none"}
    assert got["export_headers"]["prospect-risk-warning"] == NO_RISK_WARNING
    card = json.loads((got["bundle"] / "model_card.json").read_text(encoding="utf-8"))
    assert card["risk_model"] == {
        "risk_filter": "none", "risk_warning": NO_RISK_WARNING, "scorecard_from": None,
    }  # fmt: skip
    assert "risk model: none. No risk filter" in got["trained"]
    assert card["credit_risk"] is None and card["scorecard"] is None
    page = html.unescape((got["bundle"] / "model_card.html").read_text(encoding="utf-8"))
    assert NO_RISK_WARNING in " ".join(page.split())


def test_a_list_with_its_scorecard_carries_no_risk_warning_anywhere(gbk_table, settings):
    got = _from_csv_to_approved_list(gbk_table, settings)
    assert got["summary"]["risk_filter"] == "scorecard" and got["summary"]["risk_warning"] is None
    assert 'data-testid="risk-warning"' not in got["page"]
    assert 'data-testid="no-risk-filter"' not in got["listing"]
    assert got["campaign"]["risk_filter"] == "scorecard" and "risk_filter" not in got["rows"][0]
    assert "prospect-risk-warning" not in got["export_headers"]


def test_a_table_without_a_risk_label_can_score_risk_with_another_bundles_scorecard(
    gbk_table, settings, tmp_path
):
    risk_only = _one_label(gbk_table, tmp_path, keep="risk")
    train = ["train", "--data", str(gbk_table.train_dir), "--folds", "1", "--personas", "3"]
    said = _invoke(*train, "--spec", str(risk_only.spec))
    [source_dir] = (settings.artifacts_dir / "models").iterdir()
    assert source_dir.name in said and "scorecard ROC-AUC 0." in said
    source_card = json.loads((source_dir / "model_card.json").read_text(encoding="utf-8"))
    assert source_card["kind"] == "scorecard" and source_card["scorecard"]["points_table"]
    assert 'data-testid="scorecard-only"' in (source_dir / "model_card.html").read_text(
        encoding="utf-8")  # fmt: skip
    assert not (source_dir / "personas.html").exists()  # no personas without a demand label
    # a scorecard alone selects no list: promoting it is refused with its own exit code
    refused = CliRunner().invoke(cli, ["promote", source_dir.name])
    assert refused.exit_code == EXIT_SCORECARD_ONLY == 10
    assert f"--scorecard-from {source_dir.name}" in " ".join(refused.output.split())
    table = _one_label(gbk_table, tmp_path)
    said = _invoke(*train, "--spec", str(table.spec), "--scorecard-from", str(source_dir),
                   "--promote")  # fmt: skip
    assert f"risk model: the scorecard of bundle {source_dir.name}" in said
    _invoke("run", "--month", table.month, "--batch", str(table.batch), "--inline",
            "--spec", str(table.spec))  # fmt: skip
    from prospect.store import Campaign, make_engine, session_scope

    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        [campaign] = session.query(Campaign).all()
        summary, version = dict(campaign.summary), campaign.model_version
    engine.dispose()
    assert summary["risk_filter"] == "scorecard" and summary["risk_warning"] is None
    assert summary["expected_defaults"] > 0 and summary["exclusions"]["unscored"] == 0
    card = json.loads((settings.artifacts_dir / "models" / version / "model_card.json").read_text(
        encoding="utf-8"))  # fmt: skip
    assert card["risk_model"]["scorecard_from"] == source_dir.name
    assert card["metrics"]["scorecard"]["roc_auc"] is None  # no label here to measure it by
    assert card["scorecard"]["points_table"]  # the officer still sees the points it scores by
    # a scorecard that reads a column this table lacks is refused, naming the column
    spec = yaml.safe_load(table.spec.read_text(encoding="utf-8"))
    spec["columns"] = [c for c in spec["columns"] if c["name"] != "late_90d"]
    narrower = tmp_path / "narrower.yaml"
    narrower.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    borrow = [*train, "--scorecard-from", source_dir.name]
    refused = CliRunner().invoke(cli, [*borrow, "--spec", str(narrower)])
    assert refused.exit_code == EXIT_BAD_INPUT
    assert "reads feature(s) ['late_90d']" in " ".join(refused.output.split())
    # and a table with its own risk label trains its own
    own = CliRunner().invoke(cli, [*borrow, "--spec", str(gbk_table.spec)])
    assert own.exit_code == EXIT_BAD_INPUT and "names a risk label" in " ".join(own.output.split())
