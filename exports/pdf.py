"""PDF previews of the exported workbooks: LibreOffice headless prints each workbook to PDF.

Users check the forms before they send them (書類出力 page, ``kyoso export --pdf``).  Each conversion runs in a
fresh temporary folder with a throwaway LibreOffice profile (``-env:UserInstallation``, set to recalculate
every formula on load), under a timeout; nothing outside that folder is touched.  Without LibreOffice the
caller gets :class:`PdfUnavailable`, whose message says how to install it.  ``pdftoppm`` (poppler-utils), when
present, renders a page as PNG for a picture in the app.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from exports.packet import Document
from exports.safe_write import OutputRefused, check_not_protected
from schemas.errors import BilingualError

INSTALL_HINT = "sudo apt-get install libreoffice-calc-nogui"
TIMEOUT_S = 180
PDF_MIME = "application/pdf"

# the profile's settings: recalculate on load, so the PDF shows the same figures Excel would
_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


class PdfUnavailable(BilingualError):
    """No PDF could be made (LibreOffice missing, timed out or failed); ``ja``/``en`` say why and what to do."""


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_filename(doc: Document) -> str:
    return str(Path(doc.filename).with_suffix(".pdf"))


def to_pdf(documents: Sequence[Document], timeout: float = TIMEOUT_S) -> dict[str, bytes]:
    """Each workbook as PDF, by document key (one LibreOffice run for all of them)."""
    program = soffice()
    if program is None:
        raise PdfUnavailable(
            f"PDF を作るには LibreOffice が必要です。インストールしてください: {INSTALL_HINT}",
            f"LibreOffice is needed to make the PDF; install it: {INSTALL_HINT}",
        )
    with tempfile.TemporaryDirectory(prefix="kyoso-pdf-") as tmp:
        work = Path(tmp)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
        src, out = work / "in", work / "out"
        src.mkdir()
        out.mkdir()
        files = []
        for doc in documents:  # plain ASCII names inside the folder; the user's names are only for the results
            path = src / f"{doc.key}.xlsx"
            path.write_bytes(doc.data)
            files.append(path)
        cmd = [program, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
               "--nologo", "--nolockcheck", "--convert-to", "pdf", "--outdir", str(out), *map(str, files)]
        env = {**os.environ, "HOME": str(work), "TMPDIR": str(work)}
        try:
            proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"LibreOffice が {timeout:.0f} 秒以内に終わりませんでした",
                                 f"LibreOffice did not finish within {timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfUnavailable(f"LibreOffice を起動できません: {exc}", f"cannot start LibreOffice: {exc}") from exc
        result = {}
        for doc in documents:
            pdf = out / f"{doc.key}.pdf"
            if not pdf.is_file():
                detail = (proc.stderr or proc.stdout or "").strip()[-500:]
                raise PdfUnavailable(f"LibreOffice が {doc.title} を PDF にできませんでした: {detail}",
                                     f"LibreOffice could not convert {doc.title} to PDF: {detail}")
            result[doc.key] = pdf.read_bytes()
        return result


def page_png(pdf: bytes, page: int = 1, dpi: int = 80, timeout: float = 60) -> bytes | None:
    """One page of a PDF as PNG (``pdftoppm``), or None when poppler-utils is not installed or it fails."""
    program = shutil.which("pdftoppm")
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="kyoso-png-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        try:
            subprocess.run([program, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                            str(src), str(Path(tmp) / "page")], capture_output=True, timeout=timeout, check=True)
        except (subprocess.SubprocessError, OSError):
            return None
        png = Path(tmp) / "page.png"
        return png.read_bytes() if png.is_file() else None


def check_pdf_targets(paths: Iterable[Path], *, inputs: Iterable[Path] = (), databases: Iterable[Path] = (),
                      force: bool = False) -> None:
    """Like :func:`exports.safe_write.check_outputs` for the PDF previews: never an input or the database, never a
    folder, and an existing file only when it is a PDF (an earlier preview) or with ``force``."""
    inputs, databases = list(inputs), list(databases)
    for path in paths:
        check_not_protected(path, inputs=inputs, databases=databases)
        if path.is_dir():
            raise OutputRefused(f"{path}: フォルダです。ファイル名を指定してください", f"{path}: is a folder; give a file name")
        if not force and (path.exists() or path.is_symlink()) and not _is_pdf(path):
            raise OutputRefused(
                f"{path}: 既存のファイルは PDF ではないため上書きしません。別の出力先を指定するか、"
                "上書きしてよければ --force を付けてください",
                f"{path}: the existing file is not a PDF, so it is not overwritten; give another output, "
                "or add --force to overwrite it",
            )


def _is_pdf(path: Path) -> bool:
    try:
        if not path.is_file() or path.is_symlink():
            return False
        with open(path, "rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False
