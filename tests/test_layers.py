"""The layers of docs/architecture.md hold (import-linter contracts in pyproject.toml), and the loaders get the
rule packs they check against from their caller instead of from a registry written into them."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

import planner
import schemas
from schemas import PlanLoadError
from tests.conftest import ROOT, SAMPLE_PLAN


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "3 kept, 0 broken" in proc.stdout


def test_the_data_model_knows_no_rule_packs_the_caller_passes_them() -> None:
    data = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    other = copy.deepcopy(data)
    other["program"] = "kyoso-r9"
    assert schemas.load_plan(other).program == "kyoso-r9"  # nothing to check against: not checked
    with pytest.raises(PlanLoadError) as info:
        schemas.load_plan(other, programs=["kyoso-r4"])
    assert info.value.problems[0].path == "$.program"
    with pytest.raises(PlanLoadError):
        planner.load_plan(other)  # the engine passes its packs
    assert planner.load_plan(data).program == data["program"]
    assert set(planner.kyoso_pack_ids()) >= {"kyoso-r3", "kyoso-r4"}


def test_no_module_writes_into_the_loaders() -> None:
    import schemas.itdonyu
    import schemas.loader

    assert not hasattr(schemas.loader, "known_programs")
    assert not hasattr(schemas.itdonyu, "pack_frames")
