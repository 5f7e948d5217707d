"""`kyoso summary --json` is byte-identical before and after a change that must not change behaviour.

    python scripts/summary_identical.py record [FILE]   # digest of every output → FILE (default below)
    python scripts/summary_identical.py check [FILE]    # compare against FILE; exit 1 and list differences

The inputs: every plan under examples/ (共創型 and IT導入 files) and 500 plans from ``bench.generate`` (sizes 1 to
400 lines, with and without flex ranges, ratio pressure and violations, both rule packs), written to a temporary
folder and summarised in-process through the command line's own ``main`` — the exact bytes a user gets, plus
the exit code.  Used for the layering refactor (issue 13); the recorded digests live in
``tests/fixtures/summary-digests.json`` and ``tests/test_summary_identical.py`` checks the examples and a sample
of the 500 on every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "tests" / "fixtures" / "summary-digests.json"
N_GENERATED = 500


def generated_args(i: int) -> dict[str, object]:
    """The arguments of ``generate_plan`` for generated plan ``i`` (deterministic)."""
    sizes = (1, 3, 8, 15, 40, 90, 160, 400)
    return {
        "n_lines": sizes[i % len(sizes)],
        "seed": 1000 + i,
        "violation_rate": (0.0, 0.02, 0.2)[i % 3],
        "flex": i % 4 == 0,
        "ratio_pressure": i % 5 != 0,
        "program": "kyoso-r3" if i % 7 == 0 else "kyoso-r4",
    }


def inputs(folder: Path) -> Iterator[tuple[str, Path]]:
    sys.path.insert(0, str(ROOT))
    from bench.generate import generate_plan

    for path in sorted((ROOT / "examples").rglob("*.json")):
        yield str(path.relative_to(ROOT)), path
    for i in range(N_GENERATED):
        args = generated_args(i)
        path = folder / f"gen-{i:03d}.json"
        path.write_text(json.dumps(generate_plan(**args), ensure_ascii=False), encoding="utf-8")  # type: ignore[arg-type]
        yield f"generated/{i:03d}", path


def summary_bytes(path: Path) -> tuple[int, bytes]:
    from cli import main  # the command line's own entry point

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["summary", str(path), "--json"])
    return code, out.getvalue().encode("utf-8")


def digests(only: set[str] | None = None) -> dict[str, str]:
    got: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="kyoso-identical-") as tmp:
        for name, path in inputs(Path(tmp)):
            if only is not None and name not in only:
                continue
            code, data = summary_bytes(path)
            got[name] = f"{code}:{hashlib.sha256(data).hexdigest()}"
    return got


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("record", "check"):
        print(__doc__)
        return 2
    file = Path(args[1]) if len(args) > 1 else DEFAULT
    if args[0] == "record":
        got = digests()
        file.write_text(json.dumps(got, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"recorded {len(got)} digests in {file}")
        return 0
    want: dict[str, str] = json.loads(file.read_text(encoding="utf-8"))
    got = digests()
    differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    for name in differ:
        print(f"DIFFERS {name}: recorded {want.get(name)} now {got.get(name)}")
    print(f"{len(got) - len(differ)} of {len(want)} identical")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
