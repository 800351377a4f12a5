"""prospect: credit-card prospects among 5G-package subscribers."""

__version__ = "0.1.0"
