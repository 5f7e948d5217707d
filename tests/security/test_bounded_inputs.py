"""Bounded inputs: a hostile workbook or plan "file" is refused quickly and with little memory.

Every hostile input is built here, then ``python -m cli import-costs|check|summary`` runs in a child
of a small wrapper process that reports the child's exit code, its peak RSS
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``, the wrapper has no other child) and its wall time.  The child's
address space is capped at 2 GiB so a regression fails the test instead of taking the machine down.
"""

from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from exports import costs_import
from tests.conftest import SAMPLE_PLAN

ROOT = Path(__file__).resolve().parents[2]
PEAK_MB = 300
SECONDS = 5.0  # the refusal itself: wall time less the start-up of the same command on a tiny valid input
AS_CAP = 2 * 1024**3
WALL_TIMEOUT = 60

_WRAPPER = r"""
import json, resource, subprocess, sys, time
cap, timeout = int(sys.argv[1]), float(sys.argv[2])
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
start = time.monotonic()
try:
    p = subprocess.run(sys.argv[3:], capture_output=True, preexec_fn=limit, timeout=timeout)
    code, out, err = p.returncode, p.stdout, p.stderr
except subprocess.TimeoutExpired as exc:
    code, out, err = "timeout", exc.stdout or b"", exc.stderr or b""
seconds = time.monotonic() - start
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak_mb,
                  "out": out.decode("utf-8", "replace")[-4000:], "err": err.decode("utf-8", "replace")[-4000:]}))
"""


@dataclass
class Measured:
    code: int | str
    seconds: float
    peak_mb: float
    out: str
    err: str


def measure(*args: str | Path) -> Measured:
    """Run ``python -m cli ARGS`` in a capped grandchild; its exit code, peak RSS and wall time."""
    cmd = [sys.executable, "-c", _WRAPPER, str(AS_CAP), str(WALL_TIMEOUT),
           sys.executable, "-m", "cli", *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=WALL_TIMEOUT + 30,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return Measured(**json.loads(done.stdout))


# ------------------------------------------------------------------------------------------------
# hostile workbooks, written member by member with zipfile

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} {_RNS}>'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SST_SMALL = f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS}><si><t>ID</t></si></sst>'


