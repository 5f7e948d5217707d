"""§6: members, tools and integrations as a networkx graph, and the graph rules."""

from __future__ import annotations

import networkx as nx

from planner.kyoso.rules import severity
from planner.result import Finding, GraphSummary
from schemas.plan import Integration, Plan

METHOD_JA = {
    "file_transfer": "ファイル転送",
    "resource_sharing": "リソース共有",
    "messaging": "メッセージング",
    "api": "API連携",
}


def finding(
    rule: str,
    ja: str,
    en: str,
    refs: list[str] | tuple[str, ...],
    fix_ja: str,
    fix_en: str,
    yen: int | None = None,
) -> Finding:
    return Finding(rule, severity(rule), ja, en, tuple(refs), fix_ja, fix_en, yen)


def mnode(member_id: str) -> str:
    return f"member:{member_id}"


def tnode(tool_id: str) -> str:
    return f"tool:{tool_id}"


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
        if unknown:
            flag(tnode(t.id), "plan.unknown_reference")
            findings.append(
                finding(
                    "plan.unknown_reference",
                    f"ツール {t.id}({t.name})が存在しないメンバー {', '.join(unknown)} を参照しています",
                    f"tool {t.id} ({t.name}) names member(s) that do not exist: {', '.join(unknown)}",
                    [t.id, *unknown],
                    "メンバーを追加するか、ツールの vendor / users を直してください",
                    "add the member(s) or correct the tool's vendor / users",
                )
            )
        if t.vendor is not None and roles.get(t.vendor) == "sme_user":
            flag(mnode(t.vendor), "member.user_is_provider")
            flag(tnode(t.id), "member.user_is_provider")

    for mt in plan.meetings:
        unknown = [p for p in mt.participants if p not in roles]
        if unknown:
            findings.append(
                finding(
                    "plan.unknown_reference",
                    f"会議 {mt.id}({mt.title})の参加者 {', '.join(unknown)} はメンバーにいません",
                    f"meeting {mt.id} ({mt.title}) lists participants that are not members: {', '.join(unknown)}",
                    [mt.id, *unknown],
                    "参加者をメンバーから選び直してください",
                    "choose the participants among the members",
                )
            )

    if not plan.integrations:
        findings.append(
            finding(
                "plan.no_integration",
                "ITツール間の連携(integration)が1つもありません。本補助金は複数ツールの連携が前提です",
                "the plan has no integration between IT tools; the programme funds integrations",
                [],
                "「ITツールと連携」で連携を追加してください(連携元・連携先・方式)",
                "add an integration (from, to, method) between two tools",
            )
        )

    # integration edges and per-integration rules
    valid: list[Integration] = []
    for it in plan.integrations:
        ends_ok = it.from_ in tools and it.to in tools and it.from_ != it.to
        if not ends_ok:
            if it.from_ == it.to:
                ja, en = (
                    f"連携 {it.id} の連携元と連携先が同じツール {it.from_} です",
                    f"integration {it.id} joins tool {it.from_} to itself",
                )
            else:
                missing = [x for x in (it.from_, it.to) if x not in tools]
                ja = f"連携 {it.id} のツール {', '.join(missing)} が存在しません"
                en = f"integration {it.id} names tool(s) that do not exist: {', '.join(missing)}"
            findings.append(
                finding(
                    "integration.invalid_endpoint",
                    ja,
                    en,
                    [it.id, it.from_, it.to],
                    "連携元と連携先に、計画にある別々のツールを指定してください",
                    "make from and to two different tools of the plan",
                )
            )
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
        if not it.new_development:
            flag(tnode(it.from_), "integration.no_new_development")
            flag(tnode(it.to), "integration.no_new_development")
            findings.append(
                finding(
                    "integration.no_new_development",
                    f"連携 {it.id}({it.from_}→{it.to})は既存の連携機能の利用で、新たな設計・開発を伴いません(NGケース②)",
                    f"integration {it.id} ({it.from_}→{it.to}) reuses an existing linkage without new "
                    "design/development (NG case 2)",
                    [it.id],
                    "新たに設計・開発する連携にするか、この連携を計画から外してください",
                    "make it a newly designed and developed integration, or remove it",
                )
            )

    integrated: dict[str, list[Integration]] = {}
    for it in valid:
        integrated.setdefault(it.from_, []).append(it)
        integrated.setdefault(it.to, []).append(it)

    for tool_id, its in integrated.items():
        t = tools[tool_id]
        node = tnode(tool_id)
        if not t.has_sales_record:
            flag(node, "tool.no_sales_record")
            findings.append(
                finding(
                    "tool.no_sales_record",
                    f"連携するツール {t.id}({t.name})に販売実績がありません(NGケース③)",
                    f"tool {t.id} ({t.name}) takes part in an integration but has no sales record (NG case 3)",
                    [t.id, *(i.id for i in its)],
                    "販売実績のあるツールに替えるか、販売実績を確認して has_sales_record を直してください",
                    "use a tool with a sales record, or correct has_sales_record",
                )
            )
        vendor_in_plan = t.vendor is not None and roles.get(t.vendor) == "it_vendor"
        if not vendor_in_plan:
            non_api = [i for i in its if i.method != "api"]
            if non_api:
                flag(node, "tool.vendor_rights")
                who = t.external_vendor or t.vendor or "?"
                findings.append(
                    finding(
                        "tool.vendor_rights",
                        f"ツール {t.id}({t.name})の権利者 {who} は計画内のITベンダではないため、API以外の連携 "
                        f"{', '.join(i.id for i in non_api)} はできません",
                        f"tool {t.id} ({t.name}) belongs to {who}, not an it_vendor of the plan, so its non-api "
                        f"integration(s) {', '.join(i.id for i in non_api)} are not allowed",
                        [t.id, *(i.id for i in non_api)],
                        "連携方式を API にするか、ツールの提供ベンダをコンソーシアムに加えてください",
                        "switch the integration to api, or bring the tool's vendor into the consortium",
                    )
                )
        if not any(roles.get(u) == "sme_user" for u in t.users):
            flag(node, "tool.no_user")
            findings.append(
                finding(
                    "tool.no_user",
                    f"連携するツール {t.id}({t.name})を利用する中小ユーザ企業がいません",
                    f"tool {t.id} ({t.name}) takes part in an integration but no sme_user uses it",
                    [t.id],
                    "ツールの利用者(users)に中小ユーザ企業を加えてください",
                    "add the sme_user(s) using it to the tool's users",
                )
            )

    reached: list[str] = []
    for m in plan.members:
        if m.role != "sme_user":
            continue
        if any(m.id in tools[tid].users for tid in integrated):
            reached.append(m.id)
        else:
            flag(mnode(m.id), "member.sme_user_without_integration")
            findings.append(
                finding(
                    "member.sme_user_without_integration",
                    f"中小ユーザ企業 {m.id}({m.name})は連携するツールを利用していません",
                    f"sme_user {m.id} ({m.name}) uses no tool that takes part in an integration",
                    [m.id],
                    "連携するツールの利用者に加えるか、このメンバーの役割を見直してください",
                    "add the member to the users of an integrated tool, or reconsider its role",
                )
            )

    ig: nx.Graph = nx.Graph()
    ig.add_nodes_from(integrated)
    ig.add_edges_from((it.from_, it.to) for it in valid)
    order = {t.id: i for i, t in enumerate(plan.tools)}
    components = sorted(
        (sorted(c, key=order.__getitem__) for c in nx.connected_components(ig)),
        key=lambda c: order[c[0]],
    )
    if len(components) > 1:
        listed = " / ".join("{" + ", ".join(c) + "}" for c in components)
        findings.append(
            finding(
                "graph.disconnected",
                f"連携グラフが {len(components)} つに分かれています: {listed}",
                f"the integration graph has {len(components)} separate parts: {listed}",
                [tid for c in components for tid in c],
                "一体的な連携を示すには、分かれた部分をつなぐ連携を検討してください",
                "consider an integration that joins the separate parts",
            )
        )
    degree = {t.id: sum(1 for it in valid if t.id in (it.from_, it.to)) for t in plan.tools}
    return GraphSummary(g, components, reached, degree, problems), findings
