"""Print-ready: LibreOffice prints each workbook of the sample to PDF on A4, one page wide, with the
engine's figures and 令和 dates in the text; pdftoppm renders every page to PNG in test-output/exports/
for people to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from exports.packet import export_documents
from tests.conftest import ROOT
from tests.exports.helpers import sample_plan
from tests.exports.lo import LibreOffice

PAGES = {"application": 7, "overview": 5, "members": 1, "pledges": 7, "checklist": 1}


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout


@pytest.fixture(scope="module")
def printed(libreoffice: LibreOffice, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is part of scripts/setup.sh --test"
    out = ROOT / "test-output" / "exports"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    src = tmp_path_factory.mktemp("print")
    files = []
    for doc in export_documents(sample_plan()):
        path = src / f"sample_{doc.key}.xlsx"
        path.write_bytes(doc.data)
        (out / doc.filename).write_bytes(doc.data)
        files.append(path)
    pdfs = libreoffice.convert(files, "pdf", out)
    for pdf in pdfs:
        _run("pdftoppm", "-r", "80", "-png", str(pdf), str(out / pdf.stem))
    return {pdf.stem.removeprefix("sample_"): pdf for pdf in pdfs}


@pytest.mark.parametrize("key", list(PAGES))
def test_each_workbook_prints_on_a4_one_page_wide(printed: dict[str, Path], key: str) -> None:
    pdf = printed[key]
    info = _run("pdfinfo", "-f", "1", "-l", "100", str(pdf))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert len(sizes) == PAGES[key], info  # every sheet fits one page wide (and, for the sample, one long)
    for w, h in sizes:
        assert sorted((round(float(w)), round(float(h)))) == [595, 842]  # A4, portrait or landscape
    pngs = sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))
    assert len(pngs) == PAGES[key]
    assert all(p.stat().st_size > 5_000 for p in pngs)


def test_printed_text_carries_the_figures_and_wareki_dates(printed: dict[str, Path]) -> None:
    def text(key: str) -> str:
        return re.sub(r"[ \t]+", " ", _run("pdftotext", "-layout", str(printed[key]), "-"))

    app = text("application")
    for figure in ("17,820,000", "16,369,999", "10,913,332", "¥66,000,000", "2/3", "2,050,666", "100,001"):
        assert figure in app, figure
    assert "補助金交付申請書・事業計画書(総括表)" in app and "補助対象経費内訳書" in app
    overview = text("overview")
    assert "令和4年10月20日" in overview and "令和5年2月8日" in overview  # STEP1 start, STEP4 end
    assert "令和4年10月14日" in overview  # 交付決定日
    assert "API連携" in overview and "メッセージング" in overview
    pledges = text("pledges")
    titles = [ln for ln in pledges.splitlines() if ln.strip().replace(" ", "") == "誓約書"]
    assert len(titles) == 7 and "株式会社みどり食堂" in pledges
    checklist = text("checklist")
    assert "提出書類チェックリスト" in checklist and "cost.existing_tool_mod_requires_api" in checklist
