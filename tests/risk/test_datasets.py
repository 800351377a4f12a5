import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from risk import Scorecard


@pytest.mark.datasets
def test_scorecard_auc_floor_on_german_credit(datasets_dir):
    df = pd.read_csv(datasets_dir / "german-credit" / "germancredit.csv.gz")
    y = (df.pop("creditability") == "bad").astype(int).to_numpy()  # label coded good/bad
    Xtr, Xte, ytr, yte = train_test_split(df, y, test_size=0.3, stratify=y, random_state=0)
    card = Scorecard().fit(Xtr, ytr)
    auc = roc_auc_score(yte, card.predict_proba(Xte)[:, 1])
    assert auc > 0.76
    assert card.grade_table_["default_rate"].is_monotonic_increasing


def _public_tables(root):
    """(name, X, y) of every public dataset, each with its documented label."""
    gmsc = pd.read_csv(root / "give-me-some-credit" / "cs-training.csv.gz", index_col=0)
    german = pd.read_csv(root / "german-credit" / "germancredit.csv.gz")
    bank = pd.read_csv(root / "bank-marketing" / "bank-full.csv.gz", sep=";")
    hill = pd.read_csv(root / "hillstrom" / "hillstrom_mens_vs_control.csv.gz")
    yield "give-me-some-credit", gmsc.drop(columns="SeriousDlqin2yrs"), gmsc["SeriousDlqin2yrs"]
    yield "german-credit", german.drop(columns="creditability"), german["creditability"] == "bad"
    yield "bank-marketing", bank.drop(columns=["y", "duration"]), bank["y"] == "yes"
    yield "hillstrom", hill.drop(columns=["visit", "conversion", "spend"]), hill["visit"]


@pytest.mark.datasets
def test_default_scorecard_points_follow_the_risk_on_every_public_dataset(datasets_dir):
    from risk.scorecard import points_follow_risk

    for name, X, y in _public_tables(datasets_dir):
        card = Scorecard().fit(X, y.astype(int).to_numpy())
        wrong = [
            f
            for f in card.selected_
            if not points_follow_risk(card.binner_.bins_[f], card.bin_points_[f])
        ]
        assert wrong == [], f"{name}: a riskier bin scores more points on {wrong}"
        table = card.points_table_
        for f in card.selected_:  # and in the raw event rates a risk officer reads
            rows = table[(table["feature"] == f) & (table["count"] > 0)]
            rate, pts = rows["event_rate"].to_numpy(), rows["points"].to_numpy()
            assert not np.any(
                (rate[:, None] > rate[None, :]) & (pts[:, None] > pts[None, :] + 1e-9)
            ), (name, f)
