"""The REST API (``/api/v1``) and the review page; :func:`api.main.create_app` builds it."""
