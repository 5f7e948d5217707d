"""The command line (plan-format.md): ``kyoso check|summary|schema|rules``, both spellings.

Every command runs in a subprocess, once as ``python -m cli`` and once as the installed ``kyoso``
script next to the interpreter.  Exit codes: 0 no error finding, 1 an error finding, 2 the file
cannot be read (stderr names the file and the JSON path, never a traceback).  The plan file's bytes
and mtime are the same after every command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from planner.kyoso.rules import RULES
from tests.conftest import FIXTURES, ROOT, SAMPLE_PLAN

KYOSO_SCRIPT = Path(sys.executable).parent / "kyoso"
CLEAN_PLAN = ROOT / "tests" / "rules" / "base.plan.json"
EXPECTED = json.loads((FIXTURES / "spec" / "examples" / "model-case-2.expected.json").read_text(encoding="utf-8"))
VIAS = ("module", "script")


@dataclass
class Run:
    code: int
    out: str
    err: str


def _command(via: str) -> list[str]:
    if via == "module":
        return [sys.executable, "-m", "cli"]
    assert KYOSO_SCRIPT.exists(), f"the console script is not installed at {KYOSO_SCRIPT}"
    return [str(KYOSO_SCRIPT)]


def kyoso(via: str, *args: str | Path, cwd: Path | None = None) -> Run:
    env = {k: v for k, v in os.environ.items() if k != "KYOSO_DEBUG"}
    proc = subprocess.run(
        [*_command(via), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


class Untouched:
    """Remembers a file's bytes and mtime; ``check()`` asserts both are unchanged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.exists = path.exists()
        self.bytes = path.read_bytes() if self.exists and path.is_file() else None
        self.mtime = path.stat().st_mtime_ns if self.exists else None

    def check(self) -> None:
        assert self.path.exists() == self.exists
        if self.bytes is not None:
            assert self.path.read_bytes() == self.bytes
        if self.mtime is not None:
            assert self.path.stat().st_mtime_ns == self.mtime
        if self.path.parent.exists():  # nothing was written next to it either
            assert not [p for p in self.path.parent.iterdir() if p.name.startswith(self.path.name + ".")]


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[Path]:
    """A copy of the bundled sample (exit 1: it has error findings); checked untouched afterwards."""
    path = tmp_path / "計画 サンプル.json"  # a name with Japanese and a space
    shutil.copy2(SAMPLE_PLAN, path)
    guard = Untouched(path)
    yield path
    guard.check()


@pytest.fixture
def clean(tmp_path: Path) -> Iterator[Path]:
    """A plan without any finding (exit 0)."""
    path = tmp_path / "clean.json"
    shutil.copy2(CLEAN_PLAN, path)
    guard = Untouched(path)
    yield path
    guard.check()


# ---------------------------------------------------------------------------------------------
# check


@pytest.mark.parametrize("via", VIAS)
def test_check_with_errors_exits_1(via: str, sample: Path) -> None:
    run = kyoso(via, "check", sample)
    assert run.code == 1, run.err
    assert run.err == ""
    for rule in EXPECTED["rules"]:
        assert rule in run.out
    assert "エラー" in run.out and "警告" in run.out
    assert "経費 c12" in run.out  # the Japanese message of cost.existing_tool_mod_requires_api
    assert "エラー 1 件、警告 2 件" in run.out


@pytest.mark.parametrize("via", VIAS)
def test_check_in_english(via: str, sample: Path) -> None:
    run = kyoso(via, "check", sample, "--lang", "en")
    assert run.code == 1
    assert "ERROR" in run.out and "WARNING" in run.out
    assert "line c12: vendor labour modifying an existing tool" in run.out
    assert "1 error(s), 2 warning(s)" in run.out
    assert "経費" not in run.out


@pytest.mark.parametrize("via", VIAS)
def test_check_without_findings_exits_0(via: str, clean: Path) -> None:
    run = kyoso(via, "check", clean)
    assert (run.code, run.err) == (0, "")
    assert "指摘はありません" in run.out
    assert kyoso(via, "check", clean, "--lang", "en").out.startswith("no findings")


def test_check_exits_0_with_only_warnings_and_info(tmp_path: Path) -> None:
    plan = json.loads(CLEAN_PLAN.read_text(encoding="utf-8"))
    plan["consortium"]["lead"] = "v1"  # info: consortium.lead_not_sme_user
    plan["costs"][0]["unit_price_yen"] = 5_000_001  # warning: cost.software_cloud_half (1 yen)
    path = tmp_path / "warn.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    run = kyoso("module", "check", path, "--lang", "en")
    assert run.code == 0, run.out
    assert "cost.software_cloud_half" in run.out and "consortium.lead_not_sme_user" in run.out
    assert "0 error(s), 1 warning(s), 1 info" in run.out


