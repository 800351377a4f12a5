"""A scorecard taken from another bundle, for a table that carries no risk label of its own.

A bank may know who took an offer on its table but hold default outcomes only on another one
(its card portfolio). ``prospect train --scorecard-from BUNDLE`` then scores risk with that
bundle's scorecard. It is used only if every feature it bins is a feature of this table's spec,
of the same kind (numeric or categorical). Its points can't be measured here, since this table
has no default label, and the model card says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prospect.settings import Settings
from prospect.spec import DatasetSpec
from risk import Scorecard


@dataclass(frozen=True)
class BorrowedScorecard:
    """The scorecard, the version of the bundle it came from and that bundle's spec name."""

    scorecard: Scorecard
    version: str
    spec_name: str


def borrowed_scorecard(source: str, spec: DatasetSpec, settings: Settings) -> BorrowedScorecard:
    """The scorecard of ``source`` (a bundle folder, or a version in the registry), checked
    against ``spec``.

    Raises
    ------
    ValueError
        The source has no scorecard, or it bins features this table lacks or holds as
        another kind; the message names them.
    """
    from prospect import registry  # registry imports the bundle; keep module loading one-way
    from prospect.training.storage import load_bundle_dir

    folder = Path(source)
    bundle = load_bundle_dir(folder) if folder.is_dir() else registry.load_bundle(settings, source)
    if bundle.scorecard is None:
        raise ValueError(f"--scorecard-from {source}: bundle {bundle.version} has no scorecard "
                         "(its table had no risk label either).")  # fmt: skip
    binned = list(bundle.scorecard.binner_.features_)
    missing = [f for f in binned if f not in spec.feature_columns]
    if missing:
        raise ValueError(
            f"--scorecard-from {source}: the scorecard of bundle {bundle.version} (spec "
            f"{bundle.spec.name!r}) reads feature(s) {missing} that spec {spec.name!r} has not; "
            "add them to the spec under the same names, or train without --scorecard-from."
        )
    ours, theirs = set(spec.categorical_features), set(bundle.spec.categorical_features)
    changed = [f for f in binned if (f in ours) != (f in theirs)]
    if changed:
        raise ValueError(
            f"--scorecard-from {source}: feature(s) {changed} are categorical in one spec and "
            f"numeric in the other ({bundle.spec.name!r} vs {spec.name!r}); the scorecard's "
            "bins would not apply."
        )
    return BorrowedScorecard(bundle.scorecard, bundle.version, bundle.spec.name)
