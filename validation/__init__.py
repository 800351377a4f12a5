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
=====================================================  ==========  ===========================
"""

from validation.drift import ReferenceProfile, psi
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

__all__ = [
    "ColumnRule", "CrossFieldRule", "DriftRow", "DriftThresholds", "Failure", "GuardLimits",
    "IdentityBand", "Outcome",
    "ReferenceProfile", "ReportPaths", "TableRules", "ValidationResult", "psi", "validate",
    "write_report",
]  # fmt: skip
