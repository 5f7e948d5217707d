"""Charts built from the engine's result: cap ladder, stacked bars, Gantt (Altair) and the graph (DOT)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import altair as alt
import pandas as pd

from planner.result import Result
from planner.views import LadderStep
from ui import fmt
from ui.i18n import category_label, method_label, role_label, step_label, t

FONT = "Noto Sans CJK JP, Noto Sans JP, sans-serif"
# the four integration methods, each its own hue (none grey: a grey edge label reads as plain text)
METHOD_COLOURS = {"file_transfer": "#00897b", "resource_sharing": "#803df5", "messaging": "#e67700", "api": "#1c83e1"}
METHOD_MD = {"file_transfer": "green", "resource_sharing": "violet", "messaging": "orange", "api": "blue"}
ROLE_COLOURS = {"sme_user": "#d9f2e3", "it_vendor": "#dbe9f7", "collaborator": "#eeeeee"}


def _style(chart: Any, height: int = 260) -> dict[str, Any]:
    """The finished Vega-Lite spec (built once per plan by the caller's cache; validation skipped)."""
    styled = chart.properties(height=height).configure_axis(labelFont=FONT, titleFont=FONT).configure_legend(
        labelFont=FONT, titleFont=FONT
    ).configure_text(font=FONT)
    spec: dict[str, Any] = styled.to_dict(validate=False)
    return _arrow_datasets(spec)


def _arrow_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """Serialise the spec's datasets to Arrow once, so a rerun only sends the cached bytes."""
    try:
        from streamlit import dataframe_util

        spec["datasets"] = {
            name: values if isinstance(values, bytes)
            else dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(values))
            for name, values in spec.get("datasets", {}).items()
        }
    except Exception:  # an internal helper of Streamlit: without it the chart is simply converted per run
        pass
    return spec


def show(name: str, factory: Callable[[], dict[str, Any]]) -> None:
    """Draw a chart whose Vega-Lite spec is built once per plan and language (reruns reuse it)."""
    import streamlit as st

    from ui import state

    spec = state.memo_get(f"chart:{name}", factory)
    st.vega_lite_chart(spec=spec, width="stretch")


