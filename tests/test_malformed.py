"""The malformed-plan corpus (tests/malformed/): every file is answered with exit 2 and a clear message.

``tests/malformed/expectations.json`` gives, per file, the JSON path the message must name and a key
word of the English and of the Japanese message.  The command line is run as a user runs it
(``python -m cli check FILE``): exit 2, stderr names the file and the path, no traceback, the file
is not changed, and the Japanese and English messages are both there and differ.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli import main as kyoso_main
from tests.conftest import ROOT

CORPUS = Path(__file__).resolve().parent / "malformed"
EXPECTATIONS: dict[str, dict[str, str]] = json.loads((CORPUS / "expectations.json").read_text(encoding="utf-8"))
FILES = sorted(EXPECTATIONS)


def _kyoso(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def test_the_corpus_is_complete() -> None:
    on_disk = sorted(p.name for p in CORPUS.iterdir() if p.name != "expectations.json")
    assert on_disk == FILES, "every corpus file needs an expectation and every expectation a file"
    assert len(FILES) >= 25
    for name, exp in EXPECTATIONS.items():
        assert exp["path"].startswith("$") and exp["en"] and exp["ja"] and exp["what"], name


def _check_stderr(path: Path, lang: str, err: str) -> None:
    exp = EXPECTATIONS[path.name]
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.splitlines()[0].startswith(str(path)), err  # names the file
    assert exp["path"] in err, (exp["path"], err)  # names the JSON path
    assert exp[lang] in err, (exp[lang], err)  # says what is wrong
    assert ("計画ファイルを読み込めません" if lang == "ja" else "the plan file cannot be read") in err


@pytest.mark.parametrize("name", FILES)
def test_check_rejects_the_file_with_a_clear_message(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m cli check FILE`` as a user runs it (Japanese, the default), then ``--lang en``
    and ``summary --json`` in process (the same code path, without another interpreter start)."""
    path = CORPUS / name
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    mtime = path.stat().st_mtime_ns

    proc = _kyoso("check", str(path))
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    _check_stderr(path, "ja", proc.stderr)
    ja = proc.stderr.strip()

    capsys.readouterr()
    assert kyoso_main(["check", str(path), "--lang", "en"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    _check_stderr(path, "en", out.err)
    en = out.err.strip()
    assert ja and en and ja != en

    assert kyoso_main(["summary", str(path), "--json", "--lang", "ja"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.strip() == ja  # same message whichever command reads the file

    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # never changed
    assert path.stat().st_mtime_ns == mtime


def test_check_in_english_as_a_user_runs_it() -> None:
    """One file through a real ``--lang en`` process (the in-process runs above cover the rest)."""
    path = CORPUS / "unknown_key_typo.json"
    proc = _kyoso("check", str(path), "--lang", "en")
    assert proc.returncode == 2 and proc.stdout == ""
    _check_stderr(path, "en", proc.stderr)
