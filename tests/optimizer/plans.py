"""Plan builders for the optimiser tests and its benchmark (``python -m tests.optimizer.bench``)."""

from __future__ import annotations

import random
from typing import Any


def base_plan(
    n_users: int = 2,
    n_vendors: int = 2,
    *,
    collaborator: bool = True,
    large_vendor: bool = False,
    program: str = "kyoso-r4",
) -> dict[str, Any]:
    """A valid consortium without cost lines: users u1…, vendors v1…, collaborator x1, tools, integrations."""
    members: list[dict[str, Any]] = [
        {"id": f"u{i}", "name": f"ユーザ{i}株式会社", "role": "sme_user", "industry": "retail", "employees": 10}
        for i in range(1, n_users + 1)
    ]
    members += [
        {
            "id": f"v{i}",
            "name": f"ベンダ{i}株式会社",
            "role": "it_vendor",
            "industry": "software",
            "employees": 30,
            **({"large_enterprise": True} if large_vendor and i == 1 else {}),
        }
        for i in range(1, n_vendors + 1)
    ]
    if collaborator:
        members.append({"id": "x1", "name": "専門家事務所", "role": "collaborator"})
    users = [f"u{i}" for i in range(1, n_users + 1)]
    tools = [
        {"id": f"t{i}", "name": f"ツール{i}", "vendor": f"v{i}", "users": users, "has_sales_record": True}
        for i in range(1, n_vendors + 1)
    ]
    integrations = [
        {"id": f"i{i}", "from": f"t{i}", "to": f"t{i + 1}", "method": "api" if i % 2 else "messaging",
         "new_development": True}
        for i in range(1, n_vendors)
    ]
    return {
        "format": "kyoso-plan/1",
        "program": program,
        "consortium": {"name": "テストコンソーシアム", "lead": "u1", "decision_date": "2022-10-14"},
        "members": members,
        "tools": tools,
        "integrations": integrations,
        "meetings": [{"id": "mt1", "title": "要件定義会議", "participants": ["u1", "v1"]}],
        "schedule": [
            {"step": 1, "start": "2022-10-17", "end": "2022-10-31"},
            {"step": 2, "start": "2022-11-01", "end": "2022-11-30"},
            {"step": 3, "start": "2022-12-01", "end": "2023-01-15"},
            {"step": 4, "start": "2023-01-16", "end": "2023-02-03"},
        ],
        "costs": [],
    }


def amount_line(lid: str, member: str, step: int, category: str, amount: int, **extra: Any) -> dict[str, Any]:
    return {"id": lid, "member": member, "step": step, "category": category, "unit_price_yen": amount,
            "quantity": 1, **extra}


def labour_line(lid: str, member: str, step: int, hours: str, rate: int, **extra: Any) -> dict[str, Any]:
    return {"id": lid, "member": member, "step": step, "category": "labour", "hours": hours,
            "hourly_rate_yen": rate, **extra}


def flex(line: dict[str, Any], lo: int, hi: int) -> dict[str, Any]:
    line["flex"] = {"min_yen": lo, "max_yen": hi}
    return line


# The kinds of line a generated plan draws from: (role, step, category, extra fields); a few are
# deliberately ineligible (the optimiser must send them to their minimum).
KINDS: list[tuple[str, int, str, dict[str, Any]]] = [
    ("sme_user", 1, "software", {}),
    ("sme_user", 1, "cloud", {"months": 12}),
    ("sme_user", 1, "cloud", {"months": 24}),
    ("sme_user", 1, "software", {"maintenance": True, "months": 36}),
    ("sme_user", 2, "labour", {}),
    ("sme_user", 4, "labour", {}),
    ("sme_user", 2, "outsourcing", {"payee": "v"}),
    ("sme_user", 3, "outsourcing", {"payee": "v"}),
    ("sme_user", 4, "outsourcing", {"payee": "x1"}),
    ("sme_user", 2, "meeting", {"meeting": "mt1"}),
    ("sme_user", 3, "expert", {"payee": "x1"}),
    ("sme_user", 2, "travel", {"meeting": "mt1"}),
    ("it_vendor", 3, "labour", {"integration": "i1"}),
    ("it_vendor", 3, "labour", {"integration": "i2", "modifies_existing_tool": True}),
    ("it_vendor", 4, "labour", {"integration": "i1"}),
    ("it_vendor", 3, "outsourcing", {"payee_external": "外注先", "subcontract": True}),
    ("it_vendor", 3, "travel", {"integration": "i1"}),
    ("it_vendor", 2, "travel", {"integration": "i1"}),
    ("it_vendor", 1, "software", {}),  # not allowed: the line earns nothing
]


def generated_plan(
    n_lines: int, seed: int = 0, *, n_users: int = 6, n_vendors: int = 6, scale_down: int = 1
) -> dict[str, Any]:
    """A plan of ``n_lines`` cost lines, every one with a flex range (the benchmark's plan).

    ``scale_down`` divides the line sizes (the 2,000-line plan reaches the cap at 1; at 40 it does not).
    """
    rng = random.Random(seed)
    plan = base_plan(n_users, n_vendors)
    users = [f"u{i}" for i in range(1, n_users + 1)]
    vendors = [f"v{i}" for i in range(1, n_vendors + 1)]
    rates = [1730, 2190, 2540, 2990, 3500, 4180, 5200]
    for n in range(n_lines):
        role, step, cat, extra = rng.choice(KINDS)
        member = rng.choice(users if role == "sme_user" else vendors)
        fields = dict(extra)
        if fields.get("payee") == "v":
            fields["payee"] = rng.choice(vendors)
        size = rng.choice([10_000, 50_000, 200_000, 1_000_000]) // scale_down
        lo = rng.randrange(0, size)
        hi = lo + rng.randrange(1, 3 * size)
        if cat == "labour":
            rate = rng.choice(rates)
            hh = max(1, (lo + hi) // 2 * 100 // rate)
            line = labour_line(f"c{n + 1}", member, step, f"{hh // 100}.{hh % 100:02d}", rate, **fields)
            lo = min(lo, rate * hh // 100)
            hi = max(hi, rate * hh // 100)
        else:
            line = amount_line(f"c{n + 1}", member, step, cat, (lo + hi) // 2, **fields)
        plan["costs"].append(flex(line, lo, hi))
    return plan
