"""Errors of the store a caller can act on; each names the record concerned."""

from __future__ import annotations

from prospect.exceptions import ProspectError


class StoreError(ProspectError):
    """Base class for store errors."""


class AlreadyExistsError(StoreError):
    """A record with the same unique key exists (e.g. a username)."""


class RecordNotFoundError(StoreError):
    """No record with the given id."""


class InvalidTransitionError(StoreError):
    """A status change not allowed from the record's current status."""


class SchemaNotCurrentError(StoreError):
    """The database's schema is not the one this code was written for (names what to run)."""
