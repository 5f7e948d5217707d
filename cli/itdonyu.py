"""``kyoso compare-programmes PLAN.json [--json]``: one 共創型 plan across 共創型 and the IT導入補助金 frames."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from planner.money import yen


def cmd_compare(args: argparse.Namespace) -> int:
    from cli import EXIT_OK, EXIT_UNREADABLE, _load, _pad, _width
    from planner.itdonyu.compare import compare_programmes
    from schemas.plan import Plan

    plan = _load(args.plan, args.lang)
    ja = args.lang == "ja"
    if not isinstance(plan, Plan):
        sys.stderr.write(
            f"{args.plan}: 比較には共創型の計画(kyoso-plan/1)を指定してください\n"
            if ja
            else f"{args.plan}: compare-programmes takes a 共創型 plan (kyoso-plan/1)\n"
        )
        return EXIT_UNREADABLE
    comparison = compare_programmes(plan)
    if args.json:
        sys.stdout.write(json.dumps(comparison.summary_dict(args.lang), ensure_ascii=False, indent=1) + "\n")
        return EXIT_OK
    head = (
        ("制度・枠", "計画どおり", "条件を満たせば", "補助対象経費", "対象外の経費", "推計")
        if ja
        else ("programme", "as planned", "if conditions met", "eligible", "not fundable", "estimate")
    )
    rows: list[tuple[str, ...]] = [head]
    for e in comparison.estimates:
        rows.append(
            (
                e.programme_ja if ja else e.programme_en,
                yen(e.subsidy_yen),
                yen(e.subsidy_if_met_yen),
                yen(e.eligible_yen),
                yen(e.unfunded_yen),
                ("推計" if ja else "yes") if e.estimate else "—",
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(len(head))]
    print(f"{comparison.plan_name}")
    for r in rows:
        print("  ".join(_pad(c, widths[i]) if i in (0, 5) else " " * (widths[i] - _width(c)) + c for i, c in enumerate(r)))
    best = comparison.best()
    print()
    print(("最も多い(計画どおり): " if ja else "pays most as planned: ") + (best.programme_ja if ja else best.programme_en))
    for e in comparison.estimates:
        print()
        print(f"■ {e.programme_ja if ja else e.programme_en}")
        for f in e.blocking:
            print(("  要件未達: " if ja else "  blocking: ") + f"{f.rule}  {f.message(args.lang)}")
        for f in e.assumed:
            print(("  前提: " if ja else "  assumed: ") + f"{f.rule}  {f.message(args.lang)}")
        reasons: dict[str, int] = {}
        for u in e.unfunded:
            key = u.reason_ja if ja else u.reason_en
            reasons[key] = reasons.get(key, 0) + u.yen
        for reason, amount in sorted(reasons.items(), key=lambda kv: -kv[1]):
            print(("  対象外 " if ja else "  not fundable ") + f"{yen(amount)}: {reason}")
        for note_ja, note_en in e.notes:
            print(f"  ※ {note_ja if ja else note_en}")
    return EXIT_OK


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add(
        "compare-programmes",
        cmd_compare,
        "compare 共創型 with the IT導入補助金 frames (複数社連携, 通常枠, インボイス枠) for one plan (estimates)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object")
