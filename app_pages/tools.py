"""ITツールと連携: tools and integrations editable, the graph across the full width, its legend and findings below."""

from __future__ import annotations

import streamlit as st

import planner.views as views
from planner.result import Finding
from schemas.plan import METHODS
from ui import charts, state
from ui.editors import Col, read_only_note, table_editor
from ui.i18n import method_label, t
from ui.pages import finding_box, id_name_fmt

GRAPH_RULE_PREFIXES = ("plan.", "tool.", "integration.", "graph.", "member.sme_user_without_integration",
                       "member.user_is_provider")


def render() -> None:
    plan = state.get_plan()
    result = state.current_result()
    members = {m.id: m for m in plan.members}
    tools = {tl.id: tl for tl in plan.tools}
    vendors = views.tool_vendor_options(plan)
    users = views.tool_user_options(plan)
    problems = result.graph.problem_nodes
    member_fmt = id_name_fmt(members)
    tool_fmt = id_name_fmt(tools)

    read_only_note()
    st.subheader(t("t.tools"))
    st.caption(t("t.tools_help"))
    table_editor(
        "tools",
        "tools",
        [
            Col("id", "id", t("col.id"), width="small", pinned=True),
            Col("name", "text", t("col.name"), width="medium"),
            Col("vendor", "select", t("col.vendor"), options=vendors, fmt=member_fmt),
            Col("external_vendor", "text", t("col.external_vendor")),
            Col("has_sales_record", "reqbool", t("col.has_sales_record")),
            Col("problems", "ro_text", t("col.problems")),
            Col("users", "multi", t("col.users"), options=users, fmt=member_fmt, width="large"),
            Col("description", "text", t("col.description")),
        ],
        readonly=lambda: {"problems": [", ".join(problems.get(f"tool:{tl.id}", [])) for tl in plan.tools]},
        id_prefix="t",
        rename_kind="tool",
    )

    st.subheader(t("t.integrations"))
    table_editor(
        "integrations",
        "integrations",
        [
            Col("id", "id", t("col.id"), width="small", pinned=True),
            Col("from", "select", t("col.from"), options=list(tools), fmt=tool_fmt, width="medium"),
            Col("to", "select", t("col.to"), options=list(tools), fmt=tool_fmt, width="medium"),
            Col("method", "select", t("col.method"), options=METHODS, fmt=method_label),
            Col("new_development", "reqbool", t("col.new_development")),
            Col("description", "text", t("col.description")),
        ],
        id_prefix="i",
        rename_kind="integration",
    )

    st.subheader(t("t.graph"))
    # the whole width: the graph is drawn at its natural size (charts.NODE_PT) and only shrunk to fit
    if plan.members or plan.tools:
        st.graphviz_chart(state.memo_get("graph_dot", lambda: charts.graph_dot(result)), width="content")
    with st.expander(t("t.legend_title"), expanded=True):
        st.graphviz_chart(state.memo_get("graph_legend", charts.legend_dot), width="content")
        st.caption(t("t.legend_lines"))
    st.caption(t("t.components", n=len(result.graph.components)))
    st.markdown(f"**{t('t.findings')}**")
    graph_findings: list[Finding] = [f for f in result.findings if f.rule.startswith(GRAPH_RULE_PREFIXES)]
    if not graph_findings:
        st.success(t("r.none"))
    for f in graph_findings:
        finding_box(f)

render()
