"""The broken-batch corpus: each case turns a clean synthetic month into one kind of bad file.

A case is (name, builder, expected outcome, column the report must name, words of the cause,
source month). Builders take a clean frame (this month's, or the reference month's when
``source`` is ``reference``) and a target path and write the batch file; nothing is checked
in, every file is made by code.
"""

from __future__ import annotations

import gzip
import io
import zipfile
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
    source: str = "batch"


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


def _text_csv(frame: pd.DataFrame, **kwargs) -> str:
    """The frame as CSV text with flags and whole numbers written as integers."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == float and bool((out[name].dropna() % 1 == 0).all()):
            out[name] = out[name].astype("Int64")
    return out.to_csv(index=False, lineterminator="\n", **kwargs)


def _write_bytes(path: Path, data: bytes, suffix: str = ".csv") -> Path:
    out = path.with_name(path.name + suffix)
    out.write_bytes(data)
    return out


def _edit(edit: Callable[[pd.DataFrame], None], fmt: str = "parquet") -> Builder:
    """A builder that applies ``edit`` to a copy of the frame and writes it as ``fmt``."""

    def build(frame: pd.DataFrame, path: Path) -> Path:
        out = frame.copy()
        edit(out)
        if fmt == "csv":
            return _write_bytes(path, _text_csv(out).encode("utf-8"))
        return _parquet(out, path)

    return build


def _lower_ids(df: pd.DataFrame) -> None:
    df["user_id"] = df["user_id"].str.lower()


def _new_prefix(df: pd.DataFrame) -> None:
    df["user_id"] = "S" + df["user_id"].str[1:]


def _half_new(df: pd.DataFrame) -> None:
    rows = df.index[_rows(df, 0.5, seed=3)]
    df.loc[rows, "user_id"] = [f"U9{i:08d}" for i in range(len(rows))]


def _blacklist_doubled(df: pd.DataFrame) -> None:
    df.loc[df.index[_rows(df, 0.03, seed=4)], "is_blacklisted"] = 1.0


def _half_blacklist_cleared(df: pd.DataFrame) -> None:
    listed = df.index[df["is_blacklisted"] == 1.0]
    df.loc[listed[: len(listed) // 2], "is_blacklisted"] = 0.0


def _blacklist_swapped(df: pd.DataFrame) -> None:
    """The same share blacklisted, but other people: shares alone cannot see it."""
    listed = df.index[df["is_blacklisted"] == 1.0]
    others = df.index[df["is_blacklisted"] == 0.0][: len(listed)]
    df.loc[listed, "is_blacklisted"] = 0.0
    df.loc[others, "is_blacklisted"] = 1.0


def _older(df: pd.DataFrame) -> None:
    df["age"] = (df["age"] + 8).clip(upper=110)


def _msisdn_scientific(df: pd.DataFrame) -> None:
    df["msisdn"] = df["msisdn"].map(lambda v: f"{float(v):.5E}")


def _msisdn_short(df: pd.DataFrame) -> None:
    rows = df.index[_rows(df, 0.05, seed=5)]
    df.loc[rows, "msisdn"] = df.loc[rows, "msisdn"].str[:10]


def _msisdn_country_code(df: pd.DataFrame) -> None:
    df["msisdn"] = "86" + df["msisdn"]


def _one_bad_msisdn(df: pd.DataFrame) -> None:
    df.loc[df.index[3], "msisdn"] = "0591-8765432"


def _blank_ids(df: pd.DataFrame) -> None:
    df.loc[df.index[_rows(df, 0.05, seed=6)], "user_id"] = np.nan


def _fractional_age(df: pd.DataFrame) -> None:
    df.loc[df.index[[2, 8]], "age"] = 30.5


def _fractional_count(df: pd.DataFrame) -> None:
    df.loc[df.index[11], "call_circle_size"] = 3.7


def _formula_region(df: pd.DataFrame) -> None:
    df.loc[df.index[[1, 5]], "region"] = '=HYPERLINK("http://x","fuzhou")'


def _flags_as_words(df: pd.DataFrame) -> None:
    for name in ("is_blacklisted", "has_card", "is_student"):
        df[name] = df[name].map({1.0: "yes", 0.0: "no"})


def _blacklist_missing(df: pd.DataFrame) -> None:
    df.loc[df.index[_rows(df, 0.02, seed=7)], "is_blacklisted"] = np.nan


def _duplicate_everyone(frame: pd.DataFrame, path: Path) -> Path:
    return _parquet(pd.concat([frame, frame], ignore_index=True), path)


def _double_population(frame: pd.DataFrame, path: Path) -> Path:
    extra = frame.copy()
    extra["user_id"] = [f"U8{i:08d}" for i in range(len(extra))]
    return _parquet(pd.concat([frame, extra], ignore_index=True), path)


def relabelled(frame: pd.DataFrame, path: Path) -> Path:
    """The reference month's rows re-sent with the month column set to this month."""
    out = frame.copy()
    out["month"] = "2026-10"
    return _parquet(out, path)


