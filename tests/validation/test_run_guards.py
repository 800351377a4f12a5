"""The monthly run on broken batches: the gate stops each one, and no campaign is made.

One September run passes and becomes the reference; then each broken October is run inline
through every step, the way ``prospect run --inline`` does, and must end quarantined (or
failed, for a file changed under the run) with its cause in the run's reason, while the
campaign count stays at one. The clean October run last gets its draft.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from tests.validation import corpus


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory) -> Path:
    from tests.worker.helpers import train_small_bundle

    return train_small_bundle(tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="module")
def two_months(tmp_path_factory) -> list[Path]:
    from prospect.synth import write_months

    return write_months(tmp_path_factory.mktemp("months"), 3000, 2, seed=31, end_month="2026-10")


def _campaigns(settings) -> int:
    from sqlalchemy import func, select

    from prospect.pipeline.state import run_session
    from prospect.store import Campaign

    with run_session(settings) as session:
        return int(session.scalar(select(func.count(Campaign.id))) or 0)


def _suppress(settings, ids: list[str]) -> None:
    from prospect.pipeline.state import run_session
    from prospect.store import add_suppression

    with run_session(settings) as session:
        add_suppression(session, ids, reason="opt-out", source="test", actor="test")


def _byte_copy(september: Path, path: Path) -> Path:
    out = path.with_suffix(".parquet")
    out.write_bytes(september.read_bytes())
    return out


def _gzip_cut(frame: pd.DataFrame, path: Path) -> Path:
    data = gzip.compress(frame.to_csv(index=False).encode("utf-8"))
    out = path.with_name(path.name + ".csv.gz")
    out.write_bytes(data[: len(data) // 2])
    return out


BROKEN = [
    ("ids_lower_cased", corpus._edit(corpus._lower_ids), "seen in the reference month"),
    ("blacklist_cleared", corpus._set("is_blacklisted", 0.0, 1.0), "is_blacklisted"),
    ("has_card_cleared", corpus._set("has_card", 0.0, 1.0), "has_card"),
    ("msisdn_scientific", corpus._edit(corpus._msisdn_scientific, "csv"), "declared format"),
    ("ragged_csv", corpus.long_rows, "field(s) where the header has"),
    ("truncated_gzip", _gzip_cut, "gzip stream is corrupt"),
    ("nul_in_value", corpus.nul_in_value, "NUL byte"),
]


def test_broken_months_end_without_a_campaign_and_the_clean_month_gets_its_draft(
    settings, small_bundle, two_months, tmp_path
):
    from prospect.pipeline import run_month
    from tests.worker.helpers import install_bundle

    install_bundle(small_bundle, settings)
    september, october = two_months
    first = run_month(september, "2026-09", settings=settings)
    assert first.state.status == "draft" and _campaigns(settings) == 1
    sept_frame, oct_frame = pd.read_parquet(september), pd.read_parquet(october)
    _suppress(settings, sept_frame["user_id"].iloc[:40].tolist())

    folder = tmp_path / "landing"
    folder.mkdir()
    cases = [(n, b(oct_frame, folder / n), cause) for n, b, cause in BROKEN]
    cases.append(("last_month_relabelled", corpus.relabelled(sept_frame, folder / "relabelled"),
                  "repeat"))  # fmt: skip
    cases.append(("byte_copy", _byte_copy(september, folder / "copy_2026-10"), "2026-09"))
    for name, path, cause in cases:
        result = run_month(path, "2026-10", settings=settings)
        assert result.state.status == "quarantined", (name, result.state)
        assert cause in (result.state.failure_reason or ""), (name, result.state.failure_reason)
        assert result.campaign_id is None and _campaigns(settings) == 1, name
        assert result.state.run_id != first.state.run_id, name

    clean = run_month(october, "2026-10", settings=settings)
    assert clean.state.status == "draft" and clean.state.failure_reason is None
    assert _campaigns(settings) == 2


def test_a_batch_changed_after_planning_fails_the_run_with_the_reason(
    settings, small_bundle, two_months, tmp_path
):
    from prospect.pipeline import execute, plan_month
    from prospect.pipeline.state import get_state
    from tests.worker.helpers import install_bundle

    install_bundle(small_bundle, settings)
    batch = tmp_path / "subscribers_2026-10.parquet"
    batch.write_bytes(two_months[1].read_bytes())
    plan, _ = plan_month("2026-10", batch, settings=settings)
    with open(batch, "ab") as handle:  # the copy was still under way when the run was planned
        handle.write(b"more bytes")
    with pytest.raises(Exception, match="changed since the run was planned"):
        execute(plan.run_id, settings)
    state = get_state(settings, plan.run_id)
    assert state is not None and state.status == "failed"
    assert "changed since the run was planned" in (state.failure_reason or "")
    assert _campaigns(settings) == 0
