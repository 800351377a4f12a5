"""Errors of the monthly run; all are :class:`~prospect.exceptions.ProspectError` (bad input or
missing prerequisites the user can fix), so retrying them never helps."""

from prospect.exceptions import ProspectError


class RunError(ProspectError):
    """A monthly run cannot start or go on."""


class BatchNotFoundError(RunError):
    """No batch file for the requested month (or the named file does not exist)."""


class PartitionsPendingError(RunError):
    """Selection was asked for before every partition was scored (the caller waits, retries)."""
