"""One LibreOffice run recalculates every workbook the export tests look at.

The set: the sample plan, a capped plan, a plan with hostile text everywhere, a few hypothesis plans
(``tests/strategies.py``), the application workbook of a 2,000-line plan (``bench.generate``), the
user-edited sample workbook, and a control workbook whose cached values are wrong on purpose (it
proves LibreOffice really recalculated).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, Phase, given, settings

import planner
from bench.generate import generate_plan
from exports.packet import Document, export_documents
from planner.result import Result
from schemas import Plan, load_plan
from tests.exports.helpers import capped_plan, edit_sample_workbook, hostile_plan, precision_plan, sample_plan
from tests.exports.lo import LibreOffice
from tests.strategies import plans

GENERATED = 4


@dataclass
class Exported:
    tag: str
    plan: Plan
    result: Result
    documents: list[Document]
    recalculated: dict[str, Path] = field(default_factory=dict)  # document key → LibreOffice's xlsx

    def doc(self, key: str) -> Document:
        return next(d for d in self.documents if d.key == key)


@dataclass
class RecalcSet:
    sets: dict[str, Exported]
    control: Path
    edited: bytes
    edited_by_libreoffice: Path


def _generated_plans() -> list[Plan]:
    """Hypothesis plans (derandomized), the ones with the most cost lines, at least one capped."""
    seen: list[Plan] = []

    @settings(max_examples=40, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(plans(max_costs=40))
    def collect(plan: Plan) -> None:
        seen.append(plan)

    collect()
    results = [(p, planner.evaluate(p)) for p in seen if p.costs]
    by_size = sorted(results, key=lambda pr: -len(pr[0].costs))
    chosen = [p for p, _ in by_size[: GENERATED - 1]]
    capped = [p for p, r in by_size if r.raw_subsidy_total_yen > r.cap_yen and p not in chosen]
    chosen.append(capped[0] if capped else by_size[GENERATED - 1][0])
    return chosen


def _control_workbook(path: Path) -> None:
    """Cached values that are wrong: only a real recalculation shows 2 and 6."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("control")
    ws.write_formula(0, 0, "=1+1", None, 0)
    ws.write_number(1, 0, 1)
    ws.write_number(2, 0, 5)
    ws.write_formula(3, 0, "=SUM(A2:A3)", None, 999)
    wb.close()


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> LibreOffice:
    return LibreOffice(tmp_path_factory.mktemp("lo-profile"))


@pytest.fixture(scope="session")
def recalc(libreoffice: LibreOffice, tmp_path_factory: pytest.TempPathFactory) -> RecalcSet:
    src = tmp_path_factory.mktemp("exported")
    out = tmp_path_factory.mktemp("recalculated")
    sets: dict[str, Exported] = {}
    named = {"sample": sample_plan(), "capped": capped_plan(), "hostile": hostile_plan(),
             "precision": precision_plan()}
    for n, p in enumerate(_generated_plans()):
        named[f"gen{n}"] = p
    named["large"] = load_plan(generate_plan(2000, seed=0))
    files: list[Path] = []
    for tag, plan in named.items():
        (src / f"{tag}.plan.json").write_text(json.dumps(plan.to_json_dict(), ensure_ascii=False), encoding="utf-8")
        result = planner.evaluate(plan)
        docs = export_documents(plan, result)
        ex = Exported(tag, plan, result, docs)
        for d in docs:
            if tag == "large" and d.key != "application":
                continue
            path = src / f"{tag}__{d.key}.xlsx"
            path.write_bytes(d.data)
            files.append(path)
            ex.recalculated[d.key] = out / path.name
        sets[tag] = ex
    control = src / "control.xlsx"
    _control_workbook(control)
    edited = edit_sample_workbook(sets["sample"].doc("application").data)
    edited_path = src / "edited.xlsx"
    edited_path.write_bytes(edited)
    libreoffice.convert([*files, control, edited_path], "xlsx", out)
    return RecalcSet(sets, out / "control.xlsx", edited, out / "edited.xlsx")

