"""Shared test fixtures and the hypothesis profiles.

Hypothesis runs derandomized (a fixed seed budget) so CI is repeatable.  Raise the budget for a
longer, nightly-scale run with ``KYOSO_HYPOTHESIS_EXAMPLES=5000 make test``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# The plan-store fixtures (store, db_url, plan, one PostgreSQL server per session) for every folder.
pytest_plugins = ["tests.store_fixtures"]

# The app autosaves accepted edits to the plan store: tests must never write into ./data of the checkout.
os.environ.setdefault("KYOSO_DATA_DIR", tempfile.mkdtemp(prefix="kyoso-test-data-"))

ROOT = Path(__file__).resolve().parent.parent
# Reference files the tests read (verbatim copies, sources in tests/fixtures/README.md).
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"
SAMPLE_PLAN = EXAMPLES / "model-case-2.json"

settings.register_profile(
    "default",
    max_examples=int(os.environ.get("KYOSO_HYPOTHESIS_EXAMPLES", "100")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile("default")


@pytest.fixture
def sample_plan_path() -> Path:
    return SAMPLE_PLAN


@pytest.fixture
def sample_plan_dict() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def output_dir() -> Path:
    """Where tests leave artefacts for people to look at (screenshots, exported files)."""
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    return out

