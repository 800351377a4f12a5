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
