"""Write synthetic months as the files an operator would deliver (Parquet or CSV).

CSV can be GBK-encoded with the Chinese headers of the spec (each column's first alias), as the
DCIC source data is. The oracle goes to a separate ``oracle/`` folder that training never reads;
in the world with campaigns (:mod:`prospect.synth.uplift`) the contacts go to ``campaigns/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import pandas as pd

from prospect.spec import DatasetSpec, load_spec
from prospect.synth.months import SPEC_NAME, SynthMonth, generate_months
from prospect.synth.uplift import CampaignMonth, LegacyPolicy, generate_campaign_months

Format = Literal["parquet", "csv"]
Encoding = Literal["utf-8", "gbk"]
FORMATS = ("parquet", "csv")
ENCODINGS = ("utf-8", "gbk")


def _check_options(fmt: str, encoding: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be 'parquet' or 'csv'; got {fmt!r}.")
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be 'utf-8' or 'gbk'; got {encoding!r}.")


def _for_csv(spec: DatasetSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Integer and yes/no columns as whole numbers (``1``, not ``1.0``); missing stays empty."""
    out = frame.copy()
    for col in spec.columns:
        if col.dtype in ("int", "bool") and col.role != "categorical" and col.name in out:
            values = out[col.name]
            out[col.name] = values.astype("Int64" if values.isna().any() else "int64")
    return out


def write_month(
    month: SynthMonth | CampaignMonth,
    out_dir: Path,
    *,
    fmt: Format = "parquet",
    encoding: Encoding = "utf-8",
    chinese_headers: bool = False,
) -> Path:
    """Write one month as ``subscribers_YYYY-MM.<fmt>`` and its oracle under ``oracle/``."""
    _check_options(fmt, encoding)
    spec = load_spec(SPEC_NAME)
    out_dir = Path(out_dir)
    (out_dir / "oracle").mkdir(parents=True, exist_ok=True)
    frame = month.frame
    if chinese_headers:
        frame = frame.rename(columns={c.name: c.aliases[0] for c in spec.columns if c.aliases})
    path = out_dir / f"subscribers_{month.month}.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        _for_csv(spec, frame).to_csv(path, index=False, encoding=encoding, lineterminator="\n")
    month.oracle.to_parquet(out_dir / "oracle" / f"oracle_{month.month}.parquet", index=False)
    if isinstance(month, CampaignMonth):
        (out_dir / "campaigns").mkdir(exist_ok=True)
        month.contacts.to_parquet(
            out_dir / "campaigns" / f"contacts_{month.month}.parquet", index=False
        )
    return path


def write_months(
    out_dir: Path,
    n_users: int,
    n_months: int,
    *,
    seed: int = 0,
    fmt: Format = "parquet",
    encoding: Encoding = "utf-8",
    chinese_headers: bool = False,
    end_month: str = "2026-10",
    on_month: Callable[[Path], None] | None = None,
    campaigns: LegacyPolicy | None = None,
    label_history: str = "all",
) -> list[Path]:
    """Generate and write ``n_months`` months (see :func:`generate_months`); same seed, same bytes.

    ``on_month`` is called with each written path (progress reporting). With a ``campaigns``
    policy the months have organic take-up and that legacy campaign (see
    :func:`~prospect.synth.uplift.generate_campaign_months`); without, every non-holder is offered.
    """
    _check_options(fmt, encoding)
    paths = []
    months: Iterable[SynthMonth | CampaignMonth] = (
        generate_months(
            n_users, n_months, seed=seed, end_month=end_month, label_history=label_history
        )
        if campaigns is None
        else generate_campaign_months(
            n_users, n_months, seed=seed, end_month=end_month, policy=campaigns,
            label_history=label_history,
        )
    )  # fmt: skip
    for month in months:
        path = write_month(
            month, out_dir, fmt=fmt, encoding=encoding, chinese_headers=chinese_headers
        )
        paths.append(path)
        if on_month is not None:
            on_month(path)
    return paths
