"""Card issues as a file (what the bank sends back): who took the card and on which day, read
with errors that name the file, row and column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from prospect.exceptions import DataReadError


def read_card_issues(path: str | Path) -> list[tuple[str, date]]:
    """(user id, issue date) pairs from a CSV with ``user_id`` and ``issued_on`` (YYYY-MM-DD).

    Rows with ``took_card`` 0, when that column is present, are not card issues and are skipped.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataReadError(f"cannot read card-issue file {path}: {exc}") from exc
    missing = [c for c in ("user_id", "issued_on") if c not in frame.columns]
    if missing:
        raise DataReadError(f"card-issue file {path} lacks column(s) {missing}")
    if "took_card" in frame.columns:
        bad = ~frame["took_card"].isin(["0", "1"])
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 2  # header is line 1
            raise DataReadError(f"{path} line {row}: took_card must be 0 or 1")
        frame = frame[frame["took_card"] == "1"]
    out = []
    for line, (user_id, issued) in zip(frame.index + 2, frame[["user_id", "issued_on"]].to_numpy(),
                                       strict=True):  # fmt: skip
        if not user_id.strip():
            raise DataReadError(f"{path} line {line}: user_id is empty")
        try:
            out.append((user_id.strip(), date.fromisoformat(issued.strip())))
        except ValueError as exc:
            raise DataReadError(f"{path} line {line}: issued_on {issued!r} is not a date "
                                "YYYY-MM-DD") from exc  # fmt: skip
    ids = [u for u, _ in out]
    if len(set(ids)) != len(ids):
        dup = next(u for u in ids if ids.count(u) > 1)
        raise DataReadError(f"{path}: user_id {dup!r} is listed twice")
    return out