def cap_ladder(steps: Sequence[LadderStep], raw_total: int) -> Any:
    df = pd.DataFrame(
        {
            "n": [s.members for s in steps],
            "cap": [s.cap_yen for s in steps],
            "label": [fmt.yen(s.cap_yen) for s in steps],
            "now": ["●" if s.current else "" for s in steps],
        }
    )
    x_title = t("m.members")
    base = alt.Chart(df).encode(x=alt.X("n:O", title=x_title, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar().encode(
        y=alt.Y("cap:Q", title=t("m.cap"), axis=alt.Axis(format="~s")),
        color=alt.condition(alt.datum.now == "●", alt.value("#1f6f43"), alt.value("#b7d7c4")),
        tooltip=[alt.Tooltip("n:O", title=x_title), alt.Tooltip("label:N", title=t("m.cap"))],
    )
    text = base.mark_text(dy=-6, fontSize=11).encode(y="cap:Q", text="label:N")
    rule_df = pd.DataFrame({"raw": [raw_total], "label": [f"{t('c.ladder_raw')} {fmt.yen(raw_total)}"]})
    rule = alt.Chart(rule_df).mark_rule(color="#d62728", strokeDash=[4, 3]).encode(y="raw:Q")
    rule_text = alt.Chart(rule_df).mark_text(align="left", dx=4, dy=-6, color="#d62728").encode(
        y="raw:Q", text="label:N", x=alt.value(0)
    )
    return _style(alt.layer(bars, text, rule, rule_text), 240)


def member_category_bars(result: Result) -> Any:
    rows = []
    for m in result.members:
        for cat, yen in m.claimed_by_category.items():
            if yen:
                rows.append({"member": f"{m.id} {m.name}", "category": category_label(cat), "yen": yen, "label": fmt.yen(yen)})
    df = pd.DataFrame(rows, columns=["member", "category", "yen", "label"])
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("yen:Q", title=t("col.claimed"), axis=alt.Axis(format="~s")),
        y=alt.Y("member:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("category:N", title=t("col.category")),
        tooltip=["member:N", "category:N", alt.Tooltip("label:N", title=t("col.claimed"))],
    )
    return _style(chart, max(160, 34 * max(1, len(result.members))))


def subsidy_own_bars(result: Result) -> Any:
    rows = []
    for m in result.members:
        if not m.claimed_yen:
            continue
        for kind, yen in ((t("m.subsidy"), m.subsidy_yen), (t("m.own"), m.own_funds_yen)):
            rows.append({"member": f"{m.id} {m.name}", "kind": kind, "yen": yen, "label": fmt.yen(yen)})
    df = pd.DataFrame(rows, columns=["member", "kind", "yen", "label"])
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("yen:Q", title=t("m.claimed"), axis=alt.Axis(format="~s")),
        y=alt.Y("member:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(domain=[t("m.subsidy"), t("m.own")], range=["#1f6f43", "#c7c7c7"]),
        ),
        order=alt.Order("kind:N", sort="descending"),
        tooltip=["member:N", "kind:N", alt.Tooltip("label:N", title=t("col.yen"))],
    )
    return _style(chart, max(160, 34 * max(1, len(df) // 2)))


def grouped_bars(rows: Sequence[tuple[str, str, int]], series: Sequence[str]) -> dict[str, Any]:
    """Horizontal bars, one group per category and one bar per series: (category, series, yen) rows.

    What ``st.bar_chart(stack=False, horizontal=True)`` draws, as a spec built once (the caller caches it):
    st.bar_chart rebuilt and validated its Altair chart on every rerun (a quarter of the IT導入 page's run).
    """
    df = pd.DataFrame(
        [{"category": c, "series": s, "yen": y, "label": fmt.yen(y)} for c, s, y in rows],
        columns=["category", "series", "yen", "label"],
    )
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("yen:Q", title=None, axis=alt.Axis(format="~s")),
        y=alt.Y("category:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("series:N", sort=list(series)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=list(series))),
        tooltip=["category:N", "series:N", alt.Tooltip("label:N", title="¥")],
    )
    n = len({c for c, _s, _y in rows})
    return _style(chart, max(120, 26 * len(series) * max(1, n)))


def gantt(schedule: Sequence[Any], decision: date | None, end: date | None, lang: str) -> Any:
    rows = [
        {
            "step": step_label(s.step),
            "start": s.start.isoformat(),
            "end": (s.end + timedelta(days=1)).isoformat() if s.end >= s.start else s.start.isoformat(),
            "label": f"{fmt.wareki(s.start, lang)} – {fmt.wareki(s.end, lang)}",
        }
        for s in sorted(schedule, key=lambda s: s.step)
    ]
    df = pd.DataFrame(rows, columns=["step", "start", "end", "label"])
    bars = alt.Chart(df).mark_bar(cornerRadius=3, color="#4c9a6a").encode(
        x=alt.X("start:T", title=None, axis=alt.Axis(format="%Y-%m-%d")),
        x2="end:T",
        y=alt.Y("step:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        tooltip=[alt.Tooltip("step:N", title="STEP"), alt.Tooltip("label:N", title=t("col.wareki"))],
    )
    layers: list[Any] = [bars]
    marks = []
    if decision is not None:
        marks.append({"date": decision.isoformat(), "what": f"{t('s.decision')} {fmt.wareki(decision, lang)}",
                      "c": "#1f77b4", "align": "left", "dx": 4})
    if end is not None:
        marks.append({"date": end.isoformat(), "what": f"{t('s.end')} {fmt.wareki(end, lang)}", "c": "#d62728",
                      "align": "right", "dx": -4})
    if marks:
        mdf = pd.DataFrame(marks)
        layers.append(
            alt.Chart(mdf).mark_rule(strokeWidth=2, strokeDash=[5, 3]).encode(
                x="date:T", color=alt.Color("c:N", scale=None), tooltip=["what:N"]
            )
        )
        for align in ("left", "right"):
            part = mdf[mdf["align"] == align]
            if len(part):
                layers.append(
                    alt.Chart(part).mark_text(align=align, dx=4 if align == "left" else -4, dy=-4, fontSize=11,
                                              baseline="bottom").encode(
                        x="date:T", y=alt.value(0), text="what:N", color=alt.Color("c:N", scale=None)
                    )
                )
    return _style(alt.layer(*layers), 60 + 40 * max(1, len(rows)))


# -- the graph (Graphviz DOT, drawn by the browser: no system binary) ------------------------------------


def _q(text: Any) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


# Graphviz sizes are points; the chart is drawn at its natural size (1 pt = 4/3 px) and only shrunk to fit
# its container, so 12 pt node text is ~14 px on screen while the graph fits the page's full width.
NODE_PT = 12
EDGE_PT = 11
_GRAPH = '  graph [rankdir=LR, fontname="Noto Sans CJK JP", bgcolor="transparent", pad=0.1, nodesep=0.18, ranksep=0.3];'


def _node_label(parts: Sequence[str]) -> str:
    return '"' + "\\n".join(_q(p)[1:-1] for p in parts) + '"'


def graph_dot(result: Result) -> str:
    g = result.graph.graph
    problems = result.graph.problem_nodes
    lines = [
        "graph kyoso {",
        _GRAPH,
        f'  node [fontname="Noto Sans CJK JP", fontsize={NODE_PT}, style=filled, margin="0.08,0.03"];',
        f'  edge [fontname="Noto Sans CJK JP", fontsize={EDGE_PT}];',
    ]
    for node, data in g.nodes(data=True):
        kind = data.get("kind")
        parts = [str(data.get("id")), str(data.get("label"))]
        attrs = []
        if kind == "member":
            role = str(data.get("role"))
            # a rounded box, not an ellipse: the same text in a narrower node (the width decides the scale)
            attrs += ["shape=box", 'style="rounded,filled"', f"fillcolor={_q(ROLE_COLOURS.get(role, '#ffffff'))}"]
            parts.append(f"({role_label(role)})")
        else:
            attrs += ["shape=box", 'fillcolor="#fff8e1"']
        rules = problems.get(node)
        if rules:
            attrs += ['color="#d62728"', "penwidth=3", f"tooltip={_q(', '.join(rules))}"]
        else:
            attrs += ['color="#666666"']
        lines.append(f"  {_q(node)} [label={_node_label(parts)}, {', '.join(attrs)}];")
    for u, v, data in g.edges(data=True):
        kind = data.get("kind")
        if kind == "integration":
            method = str(data.get("method"))
            colour = METHOD_COLOURS.get(method, "#333333")
            style = "solid" if data.get("new_development") else "dashed"
            # two short lines: in a left-to-right layout a label's width widens the gap between two ranks
            lab = _node_label([str(data.get("id")), method_label(method)])
            lines.append(f"  {_q(u)} -- {_q(v)} [color={_q(colour)}, penwidth=3, style={style}, label={lab}, "
                         f"fontcolor={_q(colour)}];")
        elif kind == "provides":
            lines.append(f'  {_q(u)} -- {_q(v)} [color="#999999", style=dashed];')
        else:
            lines.append(f'  {_q(u)} -- {_q(v)} [color="#bbbbbb"];')
    lines.append("}")
    return "\n".join(lines)


def _h(text: str) -> str:
    """Text for a Graphviz HTML-like label."""
    return html.escape(text, quote=True)


def _bar(colour: str, dashed: bool = False) -> str:
    """A line sample: one bar, or three short ones for a dashed line."""
    cell = f'<TD BGCOLOR="{_h(colour)}" WIDTH="{{w}}" HEIGHT="4" FIXEDSIZE="TRUE"></TD>'
    cells = cell.format(w=8) * 3 if dashed else cell.format(w=36)
    # in a table of its own, so the text beside it does not stretch the bar to the row's height
    return f'<TD><TABLE BORDER="0" CELLSPACING="3" CELLPADDING="0"><TR>{cells}</TR></TABLE></TD>'


def _box(label: str, fill: str, border: str = "#666666", width: int = 1, rounded: bool = False) -> str:
    style = ' STYLE="rounded"' if rounded else ""
    return (f'<TD><TABLE BORDER="{width}" CELLBORDER="0" CELLPADDING="3" COLOR="{_h(border)}" '
            f'BGCOLOR="{_h(fill)}"{style}><TR><TD>{_h(label)}</TD></TR></TABLE></TD>')


def legend_dot() -> str:
    """The legend as one picture (a Graphviz HTML-like table): the four integration methods, each a line and a
    name in its colour; new vs existing integrations and the red outline of a node with findings; the kinds of
    node, drawn as in the graph."""
    methods = "".join(f'{_bar(c)}<TD ALIGN="LEFT"><FONT COLOR="{_h(c)}">{_h(method_label(m))}</FONT></TD>'
                      for m, c in METHOD_COLOURS.items())
    styles = (f'{_bar("#444444")}<TD ALIGN="LEFT">{_h(t("t.legend_new"))}</TD>'
              f'{_bar("#444444", dashed=True)}<TD ALIGN="LEFT">{_h(t("t.legend_existing"))}</TD>')
    nodes = "".join(_box(role_label(r), c, rounded=True) for r, c in ROLE_COLOURS.items())
    nodes += _box(t("t.legend_tool"), "#fff8e1") + _box(t("t.legend_problem"), "#ffffff", "#d62728", 3)

    def row(cells: str) -> str:
        return f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="6" CELLPADDING="0"><TR>{cells}</TR></TABLE></TD></TR>'

    table = f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">{row(methods)}{row(styles)}{row(nodes)}</TABLE>'
    return "\n".join([
        "graph legend {",
        '  graph [bgcolor="transparent", pad=0.02];',
        f'  node [fontname="Noto Sans CJK JP", fontsize={NODE_PT}];',
        f"  legend [shape=plaintext, margin=0, label=<{table}>];",
        "}",
    ])


def method_legend() -> str:
    return " ".join(f":{METHOD_MD[m]}[**{method_label(m)}**]" for m in METHOD_COLOURS)
