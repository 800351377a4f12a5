"""A table the product was not written for, from spec to draft list, with one or both labels.

The public bank-marketing table (45,211 clients, ``tests/prospect/specs/bank_marketing.yaml``)
is split into four monthly files; the last month is run without its outcome column. Four
ways through the same commands:

- both labels (``y`` demand, ``default`` risk): propensity, scorecard, the draft list;
- demand only (the spec drops ``default``): no scorecard, a list with no risk filter that says
  so;
- risk only (the spec drops ``y``): a scorecard-only bundle that promotion refuses;
- demand only ``--scorecard-from`` the risk-only bundle: the list filtered by that scorecard.

Plus "your current score vs ours" on the generated 5G months, whose spec names
``credit_score`` as the table's own score.

    python -m bench.bench_own_table
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from bench.common import datasets_dir, figure, write_result

SPEC = Path(__file__).resolve().parents[1] / "tests" / "prospect" / "specs" / "bank_marketing.yaml"
MONTHS = ("2008-05", "2008-06", "2008-07", "2008-08")
SEED = 18


def bank_months(out: Path) -> tuple[Path, Path]:
    """Three labelled monthly files to train on and the fourth month without ``y`` to run."""
    frame = pd.read_csv(datasets_dir() / "bank-marketing" / "bank-full.csv.gz", sep=";")
    frame.insert(0, "row_id", [f"c{i:05d}" for i in range(len(frame))])
    parts = np.array_split(np.random.default_rng(SEED).permutation(len(frame)), len(MONTHS))
    train_dir = out / "bank"
    train_dir.mkdir(parents=True)
    for month, rows in zip(MONTHS[:-1], parts[:-1], strict=True):
        frame.iloc[rows].to_csv(train_dir / f"bank_{month}.csv", sep=";", index=False)
    batch = out / f"bank_{MONTHS[-1]}.csv"
    frame.iloc[parts[-1]].drop(columns=["y"]).to_csv(batch, sep=";", index=False)
    return train_dir, batch


def one_label_spec(out: Path, keep: str) -> Path:
    """The bank spec naming only the ``keep`` label (the other label's column dropped)."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    dropped = spec["labels"].pop("risk" if keep == "demand" else "demand")
    spec["name"] = f"bank_marketing_{keep}_only"
    spec["columns"] = [c for c in spec["columns"] if c["name"] != dropped]
    path = out / f"bank_{keep}_only.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def _settings(root: Path) -> Any:
    from prospect.settings import Settings
    from prospect.startup import prepare_database

    return prepare_database(Settings(data_dir=root, environment="test"))


def _config(**extra: Any) -> Any:
    from prospect.training import TrainingConfig

    return TrainingConfig(seed=0, n_folds=1, **extra)


def through(train_dir: Path, batch: Path, spec: Path, root: Path, **extra: Any) -> dict[str, Any]:
    """Train on ``train_dir`` with ``spec``, promote, run the batch's month inline; what the
    user would see: seconds, test-month figures, the list's risk filter and wording."""
    from prospect import registry
    from prospect.pipeline import run_month
    from prospect.spec import load_spec
    from prospect.store import Campaign, Target, make_engine, session_scope
    from prospect.training import train

    settings = _settings(root)
    started = time.perf_counter()
    result = train(train_dir, str(spec), config=_config(**extra), settings=settings)
    trained = time.perf_counter() - started
    card = json.loads((result.directory / "model_card.json").read_text(encoding="utf-8"))
    registry.promote(result.version, settings)
    started = time.perf_counter()
    run = run_month(batch, MONTHS[-1], settings=settings)
    ran = time.perf_counter() - started
    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        campaign = session.get(Campaign, run.campaign_id)
        summary = dict(campaign.summary)
        whys = [t.why for t in session.query(Target).filter_by(campaign_id=campaign.id)]
    engine.dispose()
    titles = {c.readable for c in load_spec(str(spec)).columns}
    drivers = [d for why in whys for d in (why or {}).get("drivers", [])]
    worded = [re.split(r"=| (?:high|low|typical|yes|no|missing) \(", d)[0] in titles
              for d in drivers]  # fmt: skip
    names = [p["name"] for p in card["personas"]]
    return {
        "train_seconds": trained, "run_seconds": ran, "status": run.state.status,
        "propensity": card["metrics"]["propensity"], "scorecard": card["metrics"]["scorecard"],
        "calibration": card["calibration_choice"], "risk_model": card["risk_model"],
        "personas": names, "distinct_persona_names": len(set(names)) == len(names),
        "n_selected": summary["n_selected"], "risk_filter": summary["risk_filter"],
        "risk_warning": summary["risk_warning"], "exclusions": summary["exclusions"],
        "expected_defaults": summary["expected_defaults"],
        "drivers_worded_by_spec": float(np.mean(worded)) if worded else None,
    }  # fmt: skip


def scorecard_only(train_dir: Path, spec: Path, root: Path) -> dict[str, Any]:
    """Train the risk-only spec; whether promotion refuses it; the bundle folder."""
    from prospect import registry
    from prospect.training import train
    from prospect.training.exceptions import ScorecardOnlyError

    settings = _settings(root)
    started = time.perf_counter()
    result = train(train_dir, str(spec), config=_config(), settings=settings)
    seconds = time.perf_counter() - started
    card = json.loads((result.directory / "model_card.json").read_text(encoding="utf-8"))
    try:
        registry.promote(result.version, settings)
        refused = False
    except ScorecardOnlyError:
        refused = True
    return {"train_seconds": seconds, "kind": card["kind"], "scorecard": card["metrics"][
        "scorecard"], "promotion_refused": refused, "directory": str(result.directory)}  # fmt: skip


def score_benchmark_5g(root: Path) -> dict[str, Any]:
    """The generated 5G months (20,000 users x 4): our ROC-AUC beside ``credit_score``'s."""
    from prospect.synth import write_months
    from prospect.training import train

    data = root / "months"
    write_months(data, 20_000, 4, seed=7, end_month="2026-09")
    result = train(data, config=_config(), settings=_settings(root / "var"))
    card = json.loads((result.directory / "model_card.json").read_text(encoding="utf-8"))
    return dict(card["score_benchmark"])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        train_dir, batch = bank_months(out)
        both = through(train_dir, batch, SPEC, out / "both")
        demand = one_label_spec(out, "demand")
        no_risk = through(train_dir, batch, demand, out / "demand")
        risk = scorecard_only(train_dir, one_label_spec(out, "risk"), out / "risk")
        borrowed = through(train_dir, batch, demand, out / "borrowed",
                           scorecard_from=risk["directory"])  # fmt: skip
        score = score_benchmark_5g(out / "5g")
    figures = [
        figure("bank, both labels: train (3 months, 33,909 rows)", both["train_seconds"], "s",
               higher_is_better=False),
        figure("bank, both labels: run of 11,302 rows to a draft", both["run_seconds"], "s",
               higher_is_better=False),
        figure("bank, both labels: test-month propensity ROC-AUC",
               both["propensity"]["roc_auc"], "ROC-AUC"),
        figure("bank, both labels: scorecard ROC-AUC (default = has credit in default)",
               both["scorecard"]["roc_auc"], "ROC-AUC"),
        figure("bank, both labels: list size", both["n_selected"], "targets"),
        figure("bank: drivers worded with the spec's titles", both["drivers_worded_by_spec"],
               "share", target="1.0", met=both["drivers_worded_by_spec"] == 1.0),
        figure("bank: persona names distinct", float(both["distinct_persona_names"]), "bool",
               target="1", met=both["distinct_persona_names"]),
        figure("bank, demand only: list says no risk filter",
               float(no_risk["risk_filter"] == "none" and bool(no_risk["risk_warning"])), "bool",
               target="1", met=no_risk["risk_filter"] == "none"),
        figure("bank, demand only: rows left out as unscored or above a PD ceiling",
               no_risk["exclusions"]["unscored"] + no_risk["exclusions"]["pd_above_ceiling"],
               "rows", target="0", met=no_risk["exclusions"]["unscored"]
               + no_risk["exclusions"]["pd_above_ceiling"] == 0),
        figure("bank, demand only: list size (no PD ceiling)", no_risk["n_selected"], "targets",
               peer="both labels", peer_value=both["n_selected"]),
        figure("bank, risk only: promotion refused", float(risk["promotion_refused"]), "bool",
               target="1", met=risk["promotion_refused"]),
        figure("bank, demand only --scorecard-from the risk-only bundle: list filtered by it",
               float(borrowed["risk_filter"] == "scorecard"), "bool", target="1",
               met=borrowed["risk_filter"] == "scorecard"),
    ]  # fmt: skip
    for target in ("demand", "risk"):
        row = score[target]
        figures.append(figure(f"5G {target}: our ROC-AUC vs the table's credit_score",
                              row["ours_roc_auc"], "ROC-AUC", peer="credit_score",
                              peer_value=row["theirs_roc_auc"]))  # fmt: skip
    details = {"both_labels": both, "demand_only": no_risk, "risk_only": risk,
               "demand_only_scorecard_from": borrowed, "score_benchmark_5g": score}  # fmt: skip
    path = write_result("own_table", figures, details)
    print(json.dumps(figures, indent=2, default=float))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
