"""PDF previews with the real LibreOffice (installed by scripts/setup.sh --test; these tests never skip):
each workbook becomes a PDF with at least one page, the forms carry the consortium's name; ``kyoso export --pdf``
writes them beside the workbooks; without LibreOffice the message says how to install it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exports import pdf
from exports.packet import export_documents
from tests.conftest import SAMPLE_PLAN
from tests.exports.helpers import sample_plan

NAME = "来店予測共創コンソーシアム"


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def test_libreoffice_is_installed() -> None:
    assert pdf.soffice() is not None, f"LibreOffice is part of the test setup: {pdf.INSTALL_HINT}"
    assert shutil.which("pdftotext") and shutil.which("pdftoppm")


def test_each_workbook_becomes_a_pdf_with_the_consortium_name(tmp_path: Path) -> None:
    docs = export_documents(sample_plan())
    pdfs = pdf.to_pdf(docs)
    assert list(pdfs) == [d.key for d in docs]
    texts = {}
    for key, data in pdfs.items():
        path = tmp_path / f"{key}.pdf"
        path.write_bytes(data)
        assert data.startswith(b"%PDF-")
        assert _pages(path) >= 1
        texts[key] = _text(path).replace(" ", "")
    # the forms that name the consortium (the member sheet lists members only)
    for key in ("application", "overview", "checklist"):
        assert NAME in texts[key], key
    assert "株式会社みどり食堂" in texts["members"]
    png = pdf.page_png(pdfs["application"])
    assert png is not None and png.startswith(b"\x89PNG")


def test_cli_export_pdf_writes_a_pdf_beside_each_workbook(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "cli", "export", str(SAMPLE_PLAN), "-o", str(out), "--pdf"],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 1, proc.stderr  # the sample's error finding; written anyway
    books = sorted(out.glob("*.xlsx"))
    pdfs = sorted(out.glob("*.pdf"))
    assert [p.stem for p in pdfs] == [b.stem for b in books] and len(pdfs) == 5
    assert all(_pages(p) >= 1 for p in pdfs)
    assert NAME in _text(pdfs[0]).replace(" ", "")
    # a file that is not a PDF where a preview goes: refused (exit 2), nothing written
    again = tmp_path / "again"
    again.mkdir()
    (again / pdfs[0].name).write_text("mine", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "cli", "export", str(SAMPLE_PLAN), "-o", str(again), "--pdf"],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert [p.name for p in again.iterdir()] == [pdfs[0].name]


def test_without_libreoffice_the_message_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(pdf.PdfUnavailable) as exc:
        pdf.to_pdf(export_documents(sample_plan()))
    assert "apt-get install libreoffice-calc-nogui" in exc.value.message("ja")
    assert "apt-get install libreoffice-calc-nogui" in exc.value.message("en")
    # the command writes everything else and says the same
    env_path = tmp_path / "bin"
    env_path.mkdir()
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "cli", "export", str(SAMPLE_PLAN), "-o", str(out), "--pdf"],
                          capture_output=True, text=True, check=False, timeout=600,
                          env={"PATH": str(env_path), "HOME": str(tmp_path)})
    assert proc.returncode == 1, proc.stderr
    assert "apt-get install libreoffice-calc-nogui" in proc.stderr and "Traceback" not in proc.stderr
    assert len(list(out.glob("*.xlsx"))) == 5 and not list(out.glob("*.pdf"))
