"""A plan whose every text field carries Markdown, HTML, LaTeX and Streamlit directives (tests of the
"no markup from user text" control, docs/security.md).

Each field gets its own tag (``ZQ`` + a field code) so a leak names the field it came from.  The planted
URLs point at 127.0.0.2:9 (nothing listens there); the browser test fails on any request that leaves
127.0.0.1/localhost.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from tests.conftest import SAMPLE_PLAN

EVIL_HOST = "127.0.0.2"
MARK = "ZQ"  # in no text of the app itself


def hostile(tag: str) -> str:
    """The planted text for the field coded ``tag`` (under 200 characters: fits every Name field)."""
    t = MARK + tag
    return (f"{t} **bold{t}** ![x](http://{EVIL_HOST}:9/{t}.png) [link{t}](http://{EVIL_HOST}:9/{t}) "
            f"<img src=x onerror=alert(1)> :red[red{t}] $x^2$ _i{t}_ # h :smile: www.{t}.example")


def hostile_email(tag: str) -> str:
    t = MARK + tag
    return f"**{t}**![x](http://{EVIL_HOST}:9/{t}.png)@x"  # the e-mail pattern allows no spaces


def hostile_plan_dict() -> dict[str, Any]:
    d: dict[str, Any] = json.loads(SAMPLE_PLAN.read_text(encoding="utf-8"))
    c = d["consortium"]
    c["name"] = hostile("CN")
    c["contact"] = {"company": hostile("CC"), "title": hostile("CT"), "name": hostile("CP"),
                    "email": hostile_email("CE"), "phone": "03-0000-0000", "address": hostile("CA")}
    for i, m in enumerate(d["members"]):
        m["name"] = hostile(f"M{i}")
        m["representative"] = hostile(f"MR{i}")
        m["address"] = hostile(f"MA{i}")
    for i, tl in enumerate(d["tools"]):
        tl["name"] = hostile(f"T{i}")
        tl["description"] = hostile(f"TD{i}")
    d["tools"][0]["has_sales_record"] = False  # a graph finding that names the tool (and so its name)
    ext = next((tl for tl in d["tools"] if tl.get("external_vendor")), None)
    if ext is not None:
        ext["external_vendor"] = hostile("TX")
    for i, it in enumerate(d["integrations"]):
        it["description"] = hostile(f"I{i}")
    for i, mt in enumerate(d["meetings"]):
        mt["title"] = hostile(f"MT{i}")
    for i, s in enumerate(d["schedule"]):
        s["note"] = hostile(f"S{i}")
    for i, ln in enumerate(d["costs"]):
        ln["description"] = hostile(f"K{i}")
    ln = next(ln for ln in d["costs"] if ln["category"] == "expert")
    ln.pop("payee", None)
    ln["payee_external"] = hostile("KP")
    d["kenpo_rates"] = {"title": hostile("KT"), "rates": {"20": 1560}}
    base = copy.deepcopy(d)
    variant = copy.deepcopy(base)
    variant["costs"] = variant["costs"][:-1]
    d["scenarios"] = [{"name": hostile("SC"), "note": hostile("SN"), "plan": variant}]
    return d


LEAKS = (
    rf"(?<!\\)\*\*bold{MARK}", rf"(?<!\\)\[link{MARK}", r"(?<!\\)\[x", r"(?<!\\)<img", r"(?<!\\):red",
    r"(?<!\\)\$x", rf"(?<!\\)_i{MARK}", r"(?<!\\)# h", r"(?<!\\):smile", rf"www\.{MARK}", rf"\*\*{MARK}",
)


def leaked_markup(body: str) -> list[str]:
    """The planted markup a Markdown body would still interpret (empty: every special is escaped)."""
    return [pattern for pattern in LEAKS if re.search(pattern, body)]
