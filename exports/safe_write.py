"""Writing a command's output files safely (docs/security.md, "Output files").

Every file a ``kyoso`` command writes goes through :func:`write_outputs`:

1. **All names are checked before the first byte is written.**  A target is refused (:class:`OutputRefused`,
   the command exits 2 and nothing at all is written) when it is
   - one of the command's input files (same path after resolving symlinks, or the same file through a
     hard link: ``os.path.samefile``),
   - the plan store's SQLite database or its ``-wal``/``-shm``/``-journal`` files (the configured store and
     any ``--db`` given), however it is spelled,
   - a folder,
   - an existing file that is not the command's own kind of output (a ``kyoso-plan/1`` JSON file for
     ``optimize``/``import-costs``/``plans export``; for ``export`` the workbooks it writes, its zip and its
     ``.eml`` draft) — unless ``force`` (``--force``) is given.  Inputs and the database are refused even
     with ``--force``.
   Overwriting the command's own earlier output (re-exporting into the same folder, optimising into the
   same OUT.json) needs no ``--force``.
2. **Each file is written atomically**: a fresh temporary file beside the target (created exclusively, so
   it never follows a symlink or reuses a file), fsync'ed, then ``os.replace``'d into place, and the folder
   fsync'ed.  All temporary files are written first and renamed only when every one of them is complete, so
   a full disk or an unwritable folder leaves no partial output.

This module reads only the first bytes of an existing target to recognise it; it never deletes anything
but its own temporary files.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import os
import secrets
import stat
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from schemas.errors import BilingualError

PLAN = "plan"  # a kyoso-plan/… JSON file
WORKBOOK = "xlsx"  # a workbook written by kyoso export (custom property kyoso_export)
PACKET_ZIP = "zip"  # the export's zip of workbooks
EML = "eml"  # the export's e-mail draft

_KIND_TEXT = {
    PLAN: ("計画ファイル(kyoso-plan/1 JSON)", "a plan file (kyoso-plan/1 JSON)"),
    WORKBOOK: ("kyoso export が書き出したワークブック", "a workbook written by kyoso export"),
    PACKET_ZIP: ("kyoso export が書き出した zip", "a zip written by kyoso export"),
    EML: ("kyoso export が書き出したメール下書き", "an e-mail draft written by kyoso export"),
}
_MAX_PLAN_BYTES = 64 * 1024 * 1024  # larger files are not recognised as plans (then --force is needed)
_HEAD_BYTES = 64 * 1024


class OutputRefused(BilingualError):
    """An output target that must not be written; ``ja``/``en`` say what to do instead."""


@dataclass(frozen=True)
class Output:
    path: Path
    kind: str
    data: bytes


# -- what is protected ---------------------------------------------------------------------------------


def _same(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
    except (OSError, RuntimeError):
        pass
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# -- recognising the command's own outputs ---------------------------------------------------------------


def _head(path: Path, size: int = _HEAD_BYTES) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


def _is_plan(path: Path) -> bool:
    if path.stat().st_size > _MAX_PLAN_BYTES:
        return False
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and str(data.get("format", "")).startswith("kyoso-plan/")


def _is_workbook(path: Path) -> bool:
    from exports.common import EXPORT_FORMAT

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/custom.xml")
            if info.file_size > _HEAD_BYTES:
                return False
            custom = zf.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return False
    return "kyoso_export" in custom and EXPORT_FORMAT in custom


def _is_packet_zip(path: Path) -> bool:
    from exports.naming import DOCUMENTS

    stems = tuple(f"_{stem}.xlsx" for _key, stem in DOCUMENTS)
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        return False
    return bool(names) and all("/" not in n and n.endswith(stems) for n in names)


def _is_eml(path: Path) -> bool:
    head = _head(path)
    end = head.find(b"\r\n\r\n")
    if end < 0:
        end = head.find(b"\n\n")
    if end < 0:
        return False
    try:
        msg = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(head[:end])
        return str(msg.get("X-Unsent", "")).strip() == "1" and "応募書類送付" in str(msg.get("Subject", ""))
    except Exception:  # an unparsable header is simply not our draft
        return False


_RECOGNISERS = {PLAN: _is_plan, WORKBOOK: _is_workbook, PACKET_ZIP: _is_packet_zip, EML: _is_eml}


def is_own_output(path: Path, kind: str) -> bool:
    """Whether the existing file at ``path`` is a file of ``kind`` as this program writes it."""
    try:
        return path.is_file() and _RECOGNISERS[kind](path)
    except OSError:
        return False


# -- checking ---------------------------------------------------------------------------------------------


def check_not_protected(path: Path, *, inputs: Iterable[Path] = (), databases: Iterable[Path] = ()) -> None:
    """Raise :class:`OutputRefused` if ``path`` is an input file or the plan store's database (never written)."""
    databases = [Path(p) for p in databases]
    for src in inputs:
        if _same(path, Path(src)):
            raise OutputRefused(
                f"{path}: 入力ファイル({src})には書き込みません。別の出力先を指定してください",
                f"{path}: is an input file ({src}) and is never overwritten; give another output",
            )
    for db in databases:
        if _same(path, db):
            raise OutputRefused(
                f"{path}: 計画ストアのデータベース({db})には書き込みません。別の出力先を指定してください",
                f"{path}: is the plan store's database ({db}) and is never overwritten; give another output",
            )


def check_outputs(targets: Iterable[tuple[Path, str]], *, inputs: Iterable[Path] = (),
                  databases: Iterable[Path] = (), force: bool = False) -> None:
    """Raise :class:`OutputRefused` for the first target that must not be written (see the module doc)."""
    inputs = [Path(p) for p in inputs]
    databases = [Path(p) for p in databases]
    for path, kind in targets:
        check_not_protected(path, inputs=inputs, databases=databases)
        if path.is_dir():
            raise OutputRefused(
                f"{path}: フォルダです。ファイル名を指定してください",
                f"{path}: is a folder; give a file name",
            )
        if not force and (path.exists() or path.is_symlink()) and not is_own_output(path, kind):
            ja, en = _KIND_TEXT[kind]
            raise OutputRefused(
                f"{path}: 既存のファイルは「{ja}」ではないため上書きしません。別の出力先を指定するか、"
                "上書きしてよければ --force を付けてください",
                f"{path}: the existing file is not {en}, so it is not overwritten; give another output, "
                "or add --force to overwrite it",
            )


# -- writing ----------------------------------------------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_temp(path: Path, data: bytes) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        try:
            old = os.stat(path)  # keep the mode of the file being replaced (e.g. 0600 on a private plan)
            if stat.S_ISREG(old.st_mode):
                os.fchmod(fd, stat.S_IMODE(old.st_mode))
        except OSError:
            pass
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    return tmp


def write_files(files: Mapping[Path, bytes]) -> list[Path]:
    """Write every file through a temporary beside it; rename them only when all are complete."""
    temps: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            temps[path] = _write_temp(path, data)
        for path in list(temps):
            os.replace(temps.pop(path), path)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    for folder in dict.fromkeys(p.parent for p in files):
        _fsync_dir(folder)
    return list(files)


def write_outputs(outputs: Iterable[Output], *, inputs: Iterable[Path] = (),
                  databases: Iterable[Path] = (), force: bool = False) -> list[Path]:
    """Check every output (:func:`check_outputs`), then write them all (:func:`write_files`)."""
    outputs = list(outputs)
    check_outputs(((o.path, o.kind) for o in outputs), inputs=inputs, databases=databases, force=force)
    return write_files({o.path: o.data for o in outputs})