# ---------------------------------------------------------------------------------------------
# summary


@pytest.mark.parametrize("via", VIAS)
def test_summary_json_is_the_contract(via: str, sample: Path) -> None:
    run = kyoso(via, "summary", sample, "--json")
    assert run.code == 1 and run.err == ""
    got = json.loads(run.out)
    for key in ("member_count", "rate", "cap_yen", "claimed_total_yen", "eligible_total_yen", "subsidy_yen"):
        assert got[key] == EXPECTED[key], key
    assert got["program"] == "kyoso-r4"
    assert [m["id"] for m in got["members"]] == ["u1", "u2", "u3", "v1", "v2", "v3", "x1"]  # plan order
    assert [ln["id"] for ln in got["lines"]] == [f"c{i}" for i in range(1, 16)]
    for m in got["members"]:
        assert set(m) >= {"id", "role", "claimed_yen", "eligible_yen", "subsidy_yen"}
    for ln in got["lines"]:
        assert set(ln) >= {"id", "claimed_yen", "eligible_yen"}
    for f in got["findings"]:
        assert set(f) >= {"rule", "severity", "message", "refs"}
    assert sorted({f["rule"] for f in got["findings"] if f["severity"] == "error"}) == EXPECTED["error_rules"]
    ja = {f["rule"]: f["message"] for f in got["findings"]}
    assert "経費 c3" in ja["cost.term_over_one_year"]


@pytest.mark.parametrize("via", VIAS)
def test_summary_json_in_english_and_exit_0(via: str, clean: Path) -> None:
    run = kyoso(via, "summary", clean, "--json", "--lang", "en")
    assert run.code == 0
    got = json.loads(run.out)
    assert (got["member_count"], got["rate"], got["cap_yen"]) == (4, "2/3", 44_000_000)
    assert (got["claimed_total_yen"], got["eligible_total_yen"], got["subsidy_yen"]) == (6_000_000, 6_000_000, 4_000_000)
    assert got["findings"] == []


def test_summary_messages_follow_lang(sample: Path) -> None:
    en = json.loads(kyoso("module", "summary", sample, "--json", "--lang", "en").out)
    msg = {f["rule"]: f["message"] for f in en["findings"]}
    assert msg["cost.term_over_one_year"].startswith("line c3: only 12 of 18 months")


@pytest.mark.parametrize("via", VIAS)
def test_summary_text(via: str, sample: Path) -> None:
    ja = kyoso(via, "summary", sample)
    assert ja.code == 1
    assert "補助金額" in ja.out and "¥10,913,332" in ja.out and "¥66,000,000" in ja.out
    en = kyoso(via, "summary", sample, "--lang", "en")
    assert en.code == 1
    assert "subsidy" in en.out and "¥16,369,999" in en.out and "補助金額" not in en.out


# ---------------------------------------------------------------------------------------------
# schema and rules


def _kyoso_schema() -> dict[str, Any]:
    run = kyoso("script", "schema")
    assert (run.code, run.err) == (0, "")
    schema: dict[str, Any] = json.loads(run.out)
    return schema


def test_schema_is_a_json_schema_that_accepts_the_sample() -> None:
    schema = _kyoso_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for path in (SAMPLE_PLAN, CLEAN_PLAN, FIXTURES / "spec" / "examples" / "model-case-2.json"):
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        assert errors == [], path


def test_schema_rejects_what_the_loader_rejects() -> None:
    validator = jsonschema.Draft202012Validator(_kyoso_schema())
    base = json.loads(CLEAN_PLAN.read_text(encoding="utf-8"))

    def bad(change: Any) -> list[str]:
        plan = json.loads(json.dumps(base))
        change(plan)
        return [e.message for e in validator.iter_errors(plan)]

    assert bad(lambda p: p.update(unknown_key=1))  # unknown keys
    assert bad(lambda p: p["members"][0].update(capital_yen="10000000"))  # no string → int coercion
    assert bad(lambda p: p["members"][0].update(employees=1.5))
    assert bad(lambda p: p["costs"][0].update(step=5))
    assert bad(lambda p: p["members"][0].update(role="owner"))
    assert bad(lambda p: p.update(format="kyoso-plan/2"))
    assert not bad(lambda p: p.update(extra={"anything": [1, {"x": None}]}))  # extra is free


@pytest.mark.parametrize("via", VIAS)
def test_schema_via_both_spellings(via: str) -> None:
    run = kyoso(via, "schema")
    assert run.code == 0
    assert json.loads(run.out)["title"] == "kyoso-plan/1"


