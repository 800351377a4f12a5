"""Validation by time: train on earlier months, test on a later one, never the same month.

Random row splits leak a month's conditions (campaign, season) into the test set; scoring
always happens on a month the model has not seen, so evaluation must do the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def time_split(
    frame: pd.DataFrame,
    *,
    month_column: str = "month",
    test_month: str | None = None,
    train_months: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``frame`` into (train, test) by month.

    Parameters
    ----------
    test_month : str, optional
        Month to test on; the latest month in ``frame`` by default.
    train_months : sequence of str, optional
        Months to train on; every month before ``test_month`` by default. A training month
        equal to or later than the test month raises ValueError (that would leak the future).
    """
    if month_column not in frame.columns:
        raise ValueError(f"month_column {month_column!r} is not a column of frame.")
    months = frame[month_column].astype(str)
    present = sorted(months.unique())
    test = test_month if test_month is not None else present[-1]
    if test not in present:
        raise ValueError(f"test_month {test!r} is not in frame; months present: {present}.")
    train = list(train_months) if train_months is not None else [m for m in present if m < test]
    late = sorted(m for m in train if m >= test)
    if late:
        raise ValueError(
            f"train_months must all precede test_month {test!r}; got {late} "
            "(testing on a month seen in training, or training on the future)."
        )
    if not months.isin(train).any():
        raise ValueError(f"no rows to train on before test_month {test!r}.")
    return frame[months.isin(train)], frame[months == test]