def relabelled_shuffled_csv(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.sample(frac=1.0, random_state=2).reset_index(drop=True)
    out["month"] = "2026-10"
    return _write_bytes(path, _text_csv(out).encode("utf-8"))


def clean_csv(frame: pd.DataFrame, path: Path) -> Path:
    return _write_bytes(path, _text_csv(frame).encode("utf-8"))


def clean_bom_csv(frame: pd.DataFrame, path: Path) -> Path:
    return _write_bytes(path, _text_csv(frame).encode("utf-8-sig"))


def clean_gbk_chinese(frame: pd.DataFrame, path: Path) -> Path:
    from prospect.spec import load_spec

    spec = load_spec("subscriber_5g")
    chinese = frame.rename(columns={c.name: c.aliases[0] for c in spec.columns if c.aliases})
    return _write_bytes(path, _text_csv(chinese).encode("gbk"))


def clean_csv_gz(frame: pd.DataFrame, path: Path) -> Path:
    return _write_bytes(path, gzip.compress(_text_csv(frame).encode("utf-8")), ".csv.gz")


def clean_shuffled(frame: pd.DataFrame, path: Path) -> Path:
    return _parquet(frame.sample(frac=1.0, random_state=1), path)


def clean_extra_column(frame: pd.DataFrame, path: Path) -> Path:
    return _parquet(frame.assign(colour="red"), path)


def codes_as_floats_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Integer codes written ``2.0`` (a float column's habit) read as in Parquet: ``2``."""
    text = _text_csv(frame)
    lines = text.splitlines()
    header = lines[0].split(",")
    pos = header.index("fee_sensitivity")
    fixed = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[pos] = f"{cells[pos]}.0"
        fixed.append(",".join(cells))
    return _write_bytes(path, ("\n".join(fixed) + "\n").encode("utf-8"))


def _lines(frame: pd.DataFrame) -> list[str]:
    return _text_csv(frame).splitlines()


def long_rows(frame: pd.DataFrame, path: Path) -> Path:
    lines = _lines(frame)
    for pos in (5, 17, 40):
        lines[pos] += ",extra"
    return _write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def cut_last_line(frame: pd.DataFrame, path: Path) -> Path:
    text = _text_csv(frame)
    return _write_bytes(path, text[: len(text) - 60].encode("utf-8"))


def nul_in_value(frame: pd.DataFrame, path: Path) -> Path:
    lines = _lines(frame)
    header = lines[0].split(",")
    cells = lines[9].split(",")
    age = cells[header.index("age")]
    cells[header.index("age")] = age[0] + "\x00" + age[1:]
    lines[9] = ",".join(cells)
    return _write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def huge_field(frame: pd.DataFrame, path: Path) -> Path:
    lines = _lines(frame)
    lines[12] = lines[12].replace(",", ',"' + "x" * (2 << 20) + '"', 1)
    return _write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def quoted_newline(frame: pd.DataFrame, path: Path) -> Path:
    lines = _lines(frame)
    cells = lines[6].split(",")
    cells[2] = '"139\n00001111"'
    lines[6] = ",".join(cells)
    return _write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def truncated_gzip(frame: pd.DataFrame, path: Path) -> Path:
    data = gzip.compress(_text_csv(frame).encode("utf-8"))
    return _write_bytes(path, data[: len(data) // 2], ".csv.gz")


def gzip_named_csv(frame: pd.DataFrame, path: Path) -> Path:
    return _write_bytes(path, gzip.compress(_text_csv(frame).encode("utf-8")))


def xlsx_named_csv(frame: pd.DataFrame, path: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return _write_bytes(path, buffer.getvalue())


def semicolons(frame: pd.DataFrame, path: Path) -> Path:
    return _write_bytes(path, _text_csv(frame, sep=";").encode("utf-8"))


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
    Case("unseen_region", _set("region", "shenzhen", 0.05), "quarantine", "region",
         "unseen categories: 'shenzhen'"),
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
    Case("truncated_rows", truncated_rows, "quarantine", None, "ragged rows"),
    Case("half_the_rows", half_the_rows, "quarantine", None, "row count"),
    Case("tenure_beyond_age", tenure_beyond_age, "quarantine", "tenure_months",
         "tenure_within_age"),
    Case("bill_above_six_averages", bill_above_six_averages, "warn", "bill_amount",
         "avg_spend_consistent_with_bill"),
    Case("not_a_parquet", not_a_parquet, "quarantine", None, "not a readable Parquet"),
    Case("duplicate_header", duplicate_header, "quarantine", "user_id", "user_id"),
    # Fields that protect people, identity continuity and the same month twice (issue 15).
    Case("ids_lower_cased", _edit(_lower_ids), "quarantine", "user_id",
         "seen in the reference month"),
    Case("ids_new_prefix", _edit(_new_prefix), "quarantine", "user_id",
         "seen in the reference month"),
    Case("half_new_population", _edit(_half_new), "quarantine", "user_id",
         "seen in the reference month"),
    Case("blacklist_cleared", _set("is_blacklisted", 0.0, 1.0), "quarantine", "is_blacklisted",
         "guarded column"),
    Case("blacklist_doubled", _edit(_blacklist_doubled), "quarantine", "is_blacklisted",
         "guarded column"),
    Case("half_blacklist_cleared", _edit(_half_blacklist_cleared), "quarantine",
         "is_blacklisted", "changed value"),
    Case("blacklist_swapped", _edit(_blacklist_swapped), "quarantine", "is_blacklisted",
         "changed value"),
    Case("has_card_cleared", _set("has_card", 0.0, 1.0), "quarantine", "has_card",
         "guarded column"),
    Case("everyone_verified", _set("real_name_verified", 1.0, 1.0), "quarantine",
         "real_name_verified", "guarded column"),
    Case("everyone_older", _edit(_older), "quarantine", "age", "guarded column"),
    Case("blacklist_partly_missing", _edit(_blacklist_missing), "quarantine", "is_blacklisted",
         "missing values"),
    Case("last_month_relabelled", relabelled, "quarantine", "user_id", "repeat the reference",
         source="reference"),
    Case("last_month_relabelled_shuffled_csv", relabelled_shuffled_csv, "quarantine", "user_id",
         "repeat the reference", source="reference"),
    Case("msisdn_scientific", _edit(_msisdn_scientific, "csv"), "quarantine", "msisdn",
         "declared format"),
    Case("msisdn_short", _edit(_msisdn_short), "quarantine", "msisdn", "declared format"),
    Case("msisdn_country_code", _edit(_msisdn_country_code), "quarantine", "msisdn",
         "declared format"),
    Case("one_bad_msisdn", _edit(_one_bad_msisdn), "warn", "msisdn", "declared format"),
    Case("blank_ids", _edit(_blank_ids), "quarantine", "user_id", "missing values"),
    Case("everyone_twice", _duplicate_everyone, "quarantine", "user_id", "duplicate ids"),
    Case("double_population", _double_population, "quarantine", "user_id",
         "seen in the reference month"),
    # One reader: structurally broken files are quarantined naming file, line and cause.
    Case("long_rows", long_rows, "quarantine", None, "line 6: 44 field(s)"),
    Case("cut_last_line", cut_last_line, "quarantine", None, "cut short"),
    Case("nul_in_value", nul_in_value, "quarantine", None, "line 10: NUL byte"),
    Case("huge_field", huge_field, "quarantine", None, "line 13: longer than 1 MiB"),
    Case("quoted_newline", quoted_newline, "warn", "msisdn", "declared format"),
    Case("truncated_gzip", truncated_gzip, "quarantine", None, "gzip stream is corrupt"),
    Case("gzip_named_csv", gzip_named_csv, "quarantine", None, "gzip-compressed"),
    Case("xlsx_named_csv", xlsx_named_csv, "quarantine", None, "xlsx"),
    Case("semicolon_separated", semicolons, "quarantine", "user_id", "missing required column"),
    # Messages people can act on; the same values read the same from CSV and Parquet.
    Case("fractional_age", _edit(_fractional_age, "csv"), "quarantine", "age",
         "not a whole number"),
    Case("fractional_count", _edit(_fractional_count), "quarantine", "call_circle_size",
         "not a whole number"),
    Case("formula_in_region", _edit(_formula_region), "quarantine", "region", "formula"),
    Case("codes_as_floats_csv", codes_as_floats_csv, "pass", None, ""),
    Case("flags_as_words_csv", _edit(_flags_as_words, "csv"), "pass", None, ""),
    Case("clean_csv", clean_csv, "pass", None, ""),
    Case("clean_bom_csv", clean_bom_csv, "pass", None, ""),
    Case("clean_gbk_chinese", clean_gbk_chinese, "pass", None, ""),
    Case("clean_csv_gz", clean_csv_gz, "pass", None, ""),
    Case("clean_shuffled", clean_shuffled, "pass", None, ""),
    Case("clean_extra_column", clean_extra_column, "pass", None, ""),
]  # fmt: skip
