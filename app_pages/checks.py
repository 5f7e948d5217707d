"""ルールチェック: every finding by severity and rule; the three ratio rules as gauges with headroom."""

from __future__ import annotations

import streamlit as st

import planner.views as views
from planner.kyoso.rules import RULES_BY_ID
from planner.result import SEVERITIES, Finding
from ui import fmt, state
from ui.i18n import severity_label, t
from ui.pages import finding_box

#: The ratio rules shown as gauges, in this order; their parameters come from the rule registry.
RATIO_RULES = ("cost.subcontract_half", "cost.user_labour_third", "cost.software_cloud_half")


def _gauges() -> None:
    result = state.current_result()
    pack = state.current_pack()
    plan = state.get_plan()
    names = {m.id: m.name for m in plan.members}
    st.markdown(f"##### {t('r.ratios')}")
    for rule in RATIO_RULES:
        checks = [r for r in result.ratios if r.rule == rule]
        if not checks:
            continue
        with st.container(border=True):
            st.markdown(f"**{t('ratio.' + rule)}** · `{rule}`")
            st.caption(t("ratio.help." + rule))
            for note_name, note in views.interpretation_notes(pack, *RULES_BY_ID[rule].params, lang=state.lang()):
                st.caption(f"{t('r.interpretation')} ({note_name}): {note}")
            for r in checks:
                scope = "" if r.scope == "consortium" else fmt.md_escape(f"{r.scope} {names.get(r.scope, '')}") + ": "
                limit = max(r.limit_yen, 0)
                share = 1.0 if limit == 0 and r.limited_yen > 0 else (r.limited_yen / limit if limit else 0.0)
                text = scope + t("r.gauge", limited=fmt.yen(r.limited_yen), limit=fmt.yen(limit)) + \
                    " · " + t("r.gauge_basis", basis=fmt.yen(r.basis_yen))
                st.progress(min(1.0, share), text=text)
                if r.removed_yen:
                    st.markdown(f":red[{t('r.over', yen=fmt.yen(r.removed_yen))}]")
                else:
                    st.markdown(f":green[{t('r.headroom', yen=fmt.yen(r.headroom_yen))}]")


def render() -> None:
    result = state.current_result()
    st.subheader(t("r.header"))
    st.caption(t("r.counts", e=result.count("error"), w=result.count("warning"), i=result.count("info")))
    left, right = st.columns([3, 2])
    with left:
        if not result.findings:
            st.success(t("r.none"))
        for sev in SEVERITIES:
            group = [f for f in result.findings if f.severity == sev]
            if not group:
                continue
            st.markdown(f"##### {severity_label(sev)}({len(group)})")
            by_rule: dict[str, list[Finding]] = {}
            for f in group:
                by_rule.setdefault(f.rule, []).append(f)
            for rule, items in by_rule.items():
                spec = RULES_BY_ID.get(rule)
                what = (spec.checks_ja if state.lang() == "ja" else spec.checks_en) if spec else ""
                with st.expander(f"`{rule}` — {what}({len(items)})", expanded=sev != "info"):
                    for f in items:
                        finding_box(f)
    with right:
        _gauges()


render()
