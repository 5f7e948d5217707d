"""Small rendering pieces shared by pages: a finding box, names for the ids a finding concerns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from planner.kyoso.rules import RULES_BY_ID
from planner.result import Finding
from ui import fmt, state
from ui.i18n import category_label, role_label, step_label, t

ICONS = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}


def _ref_index() -> dict[str, str]:
    plan = state.get_plan()
    out: dict[str, str] = {}
    for ln in state.current_result().lines:
        out[ln.id] = f"{ln.id} {ln.member} {step_label(ln.step, short=True)} {category_label(ln.category)} {fmt.yen(ln.claimed_yen)}"
    for mt in plan.meetings:
        out[mt.id] = f"{mt.id} {mt.title}"
    for it in plan.integrations:
        out[it.id] = f"{it.id} {it.from_}→{it.to}"
    for tl in plan.tools:
        out[tl.id] = f"{tl.id} {tl.name}"
    for m in plan.members:
        out[m.id] = f"{m.id} {m.name}({role_label(m.role)})"
    for n in (1, 2, 3, 4):
        out[f"step{n}"] = step_label(n)
    return out


def id_name_fmt(items: Mapping[str, Any]) -> Callable[[object], str]:
    """A select's ``format_func`` for ids: ``"id name"`` (the id alone when ``items`` does not know it)."""

    def fmt_id(x: object) -> str:
        item = items.get(str(x))
        return f"{x} {item.name}" if item is not None else str(x)

    return fmt_id


def describe_ref(ref: str) -> str:
    """An id a finding names, with what it is (member, tool, line, …)."""
    index: dict[str, str] = state.memo_get("ref_index", _ref_index)
    return index.get(ref, ref)


def finding_box(f: Finding) -> None:
    lang = state.lang()
    body = [f"**{fmt.md_escape(f.message(lang))}**", f"`{f.rule}`"]
    spec = RULES_BY_ID.get(f.rule)
    if spec is not None and spec.interpretation:
        body[-1] += f" · _{t('r.interpretation')}_"
    if f.refs:
        body.append(f"{t('r.rows')}: " + "、".join(fmt.md_escape(describe_ref(r)) for r in f.refs))
    if f.yen:
        body.append(f"{t('r.removed')}: {fmt.yen(f.yen)}")
    if f.fix(lang):
        body.append(f"{t('r.fix')}: {fmt.md_escape(f.fix(lang))}")
    text = "  \n".join(body)
    if f.severity == "error":
        st.error(text, icon=ICONS["error"])
    elif f.severity == "warning":
        st.warning(text, icon=ICONS["warning"])
    else:
        st.info(text, icon=ICONS["info"])
