"""Synthetic but valid 共創型 consortia for the benchmarks, deterministic by seed.

``generate_plan(n_lines, seed=...)`` returns a JSON-ready ``kyoso-plan/1`` dict that ``load_plan``
accepts: 4–30 members (at least two sme_users and two it_vendors, collaborators when there is room),
tools provided by the vendors and used by the users, a connected chain of newly developed
integrations, meetings with a user and a vendor, a complete schedule, a 健保等級 rate table, and
cost lines of every category in every STEP the pack's matrix allows.  Every reference resolves, so
most lines are eligible; a small deterministic share (``violation_rate``) breaks one line rule each
(wrong STEP, travel without purpose, meeting without a meeting, bad payee, a collaborator's own
cost, a cloud term over a year) so the benchmarks also exercise the finding paths.  The ratio rules
and the cap may bind; that is part of what is measured.

Run ``python -m bench.generate 2000 -o plan.json`` to write one.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

CATEGORIES = ("software", "cloud", "meeting", "travel", "expert", "labour", "outsourcing")

# (role, category) → the STEPs the kyoso-r3/r4 matrix allows; the generator only draws valid cells
# for ordinary lines.  Weights keep software/cloud and user labour small so the ratio rules bind
# only sometimes, as in a real plan.
_VALID_CELLS: list[tuple[str, str, tuple[int, ...], int]] = [
    ("sme_user", "software", (1,), 3),
    ("sme_user", "cloud", (1,), 3),
    ("sme_user", "meeting", (2, 3, 4), 4),
    ("sme_user", "travel", (2, 3, 4), 4),
    ("sme_user", "expert", (2, 3, 4), 3),
    ("sme_user", "labour", (2, 4), 5),
    ("sme_user", "outsourcing", (2, 3, 4), 12),
    ("it_vendor", "travel", (2, 3, 4), 4),
    ("it_vendor", "labour", (3, 4), 30),
    ("it_vendor", "outsourcing", (3,), 4),
]

_USER_NAMES = ("食堂", "旅館", "カフェ", "商店", "製作所", "工務店", "書店", "薬局", "花店", "酒造")
_VENDOR_NAMES = ("システムズ", "ソフト", "データ", "クラウド", "ネット", "AI", "ラボ", "テック")
_DESCRIPTIONS = {
    "software": "ライセンス",
    "cloud": "クラウド利用料",
    "meeting": "会議室・資料",
    "travel": "打合せ旅費",
    "expert": "専門家謝金",
    "labour": "設計・開発",
    "outsourcing": "連携開発委託",
}


def default_members(n_lines: int) -> int:
    """Members grow with the plan: 5 for ten lines, 30 from 100,000 lines."""
    if n_lines <= 10:
        return 5
    digits = len(str(n_lines)) - 1  # 10 → 1, 100k → 5
    return min(30, 5 + (digits - 1) * 6)


def _corporate_number(rng: random.Random) -> str:
    base = "".join(str(rng.randrange(10)) for _ in range(12))
    total = sum(int(ch) * (1 if n % 2 else 2) for n, ch in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


def generate_plan(
    n_lines: int,
    *,
    seed: int = 0,
    n_members: int | None = None,
    violation_rate: float = 0.02,
    flex: bool = False,  # half the lines get "flex": {½×, 2×} of their amount (the optimiser's input)
    ratio_pressure: bool = True,
    program: str = "kyoso-r4",
) -> dict[str, Any]:
    """A valid plan with ``n_lines`` cost lines (deterministic for a given argument set)."""
    if n_lines < 0:
        raise ValueError("n_lines must be non-negative")
    n_members = default_members(n_lines) if n_members is None else n_members
    if not 4 <= n_members <= 30:
        raise ValueError("n_members must be between 4 and 30")
    rng = random.Random(f"{seed}:{n_lines}:{n_members}:{violation_rate}:{flex}")

    n_collab = 0 if n_members == 4 else max(1, n_members // 6)
    n_vendors = max(2, (n_members - n_collab) * 2 // 5)
    n_users = n_members - n_collab - n_vendors

    members: list[dict[str, Any]] = []
    users = [f"u{i}" for i in range(1, n_users + 1)]
    vendors = [f"v{i}" for i in range(1, n_vendors + 1)]
    collabs = [f"x{i}" for i in range(1, n_collab + 1)]
    for i, uid in enumerate(users):
        m: dict[str, Any] = {
            "id": uid,
            "name": f"株式会社{_USER_NAMES[i % len(_USER_NAMES)]}{i + 1}",
            "role": "sme_user",
            "industry": "retail" if i % 3 else "services",
            "capital_yen": 10_000_000 + 1_000_000 * (i % 40),
            "employees": 5 + (i * 7) % 40,
        }
        if i % 2 == 0:
            m["corporate_number"] = _corporate_number(rng)
        members.append(m)
    for i, vid in enumerate(vendors):
        members.append(
            {
                "id": vid,
                "name": f"{_VENDOR_NAMES[i % len(_VENDOR_NAMES)]}{i + 1}株式会社",
                "role": "it_vendor",
                "industry": "software",
                "capital_yen": 20_000_000 + 5_000_000 * i,
                "employees": 20 + 10 * i,
            }
        )
    for i, xid in enumerate(collabs):
        members.append({"id": xid, "name": f"協力者{i + 1}コンサルティング", "role": "collaborator"})

    # tools: one per vendor (two for every third vendor), each used by a spread of users
    tools: list[dict[str, Any]] = []
    for i, vid in enumerate(vendors):
        for k in range(2 if i % 3 == 0 else 1):
            tools.append(
                {
                    "id": f"t{len(tools) + 1}",
                    "name": f"ツール{len(tools) + 1}",
                    "vendor": vid,
                    "users": [],
                    "has_sales_record": True,
                    "description": f"{vid} の提供ツール {k + 1}",
                }
            )
    for i, uid in enumerate(users):  # every user uses at least one tool (all tools are integrated)
        tools[i % len(tools)]["users"].append(uid)
        extra = tools[(i * 5 + 1) % len(tools)]
        if uid not in extra["users"]:
            extra["users"].append(uid)
    for t in tools:  # a tool used by nobody would trip tool.no_user
        if not t["users"]:
            t["users"].append(users[rng.randrange(len(users))])

    # integrations: a chain through all tools (connected graph), all newly developed
    integrations = [
        {
            "id": f"i{k}",
            "from": tools[k]["id"],
            "to": tools[k - 1]["id"],
            "method": "api" if k % 3 else "messaging",
            "new_development": True,
        }
        for k in range(1, len(tools))
    ]
    api_integrations = [it["id"] for it in integrations if it["method"] == "api"] or [
        it["id"] for it in integrations
    ]

    n_meetings = max(1, min(20, n_members // 2))
    meetings = [
        {
            "id": f"mt{k + 1}",
            "title": f"定例会議{k + 1}",
            "participants": sorted({users[k % len(users)], vendors[k % len(vendors)], users[(k + 1) % len(users)]}),
            "date": f"2022-{11 + k % 2:02d}-{1 + k % 28:02d}",
        }
        for k in range(n_meetings)
    ]

    kenpo = {str(g): 1_000 + 100 * g for g in range(1, 51)}
    weights = [w for *_, w in _VALID_CELLS]
    costs: list[dict[str, Any]] = []
    for n in range(1, n_lines + 1):
        role, cat, steps, _ = rng.choices(_VALID_CELLS, weights)[0]
        member = rng.choice(users if role == "sme_user" else vendors)
        step = rng.choice(steps)
        line: dict[str, Any] = {
            "id": f"c{n}",
            "member": member,
            "step": step,
            "category": cat,
            "description": f"{_DESCRIPTIONS[cat]} {n}",
        }
        if cat == "labour":
            line["hours"] = rng.choice((8, 16, 24.5, 40, 80, 120.25))
            if rng.random() < 0.25:
                line["kenpo_grade"] = rng.randint(10, 40)
            else:
                line["hourly_rate_yen"] = rng.randrange(2000, 6000, 100)
            if role == "it_vendor" and integrations:
                line["integration"] = rng.choice(integrations)["id"]
                if rng.random() < 0.2:
                    line["modifies_existing_tool"] = True
                    line["integration"] = rng.choice(api_integrations)
        else:
            line["unit_price_yen"] = rng.randrange(10_000, 300_000, 1_000)
            line["quantity"] = rng.randint(1, 5)
        if cat == "cloud":
            line["months"] = rng.choice((3, 6, 12))
        elif cat == "software" and rng.random() < 0.3:
            line["maintenance"] = True
            line["months"] = 12
        elif cat in ("meeting", "travel"):
            line["meeting"] = rng.choice(meetings)["id"]
        elif cat == "expert":
            line["payee"] = rng.choice(collabs) if collabs else rng.choice(vendors)
        elif cat == "outsourcing" and role == "sme_user":
            line["payee"] = rng.choice(vendors)
        elif cat == "outsourcing":
            line["payee_external"] = f"外部委託先{rng.randint(1, 9)}"
            line["subcontract"] = True
            line["unit_price_yen"] = rng.randrange(10_000, 80_000, 1_000)
        if violation_rate and rng.random() < violation_rate:
            kind = rng.choice(_violations_for(line, collabs, vendors))
            _break(line, kind, rng, collabs, vendors, users)
        if flex and rng.random() < 0.5:
            amount = _claimed(line, kenpo)
            if amount:
                line["flex"] = {"min_yen": amount // 2, "max_yen": amount * 2}
        costs.append(line)
    if ratio_pressure and n_lines >= 20:
        _pressure(costs, users, vendors, kenpo)

    return {
        "format": "kyoso-plan/1",
        "program": program,
        "consortium": {
            "name": f"ベンチマーク共創コンソーシアム(seed {seed}, {n_lines}行)",
            "lead": users[0],
            "decision_date": "2022-10-14",
            "project_end": "2023-02-28",
            "contact": {"company": members[0]["name"], "name": "担当 太郎", "email": "bench@example.jp"},
        },
        "members": members,
        "tools": tools,
        "integrations": integrations,
        "meetings": meetings,
        "schedule": [
            {"step": 1, "start": "2022-10-20", "end": "2022-11-04"},
            {"step": 2, "start": "2022-11-07", "end": "2022-11-25"},
            {"step": 3, "start": "2022-11-28", "end": "2023-01-20"},
            {"step": 4, "start": "2023-01-23", "end": "2023-02-08"},
        ],
        "costs": costs,
        "kenpo_rates": {
            "title": "健保等級単価一覧表(ベンチマーク用)",
            "year": "令和4年度",
            "rates": kenpo,
        },
    }


def _amount(line: dict[str, Any]) -> int:
    if line["category"] == "labour":
        return 0
    return int(line["unit_price_yen"]) * int(line["quantity"])


def _claimed(line: dict[str, Any], kenpo: dict[str, int]) -> int:
    if line["category"] != "labour":
        return _amount(line)
    rate = int(line.get("hourly_rate_yen") or kenpo[str(line["kenpo_grade"])])
    hundredths: int = round(line["hours"] * 100)
    return hundredths * rate // 100


def _pressure(costs: list[dict[str, Any]], users: list[str], vendors: list[str], kenpo: dict[str, int]) -> None:
    """Replace the last three lines by ones that make each §4 ratio rule bind (and trim many lines).

    v1's STEP3 subcontract reaches its other STEP3 costs (cost.subcontract_half), one user's labour
    lifts the users' labour over a third of the vendor work (cost.user_labour_third), and one cloud
    line lifts software + cloud over the other costs (cost.software_cloud_half).
    """
    head = costs[:-3]
    ids = [ln["id"] for ln in costs[-3:]]
    v1 = vendors[0]
    r = sum(
        _claimed(ln, kenpo)
        for ln in head
        if ln["member"] == v1 and ln["step"] == 3 and ln["category"] != "outsourcing"
    )
    sub = r + r // 10 + 1 if r else 100_000
    b = sum(
        _claimed(ln, kenpo)
        for ln in head
        if (ln["member"] in vendors and ln["category"] == "labour")
        or (ln["member"] in users and ln["category"] == "outsourcing" and ln.get("payee") in vendors)
    )
    u = sum(_claimed(ln, kenpo) for ln in head if ln["member"] in users and ln["category"] == "labour")
    need = max(100_000, b // 3 - u + b // 30 + 1)
    rate = 5_000 if need <= 5_000 * 1_000_000 else -(-need // 1_000_000)
    hours = -(-need // rate)
    s = sum(_claimed(ln, kenpo) for ln in head if ln["category"] in ("software", "cloud"))
    o = sum(_claimed(ln, kenpo) for ln in head if ln["category"] not in ("software", "cloud")) + hours * rate
    cloud = max(100_000, o - s + o // 10 + 1)
    costs[-3:] = [
        {
            "id": ids[0],
            "member": v1,
            "step": 3,
            "category": "outsourcing",
            "description": "大型下請け(比率ルール確認用)",
            "unit_price_yen": sub,
            "quantity": 1,
            "payee_external": "外部委託先大手",
            "subcontract": True,
        },
        {
            "id": ids[1],
            "member": users[0],
            "step": 2,
            "category": "labour",
            "description": "要件定義(比率ルール確認用)",
            "hours": hours,
            "hourly_rate_yen": rate,
        },
        {
            "id": ids[2],
            "member": users[1 % len(users)],
            "step": 1,
            "category": "cloud",
            "description": "大型クラウド契約(比率ルール確認用)",
            "unit_price_yen": cloud,
            "quantity": 1,
            "months": 12,
        },
    ]


def _violations_for(line: dict[str, Any], collabs: list[str], vendors: list[str]) -> list[str]:
    """The rule breaks that fit this line (wrong STEP always does)."""
    cat = line["category"]
    kinds = ["wrong_step"]
    if cat == "travel":
        kinds.append("travel_no_purpose")
    if cat == "meeting":
        kinds.append("meeting_missing")
    if cat == "expert" and collabs:
        kinds.append("expert_payee_vendor")
    if collabs and cat not in ("expert", "outsourcing"):
        kinds.append("collaborator_cost")
    if cat == "cloud":
        kinds.append("cloud_long_term")
    if cat == "outsourcing" and line["member"] in vendors:
        kinds.append("vendor_outsourcing_internal")
    return kinds


def _break(
    line: dict[str, Any],
    kind: str,
    rng: random.Random,
    collabs: list[str],
    vendors: list[str],
    users: list[str],
) -> None:
    """Make one line break one line rule, keeping every reference valid and the schema satisfied."""
    cat = line["category"]
    if kind == "wrong_step":
        line["step"] = 4 if cat in ("software", "cloud") else 1
    elif kind in ("travel_no_purpose", "meeting_missing"):
        line.pop("meeting", None)
    elif kind == "expert_payee_vendor":
        line["payee"] = rng.choice(vendors)
    elif kind == "collaborator_cost":
        line["member"] = rng.choice(collabs)
    elif kind == "cloud_long_term":
        line["months"] = 24
    elif kind == "vendor_outsourcing_internal":
        line.pop("payee_external", None)
        line.pop("subcontract", None)
        line["payee"] = rng.choice(users)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    ap.add_argument("lines", type=int, help="number of cost lines")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--members", type=int, default=None, help="4–30 (default grows with the lines)")
    ap.add_argument("--violations", type=float, default=0.02, help="share of lines that break a rule")
    ap.add_argument("--flex", action="store_true", help="give half the lines flex ranges (½× to 2× their amount)")
    ap.add_argument("-o", "--output", type=Path, default=None, help="write here instead of stdout")
    args = ap.parse_args(argv)
    plan = generate_plan(
        args.lines, seed=args.seed, n_members=args.members, violation_rate=args.violations, flex=args.flex
    )
    text = json.dumps(plan, ensure_ascii=False, indent=1)
    if args.output is None:
        sys.stdout.write(text + "\n")
    else:
        args.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
