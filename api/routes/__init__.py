"""One router per resource; :mod:`api.main` mounts them under ``/api/v1``."""
