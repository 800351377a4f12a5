"""Small-data helpers shared by the pipeline and worker tests: a quickly trained model bundle,
installed (registered and promoted) into any test's settings."""

from __future__ import annotations

import shutil
from pathlib import Path

TRAIN_USERS = 3000


def train_small_bundle(root: Path) -> Path:
    """Train a deliberately small bundle (3 months x 3,000 users, 40 trees) under ``root``;
    returns its folder. About 20 s on two busy cores."""
    from prospect import registry
    from prospect.settings import Settings
    from prospect.startup import prepare_database
    from prospect.synth import write_months
    from prospect.training import TrainingConfig, train

    data = root / "train"
    write_months(data, TRAIN_USERS, 3, seed=11, end_month="2026-09")
    settings = prepare_database(Settings(data_dir=root / "var", environment="test"))
    config = TrainingConfig(
        seed=0,
        n_folds=1,
        segment_sample=1000,
        n_personas=4,
        calibration_cv=2,
        xgb_params={"n_estimators": 40},
    )
    result = train(data, config=config, settings=settings)
    registry.promote(result.version, settings)
    return result.directory


def install_bundle(bundle: Path, settings) -> str:
    """Copy the bundle into ``settings.models_dir``, register and promote it; its version."""
    from prospect import registry

    target = settings.models_dir / bundle.name
    if not target.exists():
        shutil.copytree(bundle, target)
    registry.register(settings, target)
    registry.promote(bundle.name, settings)
    return bundle.name


def write_month(folder: Path, seed: int, users: int = 3000, month: str = "2026-10") -> Path:
    """One synthetic month as Parquet, named ``subscribers_<month>.parquet``."""
    from prospect.synth import write_months

    return write_months(folder, users, 1, seed=seed, end_month=month)[0]