def _sheet(rows: Iterator[bytes] | bytes, dimension: str | None = "A1:A1") -> Iterator[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    if isinstance(rows, bytes):
        yield rows
    else:
        yield from rows
    yield b"</sheetData></worksheet>"


def _chunked(parts: Iterator[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    buf: list[bytes] = []
    n = 0
    for p in parts:
        buf.append(p)
        n += len(p)
        if n >= size:
            yield b"".join(buf)
            buf, n = [], 0
    if buf:
        yield b"".join(buf)


def write_book(path: Path, sheet: Iterator[bytes] | None = None, sst: Iterator[bytes] | None = None,
               extra: int = 0) -> Path:
    """A minimal workbook; the sheet and shared-string parts are streamed into the zip (never whole)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        for name, parts in (("xl/worksheets/sheet1.xml", sheet or _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>')),
                            ("xl/sharedStrings.xml", sst or iter([_SST_SMALL.encode()]))):
            with zf.open(name, "w", force_zip64=True) as dst:
                for chunk in _chunked(parts):
                    dst.write(chunk)
        for i in range(extra):
            zf.writestr(zipfile.ZipInfo(f"x/{i}"), b"")
    return path


def _rows(n: int, with_ref: bool = True) -> Iterator[bytes]:
    if with_ref:
        return (f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>'.encode() for i in range(1, n + 1))
    return (f"<row><c><v>{i * 7919 % 100_003}</v></c></row>".encode() for i in range(n))


def _sst(count: int, text: bytes | None = None) -> Iterator[bytes]:
    """``count`` shared strings: ``text`` each, or the (hardly compressible) string number."""
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="{count}" uniqueCount="{count}">'.encode()
    yield from (b"<si><t>" + (text if text is not None else str(i * 7919 % 1_000_003).encode()) + b"</t></si>"
                for i in range(count))
    yield b"</sst>"


def _lying_book(path: Path) -> Path:
    """A sheet part of 128 MiB of XML whose zip entries (local and central) claim it holds 1 KiB."""
    big = 128 * 1024 * 1024
    filler = b"<!--" + b"x" * (1 << 20) + b"-->"
    write_book(path, sheet=_sheet(iter([filler] * (big // len(filler)))))
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    lied = 0
    pos = 0
    while (pos := data.find(name, pos + 1)) != -1:
        for sig, head, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
            start = pos - head
            if data[start:start + 4] == sig:
                extra_len = struct.unpack_from("<H", data, start + (30 if sig == b"PK\x01\x02" else 28))[0]
                if struct.unpack_from("<I", data, start + size_at)[0] == 0xFFFFFFFF:  # zip64: sizes in the extra
                    ext = start + head + len(name)
                    end = ext + extra_len
                    while ext < end:
                        tag, ln = struct.unpack_from("<HH", data, ext)
                        if tag == 1:
                            struct.pack_into("<Q", data, ext + 4, 1024)  # uncompressed size first
                        ext += 4 + ln
                else:
                    struct.pack_into("<I", data, start + size_at, 1024)
                lied += 1
    assert lied == 2
    path.write_bytes(bytes(data))
    return path


# ------------------------------------------------------------------------------------------------
# the cases


@pytest.fixture(scope="module")
def plan_file() -> Path:
    return SAMPLE_PLAN


BOOKS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "dimension bomb": (lambda p: write_book(p, sheet=_sheet(
        b'<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        dimension="A1:XFD1048576")), "dimension"),
    "shared-string bomb": (lambda p: write_book(p, sst=_sst(100_000, b"a" * 2000)), "uncompressed"),
    "shared-string count": (lambda p: write_book(p, sst=_sst(costs_import.MAX_SHARED_STRINGS + 1)),
                            "shared strings"),
    "shared-string characters": (lambda p: write_book(p, sst=_sst(1, base64.b64encode(
        os.urandom(costs_import.MAX_SHARED_STRING_CHARS * 3 // 4 + 3000)))), "characters"),
    "million rows": (lambda p: write_book(p, sheet=_sheet(_rows(1_000_000), dimension=None)), "uncompressed"),
    "rows over the limit": (lambda p: write_book(p, sheet=_sheet(_rows(costs_import.MAX_SHEET_ROWS + 1, False),
                                                               dimension=None)), "rows"),
    "many columns": (lambda p: write_book(p, sheet=_sheet(iter([b'<row r="1">', *(
        f'<c r="{get_column_letter(i)}1"><v>{i}</v></c>'.encode() for i in range(1, 16_385)), b"</row>"]),
        dimension=None)), "columns"),
    "many cells": (lambda p: write_book(p, sheet=_sheet(
        (b"<row>" + b"".join(f"<c><v>{r * 200 + i}</v></c>".encode() for i in range(200)) + b"</row>"
         for r in range(costs_import.MAX_CELLS // 200 + 1)),
        dimension=None)), "cells"),
    "zip member lying about its size": (_lying_book, ""),
    "many zip members": (lambda p: write_book(p, extra=60_000), "members"),
}


def _check(m: Measured, needle: str) -> None:
    text = m.err + m.out
    assert m.code == 2, (m.code, text[-2000:])
    assert "Traceback" not in text
    assert needle.lower() in text.lower(), text[-2000:]
    assert m.peak_mb <= PEAK_MB, f"peak {m.peak_mb:.0f} MB"
    assert m.seconds - _startup() <= SECONDS, f"{m.seconds:.1f} s (start-up {_startup():.1f} s)"


_STARTUP: list[float] = []


def _startup() -> float:
    """Seconds the command takes to start and refuse a one-byte file: Python, imports (machine-dependent)."""
    if not _STARTUP:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            book = Path(tmp) / "tiny.xlsx"
            book.write_bytes(b"x")
            plan = Path(tmp) / "p.json"
            plan.write_bytes(SAMPLE_PLAN.read_bytes())
            _STARTUP.append(min(measure("import-costs", plan, book, "-o", Path(tmp) / "o.json").seconds
                                for _ in range(2)))
    return _STARTUP[0]


@pytest.mark.parametrize("case", list(BOOKS))
def test_hostile_workbook_is_refused(case: str, plan_file: Path, tmp_path: Path) -> None:
    build, needle = BOOKS[case]
    book = build(tmp_path / "book.xlsx")
    out = tmp_path / "new.json"
    m = measure("import-costs", plan_file, book, "-o", out, "--lang", "en")
    _check(m, needle or "not imported")
    assert not out.exists()


def test_refusals_are_bilingual(plan_file: Path, tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", sheet=_sheet(b"", dimension="A1:XFD1048576"))
    m = measure("import-costs", plan_file, book, "-o", tmp_path / "new.json")
    assert m.code == 2
    assert "上限" in m.out + m.err


# ------------------------------------------------------------------------------------------------
# plan files that are not files


def _zero(tmp: Path) -> Path:
    return Path("/dev/zero")


def _fifo(tmp: Path) -> Path:
    path = tmp / "plan.fifo"
    os.mkfifo(path)
    return path


def _folder(tmp: Path) -> Path:
    path = tmp / "plan.json"
    path.mkdir()
    return path


def _sparse(tmp: Path) -> Path:
    path = tmp / "huge.json"
    with path.open("wb") as f:
        f.truncate(2 * 1024**3 + 1)
    return path


NOT_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "/dev/zero": (_zero, "not a regular file"),
    "FIFO": (_fifo, "not a regular file"),
    "directory": (_folder, "folder"),
    "2 GiB sparse file": (_sparse, "too large"),
}


@pytest.mark.parametrize("command", ["check", "summary"])
@pytest.mark.parametrize("case", list(NOT_FILES))
def test_plan_that_is_not_a_small_file_is_refused(command: str, case: str, tmp_path: Path) -> None:
    make, needle = NOT_FILES[case]
    m = measure(command, make(tmp_path), "--lang", "en")
    _check(m, needle)


@pytest.mark.parametrize("case", ["/dev/zero", "FIFO", "2 GiB sparse file"])
def test_workbook_that_is_not_a_small_file_is_refused(case: str, plan_file: Path, tmp_path: Path) -> None:
    make, needle = NOT_FILES[case]
    m = measure("import-costs", plan_file, make(tmp_path), "-o", tmp_path / "new.json", "--lang", "en")
    _check(m, needle)


def test_sparse_file_just_over_the_limit_is_not_trusted_by_its_size(tmp_path: Path) -> None:
    """A file that grows after stat is still read only up to the limit (read limit+1, not st_size)."""
    from schemas.loader import InputRefused, read_bounded

    path = tmp_path / "plan.json"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputRefused) as exc:
        read_bounded(path, 100)
    assert "100" in exc.value.en
    assert read_bounded(path, 101) == b"x" * 101


def test_sniff_format_reads_bytes_not_the_file_again() -> None:
    from schemas.itdonyu import sniff_format

    assert sniff_format(b'{"format": "itdonyu-application/1"}') == "itdonyu-application/1"
    assert sniff_format(b'{"format": "kyoso-plan/1"}') is None
    assert sniff_format(Path("/dev/zero")) is None
