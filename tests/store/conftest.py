"""The store tests' fixtures live in tests/store_fixtures.py (shared with tests/security)."""

from tests.store_fixtures import ROOT, SAMPLE

__all__ = ["ROOT", "SAMPLE"]
