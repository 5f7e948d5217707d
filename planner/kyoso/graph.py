"""§6: members, tools and integrations as a networkx graph, and the graph rules.

Each rule is a small function returning its finding (or None); :func:`build_graph` walks the plan once,
in the order the findings are reported (tools, meetings, integrations, integrated tools, sme_users, the
whole graph), builds the graph and marks the nodes each rule concerns for the app.
"""

from __future__ import annotations

import networkx as nx

from planner.kyoso.messages import emit
from planner.result import Finding, GraphSummary
from schemas.plan import Integration, Meeting, Member, Plan, Role, Tool

METHOD_JA = {
    "file_transfer": "ファイル転送",
    "resource_sharing": "リソース共有",
    "messaging": "メッセージング",
    "api": "API連携",
}


def mnode(member_id: str) -> str:
    return f"member:{member_id}"


def tnode(tool_id: str) -> str:
    return f"tool:{tool_id}"


# -- the §6 rules, one function each ---------------------------------------------------------------


def plan_unknown_reference_tool(t: Tool, unknown: list[str]) -> Finding | None:
    """plan.unknown_reference: a tool's vendor and users are members."""
    if not unknown:
        return None
    return emit("plan.unknown_reference", "tool", refs=[t.id, *unknown], tool=t.id, name=t.name,
                unknown=", ".join(unknown))


def plan_unknown_reference_meeting(mt: Meeting, roles: dict[str, Role]) -> Finding | None:
    """plan.unknown_reference: a meeting's participants are members."""
    unknown = [p for p in mt.participants if p not in roles]
    if not unknown:
        return None
    return emit("plan.unknown_reference", "meeting", refs=[mt.id, *unknown], meeting=mt.id, title=mt.title,
                unknown=", ".join(unknown))


def plan_no_integration(plan: Plan) -> Finding | None:
    """plan.no_integration: the plan has at least one integration."""
    return None if plan.integrations else emit("plan.no_integration")


def integration_invalid_endpoint(it: Integration, tools: dict[str, Tool]) -> Finding | None:
    """integration.invalid_endpoint: an integration joins two distinct tools of the plan."""
    if it.from_ in tools and it.to in tools and it.from_ != it.to:
        return None
    refs = [it.id, it.from_, it.to]
    if it.from_ == it.to:
        return emit("integration.invalid_endpoint", "same_tool", refs=refs, integration=it.id, tool=it.from_)
    missing = [x for x in (it.from_, it.to) if x not in tools]
    return emit("integration.invalid_endpoint", "missing_tool", refs=refs, integration=it.id,
                missing=", ".join(missing))


def integration_no_new_development(it: Integration) -> Finding | None:
    """integration.no_new_development: an integration is newly designed and developed (NG case 2)."""
    if it.new_development:
        return None
    return emit("integration.no_new_development", refs=[it.id], integration=it.id, from_=it.from_, to=it.to)


def tool_no_sales_record(t: Tool, its: list[Integration]) -> Finding | None:
    """tool.no_sales_record: an integrated tool has a sales record (NG case 3)."""
    if t.has_sales_record:
        return None
    return emit("tool.no_sales_record", refs=[t.id, *(i.id for i in its)], tool=t.id, name=t.name)


def tool_vendor_rights(t: Tool, its: list[Integration], roles: dict[str, Role]) -> Finding | None:
    """tool.vendor_rights: a tool whose vendor is not an it_vendor of the plan is joined only by api."""
    if t.vendor is not None and roles.get(t.vendor) == "it_vendor":
        return None
    non_api = [i for i in its if i.method != "api"]
    if not non_api:
        return None
    return emit("tool.vendor_rights", refs=[t.id, *(i.id for i in non_api)], tool=t.id, name=t.name,
                who=t.external_vendor or t.vendor or "?", integrations=", ".join(i.id for i in non_api))


def tool_no_user(t: Tool, roles: dict[str, Role]) -> Finding | None:
    """tool.no_user: an integrated tool has an sme_user among its users."""
    if any(roles.get(u) == "sme_user" for u in t.users):
        return None
    return emit("tool.no_user", refs=[t.id], tool=t.id, name=t.name)


def member_sme_user_without_integration(m: Member, reached: bool) -> Finding | None:
    """member.sme_user_without_integration: each sme_user uses an integrated tool."""
    if reached:
        return None
    return emit("member.sme_user_without_integration", refs=[m.id], member=m.id, name=m.name)


