"""No command writes over its input, the plan store's database or a file that is not its own output.

Each attack: the exit code is 2, the message says what to fix, the target is byte-identical afterwards
and no file at all was written (nothing partial, no temporary file left behind).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from exports.naming import document_filename, packet_basename
from tests.security.files_helpers import Workdir, kyoso, make_workdir, tree

NAME = "来店予測共創コンソーシアム"
ZIP = f"{packet_basename(NAME)}.zip"
EML = f"{packet_basename(NAME)}送付.eml"
BOOK = document_filename(NAME, "application")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Workdir:
    return make_workdir(tmp_path, monkeypatch, capsys)


def _refused(capsys: pytest.CaptureFixture[str], work: Workdir, *args: str | Path, words: tuple[str, ...] = ()) -> str:
    before = tree(work.root)
    run = kyoso(capsys, *args)
    assert run.code == 2, (run.code, run.out, run.err)
    assert tree(work.root) == before  # the target byte-identical, nothing partial, no temp file
    assert run.err.strip()
    for w in words:
        assert w in run.err, run.err
    return run.err


# -- kyoso plans export -o ---------------------------------------------------------------------------


def test_plans_export_onto_the_database(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    _refused(capsys, work, "plans", "export", work.plan_id, "-o", work.db, words=("データベース",))
    _refused(capsys, work, "plans", "export", work.plan_id, "-o", work.db, "--force")  # never, even forced
    _refused(capsys, work, "plans", "--lang", "en", "export", work.plan_id, "-o", work.db, words=("database",))
    assert kyoso(capsys, "plans", "list").code == 0  # still a database


def test_plans_export_onto_wal_shm_and_links_to_the_database(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        _refused(capsys, work, "plans", "export", work.plan_id, "-o", f"{work.db}{suffix}")
    (work.root / "link.json").symlink_to(work.db)
    _refused(capsys, work, "plans", "export", work.plan_id, "-o", work.root / "link.json")
    os.link(work.db, work.root / "hard.json")
    _refused(capsys, work, "plans", "export", work.plan_id, "-o", work.root / "hard.json")
    # the database given with --db is protected the same way
    other = work.root / "other.db"
    url = f"sqlite:///{other}"
    assert kyoso(capsys, "plans", "--db", url, "new", work.plan).code == 0
    pid = kyoso(capsys, "plans", "--db", url, "list", "--json")
    _refused(capsys, work, "plans", "--db", url, "export", json.loads(pid.out)[0]["id"], "-o", other)


def test_plans_export_onto_a_file_that_is_not_a_plan(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    notes = work.root / "notes.json"
    notes.write_text('{"mine": true}\n', encoding="utf-8")
    err = _refused(capsys, work, "plans", "export", work.plan_id, "-o", notes, words=("--force",))
    assert "notes.json" in err
    assert kyoso(capsys, "plans", "export", work.plan_id, "-o", notes, "--force").code == 0
    assert json.loads(notes.read_text(encoding="utf-8"))["format"] == "kyoso-plan/1"
    # its own earlier output is overwritten without --force
    assert kyoso(capsys, "plans", "export", work.plan_id, "-o", notes).code == 0
    # a folder is never a plan file
    (work.root / "d").mkdir()
    _refused(capsys, work, "plans", "export", work.plan_id, "-o", work.root / "d", "--force")


def test_plans_export_onto_its_input_file(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    # an existing plan file is the command's own kind of output: writing it is allowed, atomically
    out = work.root / "again.json"
    assert kyoso(capsys, "plans", "export", work.plan_id, "-o", out).code == 0
    assert kyoso(capsys, "plans", "export", work.plan_id, "-o", out).code == 0
    assert not [p for p in work.root.iterdir() if p.name.startswith(".again.json")]


# -- kyoso export -o DIR ----------------------------------------------------------------------------


def test_export_into_the_database(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    _refused(capsys, work, "export", work.plan, "-o", work.db)
    _refused(capsys, work, "export", work.plan, "-o", work.db, "--force")


def test_export_with_the_input_named_like_an_output(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    out = work.root / "out"
    out.mkdir()
    for name in (ZIP, EML, BOOK):
        src = out / name
        src.write_bytes(work.plan.read_bytes())
        err = _refused(capsys, work, "export", src, "-o", out, words=(name,))
        _refused(capsys, work, "export", src, "-o", out, "--force")
        assert "入力" in err
        src.unlink()


def test_export_over_a_file_that_is_not_an_export(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    out = work.root / "out"
    out.mkdir()
    for name in (BOOK, ZIP, EML):
        (out / name).write_bytes(b"my own notes, not an export\n")
        err = _refused(capsys, work, "export", work.plan, "-o", out, words=(name, "--force"))
        assert err
        (out / name).unlink()
    (out / ZIP).write_bytes(b"my own notes, not an export\n")
    assert kyoso(capsys, "export", work.plan, "-o", out, "--force").code in (0, 1)
    assert (out / ZIP).read_bytes()[:2] == b"PK"


def test_export_with_the_database_named_like_an_output(capsys: pytest.CaptureFixture[str], work: Workdir,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = work.root / "out"
    out.mkdir()
    db = out / ZIP
    monkeypatch.setenv("KYOSO_DATA_DIR", str(work.root / "d2"))
    monkeypatch.setenv("KYOSO_DATABASE_URL", f"sqlite:///{db}")
    assert kyoso(capsys, "plans", "list").code == 0
    assert db.exists()
    _refused(capsys, work, "export", work.plan, "-o", out, "--force", words=("データベース",))


def test_export_again_into_the_same_folder(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    out = work.root / "out"
    for password in ((), ("--password", "pw"), ()):
        run = kyoso(capsys, "export", work.plan, "-o", out, *password)
        assert run.code in (0, 1), run.err
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 7 and ZIP in names and EML in names and not [n for n in names if n.startswith(".")]


def test_export_to_an_unwritable_place(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    _refused(capsys, work, "export", work.plan, "-o", work.plan / "sub")


# -- kyoso optimize -o ------------------------------------------------------------------------------


def test_optimize_onto_its_input(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    _refused(capsys, work, "optimize", work.plan, "-o", work.plan, words=("入力",))
    _refused(capsys, work, "optimize", work.plan, "-o", work.plan, "--force")
    os.link(work.plan, work.root / "hard.json")
    _refused(capsys, work, "optimize", work.plan, "-o", work.root / "hard.json")
    (work.root / "sym.json").symlink_to(work.plan)
    _refused(capsys, work, "optimize", work.root / "sym.json", "-o", work.plan)


def test_optimize_onto_the_database_or_a_foreign_file(capsys: pytest.CaptureFixture[str], work: Workdir) -> None:
    _refused(capsys, work, "optimize", work.plan, "-o", work.db, "--force", words=("データベース",))
    _refused(capsys, work, "optimize", work.plan, "-o", f"{work.db}-wal")
    other = work.root / "data.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    _refused(capsys, work, "optimize", work.plan, "-o", other, words=("--force",))
    out = work.root / "out.json"
    assert kyoso(capsys, "optimize", work.plan, "-o", out).code in (0, 1)
    assert kyoso(capsys, "optimize", work.plan, "-o", out).code in (0, 1)  # its own output again: fine
    assert kyoso(capsys, "optimize", work.plan, "-o", other, "--force").code in (0, 1)


# -- kyoso import-costs -o --------------------------------------------------------------------------


@pytest.fixture
def book(capsys: pytest.CaptureFixture[str], work: Workdir) -> Path:
    assert kyoso(capsys, "export", work.plan, "-o", work.root / "out").code in (0, 1)
    return work.root / "out" / BOOK


def test_import_costs_onto_its_inputs(capsys: pytest.CaptureFixture[str], work: Workdir, book: Path) -> None:
    _refused(capsys, work, "import-costs", work.plan, book, "-o", work.plan, "--force")
    _refused(capsys, work, "import-costs", work.plan, book, "-o", book, "--force")
    os.link(work.plan, work.root / "hard.json")
    _refused(capsys, work, "import-costs", work.plan, book, "-o", work.root / "hard.json", "--force")
    (work.root / "sym.xlsx").symlink_to(book)
    _refused(capsys, work, "import-costs", work.plan, book, "-o", work.root / "sym.xlsx")


def test_import_costs_onto_the_database_or_a_foreign_file(capsys: pytest.CaptureFixture[str], work: Workdir,
                                                          book: Path) -> None:
    _refused(capsys, work, "import-costs", work.plan, book, "-o", work.db, "--force", words=("データベース",))
    _refused(capsys, work, "import-costs", work.plan, book, "-o", f"{work.db}-shm", "--force")
    other = work.root / "keep.txt"
    other.write_text("mine\n", encoding="utf-8")
    _refused(capsys, work, "import-costs", work.plan, book, "-o", other, words=("--force",))
    out = work.root / "new.json"
    assert kyoso(capsys, "import-costs", work.plan, book, "-o", out).code in (0, 1)
    assert kyoso(capsys, "import-costs", work.plan, book, "-o", out).code in (0, 1)
