"""Celery workers for the monthly run: the app, thin task wrappers and the beat schedule."""
