"""Alembic migrations of the plan store (run by :mod:`store.migrate`)."""
