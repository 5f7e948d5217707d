"""Alembic migrations of the plan store (run by :mod:`planner.store.migrate`)."""
