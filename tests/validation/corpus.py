"""The broken-batch corpus: each case turns a clean synthetic month into one kind of bad file.

A case is (name, builder, expected outcome, column the report must name, words of the cause).
Builders take the clean frame and a target path and write the batch file; nothing is
checked in, every file is made by code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

Builder = Callable[[pd.DataFrame, Path], Path]
FORMULA = "=cmd|' /C calc'!A0"


@dataclass(frozen=True)
class Case:
    name: str
    build: Builder
    outcome: str
    column: str | None
    cause: str


def _parquet(frame: pd.DataFrame, path: Path) -> Path:
    out = path.with_suffix(".parquet")
    frame.to_parquet(out, index=False)
    return out


def _csv(frame: pd.DataFrame, path: Path, **kwargs) -> Path:
    out = path.with_suffix(".csv")
    frame.to_csv(out, index=False, **kwargs)
    return out


def _rows(frame: pd.DataFrame, share: float, seed: int = 1) -> np.ndarray:
    """Positions of a reproducible random ``share`` of the rows."""
    rng = np.random.default_rng(seed)
    return rng.choice(len(frame), size=max(1, round(share * len(frame))), replace=False)


def _set(column: str, value, share: float) -> Builder:
    def build(frame: pd.DataFrame, path: Path) -> Path:
        out = frame.copy()
        out.loc[_rows(out, share), column] = value
        return _parquet(out, path)

    return build


def _scale(column: str, factor: float) -> Builder:
    def build(frame: pd.DataFrame, path: Path) -> Path:
        out = frame.copy()
        out[column] = out[column] * factor
        return _parquet(out, path)

    return build


def clean(frame: pd.DataFrame, path: Path) -> Path:
    return _parquet(frame, path)


def missing_column(frame: pd.DataFrame, path: Path) -> Path:
    return _parquet(frame.drop(columns=["bill_amount"]), path)


def renamed_column(frame: pd.DataFrame, path: Path) -> Path:
    return _csv(frame.rename(columns={"age": "age_years"}), path)


def wrong_type(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.astype({"age": object})
    out.loc[5, "age"] = "forty"
    return _csv(out, path)


def unparseable_number(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.astype({"bill_amount": object})
    out.loc[7, "bill_amount"] = "1,234.50 yuan"
    return _csv(out, path)


def duplicate_ids(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    out.loc[out.index[1:21], "user_id"] = out["user_id"].iloc[0]
    return _parquet(out, path)


def empty_file(frame: pd.DataFrame, path: Path) -> Path:
    out = path.with_suffix(".csv")
    out.write_bytes(b"")
    return out


def header_only(frame: pd.DataFrame, path: Path) -> Path:
    return _csv(frame.iloc[:0], path)


def gbk_read_as_utf8(frame: pd.DataFrame, path: Path) -> Path:
    """A GBK file with Chinese headers that a tool decoded as UTF-8 and saved: mojibake."""
    from prospect.spec import load_spec

    spec = load_spec("subscriber_5g")
    chinese = frame.rename(columns={c.name: c.aliases[0] for c in spec.columns if c.aliases})
    raw = chinese.to_csv(index=False).encode("gbk")
    out = path.with_suffix(".csv")
    out.write_text(raw.decode("utf-8", errors="replace"), encoding="utf-8")
    return out


def utf16_file(frame: pd.DataFrame, path: Path) -> Path:
    return _csv(frame, path, encoding="utf-16")


def mixed_month(frame: pd.DataFrame, path: Path) -> Path:
    return _set("month", "2026-09", 0.1)(frame, path)


def formula_in_msisdn(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    out.loc[out.index[[3, 9]], "msisdn"] = FORMULA
    return _csv(out, path)


def formula_in_user_id(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    out.loc[out.index[4], "user_id"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    return _csv(out, path)


def truncated_rows(frame: pd.DataFrame, path: Path) -> Path:
    """10% of the lines cut in half (a transfer that dropped the ends of records)."""
    lines = frame.to_csv(index=False).splitlines()
    for pos in _rows(frame, 0.1) + 1:
        lines[pos] = lines[pos][: len(lines[pos]) // 2]
    out = path.with_suffix(".csv")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def half_the_rows(frame: pd.DataFrame, path: Path) -> Path:
    return _parquet(frame.iloc[: len(frame) // 2], path)


def tenure_beyond_age(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    rows = _rows(out, 0.05)
    young = out.index[rows]
    out.loc[young, "age"] = 20.0
    out.loc[young, "tenure_months"] = 300.0
    return _parquet(out, path)


def bill_above_six_averages(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    rows = out.index[_rows(out, 0.01)]
    out.loc[rows, "bill_amount"] = (out.loc[rows, "avg_spend_6m"] * 6 + 50).clip(upper=20000)
    return _parquet(out, path)


def not_a_parquet(frame: pd.DataFrame, path: Path) -> Path:
    out = path.with_suffix(".parquet")
    out.write_bytes(b"PAR1 this is not really parquet")
    return out


def duplicate_header(frame: pd.DataFrame, path: Path) -> Path:
    """Both the canonical and the Chinese header of user_id: two columns map to one."""
    out = frame.copy()
    out.insert(1, "用户编码", out["user_id"])
    return _csv(out, path)


CASES = [
    Case("clean", clean, "pass", None, ""),
    Case("missing_column", missing_column, "quarantine", "bill_amount", "missing required column"),
    Case("renamed_column", renamed_column, "quarantine", "age", "missing required column"),
    Case("wrong_type", wrong_type, "quarantine", "age", "cannot read 'forty'"),
    Case("unparseable_number", unparseable_number, "quarantine", "bill_amount", "cannot read"),
    Case("negative_bills", _set("bill_amount", -50.0, 0.05), "quarantine", "bill_amount",
         "outside the allowed range"),
    Case("ages_of_200", _set("age", 200.0, 0.05), "quarantine", "age", "outside the allowed range"),
    Case("one_age_of_200", _set("age", 200.0, 0.0), "warn", "age", "outside the allowed range"),
    Case("age_14", _set("age", 14.0, 0.03), "quarantine", "age", "min_age_16"),
    Case("duplicate_ids", duplicate_ids, "quarantine", "user_id", "duplicate ids"),
    Case("empty_file", empty_file, "quarantine", None, "file is empty"),
    Case("header_only", header_only, "quarantine", None, "row count"),
    Case("gbk_read_as_utf8", gbk_read_as_utf8, "quarantine", "user_id", "missing required column"),
    Case("utf16_file", utf16_file, "quarantine", None, "NUL bytes"),
    Case("month_mixed_in", mixed_month, "quarantine", "month", "another month"),
    Case("nan_storm", _set("call_circle_size", np.nan, 0.4), "quarantine", "call_circle_size",
         "missing values"),
    Case("nan_storm_nullable", _set("voice_minutes", np.nan, 0.5), "quarantine", "voice_minutes",
         "missing share rose"),
    Case("few_nans_nullable", _set("voice_minutes", np.nan, 0.1), "warn", "voice_minutes",
         "missing share rose"),
    Case("unseen_region", _set("region", "shenzhen", 0.05), "quarantine", "region", "unseen"),
    Case("unseen_fee_level", _set("fee_sensitivity", "9", 0.02), "quarantine", "fee_sensitivity",
         "unseen"),
    Case("boolean_of_2", _set("is_student", 2.0, 0.02), "quarantine", "is_student",
         "cannot read 2.0"),
    Case("shifted_distribution", _scale("data_down_gb", 2.0), "quarantine", "data_down_gb",
         "distribution shifted"),
    Case("mild_shift", _scale("data_down_gb", 1.35), "warn", "data_down_gb",
         "distribution shifted"),
    Case("formula_in_msisdn", formula_in_msisdn, "quarantine", "msisdn", "formula"),
    Case("formula_in_user_id", formula_in_user_id, "quarantine", "user_id", "formula"),
    Case("truncated_rows", truncated_rows, "quarantine", "data_down_gb", "missing values"),
    Case("half_the_rows", half_the_rows, "quarantine", None, "row count"),
    Case("tenure_beyond_age", tenure_beyond_age, "quarantine", "tenure_months",
         "tenure_within_age"),
    Case("bill_above_six_averages", bill_above_six_averages, "warn", "bill_amount",
         "avg_spend_consistent_with_bill"),
    Case("not_a_parquet", not_a_parquet, "quarantine", None, "not a readable Parquet"),
    Case("duplicate_header", duplicate_header, "quarantine", "user_id", "user_id"),
]  # fmt: skip
