"""Data-quality gate: great-expectations suites, cross-field rules, drift (PSI) and reports.

A library: it takes a DataFrame and an explicit :class:`TableRules`, and knows nothing of
where the rules came from.

Outcome policy (the worst failure wins):

=====================================================  ==========  ===========================
check                                                  quarantine  warn
=====================================================  ==========  ===========================
required column missing, wrong type                    always      -
duplicate id (within the month), rows of another month always      -
row count outside ``row_count_band`` x reference       always      -
spreadsheet formula (``=``, ``+``, ``-``, ``@``) in
free text                                              always      -
not-null, range, allowed values (unseen category)      share >     share <= ``value_tolerance``
                                                       tolerance   (default 0.1% of rows)
cross-field rule broken on more than ``1 - mostly``    severity    severity ``warn``
                                                       ``quarantine``
PSI against the reference                              >= fail     >= warn (0.1); per column
                                                       (0.25)      in ``column_drift``
rise of the missing share over the reference           >= 0.2      >= 0.05
guarded column (``guards``): a value's share moves      beyond      -
beyond ``guard_limits``, PSI >= guard psi, missing      limits
share up by more than ``missing_rise``
value not in a declared format (``formats``)            share >     share <= tolerance
                                                       tolerance
ids seen in the reference month below ``seen_min``;     always      -
a known id list (suppression, contact history)
matching less than ``list_ratio_min`` of before;
rows repeating the reference month above
``repeat_max``
=====================================================  ==========  ===========================

PSI is computed once for the project in :mod:`validation.stability_index`, with its bands.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names load on first use (PEP 562): ``validation.stability_index`` -- the project's one PSI,
# which the ``risk`` library's stability monitoring also uses -- costs no great-expectations
# import.
_EXPORTS = {
    "ReferenceProfile": "validation.drift", "validate": "validation.gate",
    "psi": "validation.stability_index",
    "ReportPaths": "validation.report", "write_report": "validation.report",
    "DriftRow": "validation.result", "Failure": "validation.result",
    "Outcome": "validation.result", "ValidationResult": "validation.result",
    "ColumnRule": "validation.rules", "CrossFieldRule": "validation.rules",
    "DriftThresholds": "validation.rules", "GuardLimits": "validation.rules",
    "IdentityBand": "validation.rules", "TableRules": "validation.rules",
}  # fmt: skip
__all__ = [
    "ColumnRule", "CrossFieldRule", "DriftRow", "DriftThresholds", "Failure", "GuardLimits",
    "IdentityBand", "Outcome", "ReferenceProfile", "ReportPaths", "TableRules",
    "ValidationResult", "psi", "validate", "write_report",
]  # fmt: skip

if TYPE_CHECKING:
    from validation.drift import ReferenceProfile
    from validation.gate import validate
    from validation.report import ReportPaths, write_report
    from validation.result import DriftRow, Failure, Outcome, ValidationResult
    from validation.rules import (
        ColumnRule,
        CrossFieldRule,
        DriftThresholds,
        GuardLimits,
        IdentityBand,
        TableRules,
    )
    from validation.stability_index import psi


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'validation' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
