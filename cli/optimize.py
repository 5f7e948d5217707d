"""``kyoso optimize`` and ``kyoso compare`` (issue 7), registered by :func:`cli.build_parser`.

``kyoso optimize PLAN.json [--objective subsidy|own-funds:ID] [--budget N] [--budget-member ID=N] -o OUT.json``
writes the optimised plan to OUT.json (so that ``kyoso summary OUT.json`` scores the optimum); the
input's own lines are kept in OUT.json as the scenario 「最適化前の計画」, and the input file is never
written.  OUT.json is checked before the optimiser runs and written atomically (exports/safe_write.py): never
the input, never the plan store's database, and an existing file only when it is a plan file or ``--force``.
With ``--as-scenario`` OUT.json is instead the input plan with the result appended as a new
scenario (the plan's own lines unchanged) — what the app does.

Exit codes: 0 optimised, no error finding; 1 optimised, the plan still has an error finding (e.g. a
consortium rule no amount can fix); 2 the plan cannot be read or an argument is wrong; 4 no allocation
within the ranges and budgets exists (the reasons are printed; nothing is written).  A refused output is 2.

``kyoso compare A.json [B.json …] [--json] [--scenarios]`` compares plans side by side (the first is the
reference); one file alone is compared with its own scenarios.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE, EXIT_INFEASIBLE = 0, 1, 2, 4

_YEN_RE = re.compile(r"^[¥￥]?\s*(\d{1,3}(,\d{3})+|\d+)\s*(円)?$")


def parse_yen(text: str) -> int:
    """``30000000``, ``30,000,000``, ``¥30,000,000`` or ``30000000円`` → 30000000."""
    m = _YEN_RE.match(text.strip().replace("_", ""))
    if m is None:
        raise ValueError(text)
    return int(m.group(1).replace(",", ""))


def _fail(lang: str, ja: str, en: str, code: int = EXIT_UNREADABLE) -> int:
    sys.stderr.write(f"kyoso: {ja if lang == 'ja' else en}\n")
    return code


def _check_output(out_path: Path, plan_path: Path, force: bool) -> None:
    from exports.safe_write import PLAN, OutputRefused, check_outputs
    from store.files import store_files

    if out_path.exists() and out_path.resolve() == plan_path.resolve():
        raise OutputRefused(
            "出力先が入力ファイルと同じです(入力ファイルは書き換えません)。別のファイル名を指定してください",
            "the output is the input file (the input is never overwritten); name another file",
        )
    check_outputs([(out_path, PLAN)], inputs=(plan_path,), databases=store_files(), force=force)


def cmd_optimize(args: argparse.Namespace) -> int:
    from cli import _load
    from exports.safe_write import PLAN, Output, OutputRefused, write_outputs
    from planner.optimize import optimize
    from planner.scenarios import add_scenario, without_scenarios
    from store.files import store_files

    lang = args.lang
    budget: int | None = None
    if args.budget is not None:
        try:
            budget = parse_yen(args.budget)
        except ValueError:
            return _fail(lang, f"--budget {args.budget!r} は金額ではありません", f"--budget {args.budget!r} is not an amount")
    member_budgets: dict[str, int] = {}
    for item in args.budget_member or []:
        mid, sep, amount = item.partition("=")
        try:
            if not sep or not mid.strip():
                raise ValueError(item)
            member_budgets[mid.strip()] = parse_yen(amount)
        except ValueError:
            return _fail(
                lang,
                f"--budget-member {item!r} は ID=金額 の形で指定してください",
                f"--budget-member {item!r} must be ID=AMOUNT",
            )
    out_path = Path(args.output)
    try:
        _check_output(out_path, Path(args.plan), args.force)
    except OutputRefused as exc:
        return _fail(lang, exc.ja, exc.en)
    plan = _load(args.plan, lang)
    res = optimize(plan, objective=args.objective, budget=budget, member_budgets=member_budgets)
    if res.status == "invalid":
        for n in res.notes_of("invalid"):
            sys.stderr.write(f"kyoso: {n.text(lang)}\n")
        return EXIT_UNREADABLE
    if not res.ok or res.plan is None or res.result is None:
        if args.json:
            sys.stdout.write(json.dumps(res.to_dict(lang), ensure_ascii=False, indent=1) + "\n")
        else:
            print("最適な配分はありません:" if lang == "ja" else "no allocation satisfies the ranges and budgets:")
            for n in res.notes:
                print(f"  - {n.text(lang)}")
        return EXIT_INFEASIBLE

    if args.as_scenario:
        written = res.add_to(plan, lang, args.name)
    else:
        keep = "最適化前の計画" if lang == "ja" else "before optimisation"
        carrier = res.plan.model_copy(update={"scenarios": list(plan.scenarios or [])})
        note = ("最適化前の計画(kyoso optimize の入力)" if lang == "ja" else "the plan before kyoso optimize")
        written = add_scenario(carrier, args.name or keep, without_scenarios(plan), note)
    text = json.dumps(written.to_json_dict(), ensure_ascii=False, indent=1) + "\n"
    try:
        write_outputs([Output(out_path, PLAN, text.encode("utf-8"))], inputs=(Path(args.plan),),
                      databases=store_files(), force=args.force)
    except OutputRefused as exc:  # the file changed under us since the check above
        return _fail(lang, exc.ja, exc.en)
    except OSError as exc:
        return _fail(lang, f"{out_path} に書き込めません: {exc.strerror}", f"cannot write {out_path}: {exc.strerror}")

    if args.json:
        sys.stdout.write(json.dumps({**res.to_dict(lang), "output": str(out_path)}, ensure_ascii=False, indent=1) + "\n")
    else:
        print(res.summary_text(lang))
        for n in res.notes:
            print(f"  - {n.text(lang)}")
        for f in res.new_findings:
            print(("  ! 新しい指摘: " if lang == "ja" else "  ! new finding: ") + f"{f.rule}: {f.message(lang)}")
        print(f"→ {out_path} に書き出しました" if lang == "ja" else f"→ written to {out_path}")
    return EXIT_ERRORS if res.result.has_errors else EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from cli import _load
    from planner.scenarios import compare, scenario_entries, without_scenarios

    lang = args.lang
    entries = []
    for path in args.plans:
        plan = _load(path, lang)
        name = Path(path).name
        if len(args.plans) == 1 or args.scenarios:
            for i, (sname, splan) in enumerate(scenario_entries(plan, lang)):
                entries.append((name if i == 0 else f"{name}: {sname}", splan))
        else:
            entries.append((name, without_scenarios(plan)))
    if len(entries) < 2:
        return _fail(
            lang,
            "比較するには計画が2つ以上必要です(ファイルを2つ指定するか、シナリオのある計画を指定してください)",
            "comparing needs two or more plans (give two files, or a plan with scenarios)",
        )
    cmp = compare(entries)
    if args.json:
        sys.stdout.write(json.dumps(cmp.to_dict(lang), ensure_ascii=False, indent=1) + "\n")
    else:
        print(cmp.to_text(lang))
    return EXIT_OK


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("optimize", cmd_optimize, "choose the flexible lines' amounts for the most subsidy")
    p.add_argument(
        "--objective",
        default="subsidy",
        help="subsidy (default: the most total subsidy) or own-funds:MEMBER_ID (that member's least own funds "
        "at no loss of total subsidy)",
    )
    p.add_argument("--budget", help="the consortium's total claimed amount may not exceed this (yen)")
    p.add_argument(
        "--budget-member", action="append", metavar="ID=AMOUNT", help="a member's claimed amount may not exceed AMOUNT"
    )
    p.add_argument("-o", "--output", required=True, help="where to write the optimised plan (never the input file)")
    p.add_argument("--force", action="store_true",
                   help="overwrite OUT.json even when it is an existing file that is not a plan (never the input "
                        "or the plan store's database)")
    p.add_argument(
        "--as-scenario",
        action="store_true",
        help="write the input plan with the result appended as a new scenario instead",
    )
    p.add_argument("--name", help="the new scenario's name")
    p.add_argument("--json", action="store_true", help="print the result and its explanation as JSON")

    c = add("compare", cmd_compare, "compare plans (or a plan's scenarios) side by side", plan=False)
    c.add_argument("plans", nargs="+", help="plan files; the first is the reference")
    c.add_argument("--scenarios", action="store_true", help="include each file's scenarios as columns")
    c.add_argument("--json", action="store_true", help="one JSON object")
