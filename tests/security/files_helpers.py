"""Set-up shared by test_safe_writes.py and test_data_files.py: the CLI in-process, a folder snapshot, and a
working folder with a plan, a plan store and its database."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "model-case-2.json"


@dataclass
class Run:
    code: int
    out: str
    err: str


def kyoso(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Run:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    return Run(code, out, err)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (symlinks by their target text)."""
    got: dict[str, bytes] = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            got[str(p.relative_to(folder))] = b"->" + os.readlink(p).encode()
        elif p.is_file():
            got[str(p.relative_to(folder))] = p.read_bytes()
    return got


def flexible(data: dict[str, Any]) -> dict[str, Any]:
    for c in data["costs"]:
        amount = int(c["hours"] * c["hourly_rate_yen"]) if c["category"] == "labour" else c["unit_price_yen"] * c["quantity"]
        c["flex"] = {"min_yen": amount // 2, "max_yen": amount * 2}
    return data


@dataclass
class Workdir:
    root: Path
    plan: Path
    db: Path
    plan_id: str


def make_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Workdir:
    """``tmp_path`` as the current folder: ``p.json`` (the sample, flexible lines) and a store in ``data/``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KYOSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("KYOSO_DEBUG", raising=False)
    monkeypatch.setenv("KYOSO_DATA_DIR", str(tmp_path / "data"))
    plan = tmp_path / "p.json"
    plan.write_text(json.dumps(flexible(json.loads(SAMPLE.read_text(encoding="utf-8"))), ensure_ascii=False, indent=1),
                    encoding="utf-8")
    run = kyoso(capsys, "plans", "new", plan)
    assert run.code == 0, run.err
    return Workdir(tmp_path, plan, tmp_path / "data" / "kyoso.db", run.out.strip())
