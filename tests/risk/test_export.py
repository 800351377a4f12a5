"""The deployable scorecard: points table as CSV/Excel, points as SQL equal to Python's."""

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from risk import Scorecard, WOEBinner

from .conftest import make_credit


@pytest.fixture(scope="module")
def card_and_rows():
    X, y = make_credit(n=3000)
    card = Scorecard(binner=WOEBinner(special_values={"income": [-1]})).fit(X, y)
    bins = card.binner_.bins_
    util_edges = bins["utilisation"].splits
    edge_rows = pd.DataFrame({
        "utilisation": [util_edges[0], np.nextafter(util_edges[0], -np.inf), np.nan, 5.0],
        "tenure": [bins["tenure"].splits[1], np.nan, 0.0, 999.0],
        "channel": ["a", "zz-never-seen", None, "d"],
        "income": [-1.0, np.nan, 1e9, bins["income"].splits[0]],
    })  # fmt: skip
    rows = pd.concat([X.head(300), edge_rows], ignore_index=True)
    return card, rows


def run_sql(url: str, card: Scorecard, rows: pd.DataFrame) -> np.ndarray:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            rows.assign(row_id=np.arange(len(rows))).to_sql("applicants", conn, index=False)
            sql = card.export_sql(table="applicants").replace(
                "SELECT\n", 'SELECT\n  "row_id",\n', 1)  # fmt: skip
            result = pd.read_sql(text(sql + ' ORDER BY "row_id"'), conn)
    finally:
        engine.dispose()
    return result["score_points"].to_numpy(dtype=float)


def test_sql_points_equal_python_points_on_sqlite(card_and_rows, tmp_path):
    card, rows = card_and_rows
    got = run_sql(f"sqlite:///{tmp_path / 'card.db'}", card, rows)
    np.testing.assert_array_equal(got, card.points(rows))  # bit for bit


@pytest.mark.postgres
def test_sql_points_equal_python_points_on_postgresql(card_and_rows, postgres_url):
    card, rows = card_and_rows
    got = run_sql(postgres_url, card, rows)
    np.testing.assert_array_equal(got, card.points(rows))


def test_points_table_exports_as_csv_and_excel(card_and_rows, tmp_path):
    card, _ = card_and_rows
    card.export_points_table(str(tmp_path / "card.csv"), labels={"tenure": "Months as client"})
    card.export_points_table(str(tmp_path / "card.xlsx"))
    csv = pd.read_csv(tmp_path / "card.csv")
    xlsx = pd.read_excel(tmp_path / "card.xlsx", sheet_name="points")
    assert csv.iloc[0]["feature"] == "(base points)"
    assert csv.iloc[0]["points"] == card.base_points_
    body = csv.iloc[1:]
    assert body["points"].to_numpy() == pytest.approx(card.points_table_["points"].to_numpy())
    assert set(body.loc[body["feature"] == "tenure", "label"]) == {"Months as client"}
    assert xlsx["points"].to_numpy() == pytest.approx(csv["points"].to_numpy())
    with pytest.raises(ValueError, match=r"path must end in .csv or .xlsx; got '.*card.txt'"):
        card.export_points_table(str(tmp_path / "card.txt"))
    assert not list(tmp_path.glob(".*partial"))