@pytest.mark.parametrize("via", VIAS)
def test_rules_lists_every_rule(via: str) -> None:
    run = kyoso(via, "rules")
    assert run.code == 0
    for rule in RULES:
        assert rule.id in run.out
    as_json = json.loads(kyoso(via, "rules", "--json", "--lang", "en").out)
    assert [r["id"] for r in as_json] == [r.id for r in RULES]
    assert [r["severity"] for r in as_json] == [r.severity for r in RULES]
    assert as_json[0]["checks"] == RULES[0].checks_en


# ---------------------------------------------------------------------------------------------
# unreadable files: exit 2, stderr names the file and the JSON path, nothing changes


def _write(tmp_path: Path, name: str, content: bytes | str | dict[str, Any]) -> Path:
    path = tmp_path / name
    if isinstance(content, dict):
        content = json.dumps(content, ensure_ascii=False)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _plan_with(change: Any) -> dict[str, Any]:
    plan: dict[str, Any] = json.loads(CLEAN_PLAN.read_text(encoding="utf-8"))
    change(plan)
    return plan


BAD_FILES: list[tuple[str, bytes | str | dict[str, Any], str, str]] = [
    # (name, content, JSON path in the message, a word of the English message)
    ("not-json.json", '{"format": "kyoso-plan/1",', "$", "not valid JSON"),
    ("empty.json", b"", "$", "empty"),
    ("latin1.json", '{"name": "caf\u00e9"}'.encode("latin-1"), "$", "UTF-8"),
    ("string-capital.json", _plan_with(lambda p: p["members"][0].update(capital_yen="10000000")),
     "$.members[0].capital_yen", "integer"),
    ("unknown-key.json", _plan_with(lambda p: p["costs"][1].update(colour="red")), "$.costs[1].colour", "Extra"),
    ("duplicate-id.json", _plan_with(lambda p: p["costs"][2].update(id="c1")), "$.costs[2].id", "duplicate"),
    ("bad-program.json", _plan_with(lambda p: p.update(program="kyoso-r9")), "$.program", "kyoso-r9"),
    ("bad-date.json", _plan_with(lambda p: p["schedule"][1].update(end="2022-11-31")), "$.schedule[1].end",
     "2022-11-31"),
    ("three-decimals.json", _plan_with(lambda p: p["costs"][2].update(hours="1.234")), "$.costs[2].hours", "2 decimals"),
]


@pytest.mark.parametrize(("name", "content", "json_path", "word"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_unreadable_plan_exits_2(
    tmp_path: Path, name: str, content: bytes | str | dict[str, Any], json_path: str, word: str
) -> None:
    path = _write(tmp_path, name, content)
    guard = Untouched(path)
    en = kyoso("module", "check", path, "--lang", "en")
    assert en.code == 2, (en.out, en.err)
    assert en.out == ""
    assert en.err.startswith(f"{path}: the plan file cannot be read")
    assert f"{json_path}:" in en.err, en.err
    assert word.lower() in en.err.lower(), en.err
    ja = kyoso("script", "summary", path, "--json")
    assert ja.code == 2 and ja.out == ""
    assert ja.err.startswith(f"{path}: 計画ファイルを読み込めません")
    assert f"{json_path}:" in ja.err, ja.err
    guard.check()


@pytest.mark.parametrize("via", VIAS)
def test_missing_file_and_folder_exit_2(via: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    run = kyoso(via, "check", missing, "--lang", "en")
    assert run.code == 2 and str(missing) in run.err and "$: no such file" in run.err
    assert not missing.exists()
    folder = tmp_path / "dir.json"
    folder.mkdir()
    run = kyoso(via, "summary", folder, "--json")
    assert run.code == 2 and str(folder) in run.err and "$:" in run.err


def test_relative_path_is_named_as_given(tmp_path: Path) -> None:
    path = _write(tmp_path, "rel.json", _plan_with(lambda p: p["members"][1].update(employees=-1)))
    guard = Untouched(path)
    run = kyoso("script", "check", "rel.json", "--lang", "en", cwd=tmp_path)
    assert run.code == 2
    assert run.err.startswith("rel.json: the plan file cannot be read")
    assert "$.members[1].employees:" in run.err
    guard.check()


@pytest.mark.parametrize("via", VIAS)
def test_usage_errors_exit_2_without_traceback(via: str) -> None:
    assert kyoso(via).code == 2  # no subcommand
    assert kyoso(via, "frobnicate").code == 2
    run = kyoso(via, "check")  # no plan
    assert run.code == 2 and "usage" in run.err.lower()
    assert kyoso(via, "check", str(SAMPLE_PLAN), "--lang", "fr").code == 2


def test_the_bundled_sample_is_never_modified() -> None:
    guard = Untouched(SAMPLE_PLAN)
    for args in (["check"], ["check", "--lang", "en"], ["summary"], ["summary", "--json"]):
        assert kyoso("script", *args, SAMPLE_PLAN).code == 1
    guard.check()
