import numpy as np
import pytest

from prospect import riskmodel
from prospect.spec import load_spec
from prospect.synth import generate_months
from risk import sum_counts


@pytest.fixture(scope="module")
def fitted():
    spec = load_spec("subscriber_5g")
    first, second = generate_months(4000, 2, seed=0)
    return riskmodel.fit_scorecard(first.frame, spec), spec, first.frame, second.frame


def test_score_frame_gives_what_targeting_reads(fitted):
    card, spec, _, month = fitted
    out = riskmodel.score_frame(card, month, spec)
    dims = [f"points_{d}" for d in spec.dimensions() if d in card.dimensions]
    assert out.columns[:5].tolist() == ["user_id", "pd", "score_points", "grade", "reasons"]
    assert set(dims) <= set(out.columns)
    assert out["user_id"].tolist() == month["user_id"].tolist()
    assert out["pd"].between(0, 1).all()
    parts = out.filter(like="points_").sum(axis=1)
    assert parts.to_numpy() == pytest.approx(out["score_points"].to_numpy())
    worst = out.loc[out["score_points"].idxmin(), "reasons"]
    assert len(worst) >= 2 and all(t.endswith("points)") for t in worst)
    described = {c.description for c in spec.columns if c.description}
    assert {t.split(":")[0] for t in worst} <= described  # worded from the spec's labels
    assert set(out["grade"]) == set("ABCDE")


def test_scorecard_uses_spec_features_and_ranks_risk(fitted):
    card, spec, _, month = fitted
    assert set(card.binner_.features_) == set(spec.feature_columns)
    assert set(card.binner_.categorical_) == set(spec.categorical_features)
    X, y = riskmodel.labelled(month, spec)
    pd_ = card.predict_proba(X)[:, 1]
    assert y[pd_ > np.quantile(pd_, 0.8)].mean() > 2 * y[pd_ < np.quantile(pd_, 0.2)].mean()
    with pytest.raises(ValueError, match="label must be one of"):
        riskmodel.labelled(month, spec, "age")


def test_stability_of_the_same_population_is_stable(fitted):
    card, spec, first, second = fitted
    report = riskmodel.stability(card, first, second, spec)
    assert report["variable"].iloc[0] == "score"
    assert report.set_index("variable").loc["score", "status"] == "stable"


def test_stability_profile_bins_the_score_and_the_features_the_scorecard_uses(fitted):
    card, spec, first, second = fitted
    profile = riskmodel.stability_profile(card, first, spec)
    assert profile.names == ["score", *card.selected_]
    assert sum(profile.counts["score"]) == len(first) == 4000
    counts = riskmodel.stability_counts(profile, second, card.points(second[spec.feature_columns]))
    halves = [riskmodel.stability_counts(profile, part, card.points(part[spec.feature_columns]))
              for part in (second.iloc[:1500], second.iloc[1500:])]  # fmt: skip
    assert sum_counts(halves) == counts and sum(counts["score"]) == len(second)
    assert profile.report(counts).set_index("variable").loc["score", "status"] == "stable"


def test_score_frame_for_a_spec_without_dimensions(fitted):
    card, spec, first, month = fitted
    flat = spec.model_copy(update={"columns": [c.model_copy(update={"dimension": None})
                                               for c in spec.columns]})  # fmt: skip
    assert flat.dimensions() == {}
    plain = riskmodel.fit_scorecard(first, flat)
    out = riskmodel.score_frame(plain, month, flat, labels={"age": "Age of the subscriber"})
    assert [c for c in out.columns if c.startswith("points_")] == ["points_base"]
    assert out["score_points"].to_numpy() == pytest.approx(
        plain.points(month[flat.feature_columns])
    )
    texts = [t for reasons in out["reasons"] for t in reasons]
    assert (
        any(t.startswith("Age of the subscriber: ") for t in texts) or "age" not in plain.selected_
    )