def graph_disconnected(components: list[list[str]]) -> Finding | None:
    """graph.disconnected: the integration graph is one connected part."""
    if len(components) <= 1:
        return None
    listed = " / ".join("{" + ", ".join(c) + "}" for c in components)
    return emit("graph.disconnected", refs=[tid for c in components for tid in c], n=len(components), listed=listed)


# -- the walk ----------------------------------------------------------------------------------------


def build_graph(plan: Plan) -> tuple[GraphSummary, list[Finding]]:
    """Build the graph and check §6.  Returns the summary for the UI and the findings."""
    findings: list[Finding] = []
    roles = {m.id: m.role for m in plan.members}
    tools = {t.id: t for t in plan.tools}
    g: nx.MultiGraph = nx.MultiGraph()
    problems: dict[str, list[str]] = {}

    def flag(node: str, rule: str) -> None:
        rules = problems.setdefault(node, [])
        if rule not in rules:
            rules.append(rule)

    for m in plan.members:
        g.add_node(mnode(m.id), kind="member", id=m.id, label=m.name, role=m.role)
    for t in plan.tools:
        g.add_node(tnode(t.id), kind="tool", id=t.id, label=t.name, has_sales_record=t.has_sales_record)
        unknown: list[str] = []
        if t.vendor is not None:
            if t.vendor in roles:
                g.add_edge(mnode(t.vendor), tnode(t.id), key=f"provides:{t.vendor}", kind="provides")
            else:
                unknown.append(t.vendor)
        for u in t.users:
            if u in roles:
                g.add_edge(mnode(u), tnode(t.id), key=f"uses:{u}", kind="uses")
            else:
                unknown.append(u)
        if (f := plan_unknown_reference_tool(t, unknown)) is not None:
            flag(tnode(t.id), f.rule)
            findings.append(f)
        if t.vendor is not None and roles.get(t.vendor) == "sme_user":  # reported by member.user_is_provider
            flag(mnode(t.vendor), "member.user_is_provider")
            flag(tnode(t.id), "member.user_is_provider")

    for mt in plan.meetings:
        if (f := plan_unknown_reference_meeting(mt, roles)) is not None:
            findings.append(f)

    if (f := plan_no_integration(plan)) is not None:
        findings.append(f)

    # integration edges and per-integration rules
    valid: list[Integration] = []
    for it in plan.integrations:
        if (f := integration_invalid_endpoint(it, tools)) is not None:
            findings.append(f)
            continue
        valid.append(it)
        g.add_edge(
            tnode(it.from_),
            tnode(it.to),
            key=f"integration:{it.id}",
            kind="integration",
            id=it.id,
            method=it.method,
            new_development=it.new_development,
        )
        if (f := integration_no_new_development(it)) is not None:
            flag(tnode(it.from_), f.rule)
            flag(tnode(it.to), f.rule)
            findings.append(f)

    integrated: dict[str, list[Integration]] = {}
    for it in valid:
        integrated.setdefault(it.from_, []).append(it)
        integrated.setdefault(it.to, []).append(it)

    for tool_id, its in integrated.items():
        t = tools[tool_id]
        for f_or_none in (tool_no_sales_record(t, its), tool_vendor_rights(t, its, roles), tool_no_user(t, roles)):
            if f_or_none is not None:
                flag(tnode(tool_id), f_or_none.rule)
                findings.append(f_or_none)

    reached: list[str] = []
    for m in plan.members:
        if m.role != "sme_user":
            continue
        uses_integrated = any(m.id in tools[tid].users for tid in integrated)
        if uses_integrated:
            reached.append(m.id)
        elif (f := member_sme_user_without_integration(m, uses_integrated)) is not None:
            flag(mnode(m.id), f.rule)
            findings.append(f)

    ig: nx.Graph = nx.Graph()
    ig.add_nodes_from(integrated)
    ig.add_edges_from((it.from_, it.to) for it in valid)
    order = {t.id: i for i, t in enumerate(plan.tools)}
    components = sorted(
        (sorted(c, key=order.__getitem__) for c in nx.connected_components(ig)),
        key=lambda c: order[c[0]],
    )
    if (f := graph_disconnected(components)) is not None:
        findings.append(f)
    degree = {t.id: sum(1 for it in valid if t.id in (it.from_, it.to)) for t in plan.tools}
    return GraphSummary(g, components, reached, degree, problems), findings
