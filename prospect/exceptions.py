"""Domain errors of the prospect core; each message names the file, column, row or field."""


class ProspectError(Exception):
    """Base class for errors a user can act on (bad input, bad config)."""


class SpecError(ProspectError):
    """A dataset spec is malformed or unknown."""


class DataReadError(ProspectError):
    """A batch file cannot be read as the spec describes."""


class ConfigError(ProspectError):
    """A campaign or run configuration is invalid."""
