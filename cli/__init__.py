"""The ``kyoso`` command line (plan-format.md): every subcommand, one module per command group.

- this module: ``check``, ``summary``, ``schema``, ``rules`` and the parser / :func:`main`;
- :mod:`cli.export`: ``export``, ``import-costs``;  :mod:`cli.optimize`: ``optimize``, ``compare``;
- :mod:`cli.itdonyu`: ``compare-programmes``;  :mod:`cli.plans`: ``plans …`` (the plan store).

A face like the app: it reads files, calls the engine (``planner``), the exports and the store, and prints.

Exit codes: 0 no error finding; 1 at least one error finding; 2 the file cannot be read (message on
stderr naming the file and the JSON path); 3 an internal problem (a broken rule pack).  Never a
traceback, and the plan file is only ever read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from planner.pack import PackError
from planner.textwidth import pad, width

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3

SEVERITY_LABEL = {
    "ja": {"error": "エラー", "warning": "警告", "info": "情報"},
    "en": {"error": "ERROR", "warning": "WARNING", "info": "INFO"},
}


_width = width
_pad = pad


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def _load(path: str, lang: str) -> Any:
    """Load a plan or exit 2 with the loader's message on stderr."""
    from planner import load_plan_or_application
    from schemas import PlanLoadError

    try:  # read once, bounded; an itdonyu-application/… file (IT導入補助金) is told from its bytes
        return load_plan_or_application(path)
    except PlanLoadError as exc:
        sys.stderr.write(exc.message(lang) + "\n")
        raise SystemExit(EXIT_UNREADABLE) from None


def _exit_code(result: Any) -> int:
    return EXIT_ERRORS if result.has_errors else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    import planner

    plan = _load(args.plan, args.lang)
    result = planner.evaluate(plan)
    labels = SEVERITY_LABEL[args.lang]
    if not result.findings:
        print("指摘はありません" if args.lang == "ja" else "no findings")
    order = {"error": 0, "warning": 1, "info": 2}
    rows = sorted(result.findings, key=lambda f: order[f.severity])
    rule_w = max((len(f.rule) for f in rows), default=0)
    sev_w = max(_width(v) for v in labels.values())
    for f in rows:
        refs = f" [{', '.join(f.refs)}]" if f.refs else ""
        print(f"{_pad(labels[f.severity], sev_w)}  {_pad(f.rule, rule_w)}  {f.message(args.lang)}{refs}")
        if f.fix(args.lang):
            print(f"{' ' * (sev_w + rule_w + 4)}→ {f.fix(args.lang)}")
    counts = {s: result.count(s) for s in ("error", "warning", "info")}
    if args.lang == "ja":
        print(f"エラー {counts['error']} 件、警告 {counts['warning']} 件、情報 {counts['info']} 件")
    else:
        print(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info")
    return _exit_code(result)


def cmd_summary(args: argparse.Namespace) -> int:
    import planner

    plan = _load(args.plan, args.lang)
    result = planner.evaluate(plan)
    summary = result.summary_dict(args.lang)
    if args.json:
        _print_json(summary)
        return _exit_code(result)
    ja = args.lang == "ja"
    rows = [
        ("ルールパック" if ja else "rule pack", summary["program"]),
        ("対象メンバー数" if ja else "counted members", str(summary["member_count"])),
        ("補助率" if ja else "rate", summary["rate"]),
        ("補助上限額" if ja else "cap", f"¥{summary['cap_yen']:,}"),
        ("申請経費" if ja else "claimed", f"¥{summary['claimed_total_yen']:,}"),
        ("補助対象経費" if ja else "eligible", f"¥{summary['eligible_total_yen']:,}"),
        ("補助金額" if ja else "subsidy", f"¥{summary['subsidy_yen']:,}"),
        ("自己負担" if ja else "own funds", f"¥{summary['own_funds_yen']:,}"),
    ]
    w = max(_width(k) for k, _ in rows)
    for k, v in rows:
        print(f"{_pad(k, w)}  {v}")
    print()
    head = ("ID", "役割" if ja else "role", "申請経費" if ja else "claimed", "補助対象" if ja else "eligible",
            "補助金額" if ja else "subsidy", "自己負担" if ja else "own funds")
    table = [head] + [
        (m["id"], m["role"], f"¥{m['claimed_yen']:,}", f"¥{m['eligible_yen']:,}", f"¥{m['subsidy_yen']:,}",
         f"¥{m['own_funds_yen']:,}")
        for m in summary["members"]
    ]
    widths = [max(_width(r[i]) for r in table) for i in range(len(head))]
    for r in table:
        print("  ".join(_pad(c, widths[i]) if i < 2 else " " * (widths[i] - _width(c)) + c for i, c in enumerate(r)))
    print()
    print(
        f"エラー {summary['error_count']} 件、警告 {summary['warning_count']} 件、情報 {summary['info_count']} 件"
        if ja
        else f"{summary['error_count']} error(s), {summary['warning_count']} warning(s), {summary['info_count']} info"
    )
    return _exit_code(result)


def cmd_schema(args: argparse.Namespace) -> int:
    from schemas import plan_json_schema

    _print_json(plan_json_schema())
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from planner.kyoso.rules import RULES

    if args.json:
        _print_json([{"id": r.id, "severity": r.severity, "section": r.section, "checks": r.checks_ja if args.lang == "ja" else r.checks_en} for r in RULES])
        return EXIT_OK
    w = max(len(r.id) for r in RULES)
    for r in RULES:
        print(f"{r.id:<{w}}  {r.severity:<7}  {r.checks_ja if args.lang == 'ja' else r.checks_en}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kyoso", description="共創型サービスIT連携支援補助金 consortium planner"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str, plan: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        if plan:
            p.add_argument("plan", help="plan file (kyoso-plan/1 JSON)")
        p.add_argument("--lang", choices=("ja", "en"), default="ja", help="message language (default ja)")
        p.set_defaults(func=func)
        return p

    add("check", cmd_check, "print the findings; exit 1 when there is an error")
    add("summary", cmd_summary, "print the figures").add_argument("--json", action="store_true", help="one JSON object")
    add("schema", cmd_schema, "print the plan file's JSON Schema", plan=False)
    add("rules", cmd_rules, "list the rule ids", plan=False).add_argument("--json", action="store_true")
    from cli import (  # the other command groups (each imports its libraries lazily)
        export,
        itdonyu,
        optimize,
        plans,
    )

    for group in (export, plans, itdonyu, optimize):
        group.register(sub, add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    except PackError as exc:
        sys.stderr.write(f"kyoso: rule pack problem: {exc}\n")
        code = EXIT_INTERNAL
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = EXIT_OK
    except Exception as exc:  # never a traceback for a user; KYOSO_DEBUG=1 shows it
        if os.environ.get("KYOSO_DEBUG"):
            raise
        sys.stderr.write(f"kyoso: 内部エラー / internal error: {type(exc).__name__}: {exc}\n")
        code = EXIT_INTERNAL
    sys.stdout.flush()
    return code


def run() -> None:
    raise SystemExit(main())


if __name__ == "__main__":
    run()
