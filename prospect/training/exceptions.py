"""Errors of training and the model registry a user can act on; each names the file or version."""

from __future__ import annotations

from prospect.exceptions import ProspectError


class TrainingDataError(ProspectError):
    """The training folder holds too few months, or months without the labels training needs."""


class BundleError(ProspectError):
    """A model bundle cannot be used."""


class BundleIntegrityError(BundleError):
    """A bundle's files do not match the checksum its manifest recorded (tampered or corrupt)."""


class BundleNotFoundError(BundleError, LookupError):
    """No bundle (folder or registry row) with the given version."""


class NoActiveModelError(BundleError, LookupError):
    """No bundle has been promoted yet."""


class LibraryVersionWarning(UserWarning):
    """A bundle was written by other library versions than the installed ones."""


class ScorecardOnlyError(BundleError):
    """A bundle trained on a table with a risk label only: it scores risk but selects no list,
    so it cannot be promoted or run (its scorecard serves ``train --scorecard-from``)."""
