"""シナリオ・最適化: scenarios of the plan, their comparison, what-if variants, headroom, the optimiser.

Every figure comes from ``planner.evaluate`` (through ``planner.scenarios`` and ``planner.optimize``);
this page only renders.  Nothing here overwrites the plan's own lines: what-if variants and optimiser
results are appended as new scenarios (``ui.state.set_plan``), and opening a scenario keeps the former
plan as a scenario.
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

import planner
from planner import scenarios as sc
from planner.kyoso.engine import ROLE_JA
from planner.optimize import OptimizeResult, optimize
from schemas import METHODS, Plan
from ui import fmt, state, store_bridge
from ui.charts import FONT
from ui.editors import read_only, read_only_note
from ui.i18n import pick

_L: dict[str, tuple[str, str]] = {
    "title": ("シナリオ・最適化", "Scenarios & optimiser"),
    "tab.list": ("シナリオと比較", "Scenarios & comparison"),
    "tab.whatif": ("What-if", "What-if"),
    "tab.headroom": ("余裕(ヘッドルーム)", "Headroom"),
    "tab.opt": ("配分の最適化", "Allocation optimiser"),
    "list.none": (
        "シナリオはまだありません。What-if や最適化の結果がシナリオとして追加されます(計画そのものは書き換えません)。",
        "No scenarios yet. What-if variants and optimiser results are added as scenarios (the plan itself is never overwritten).",
    ),
    "col.name": ("シナリオ", "Scenario"),
    "col.created": ("作成", "Created"),
    "col.note": ("メモ", "Note"),
    "col.subsidy": ("補助金額", "Subsidy"),
    "col.claimed": ("申請経費", "Claimed"),
    "col.own": ("自己負担", "Own funds"),
    "col.errors": ("エラー", "Errors"),
    "col.warnings": ("警告", "Warnings"),
    "open": ("このシナリオを計画にする", "Make this scenario the plan"),
    "open.help": (
        "今の計画は「採用前の計画」としてシナリオに残ります",
        "the current plan is kept as a scenario (nothing is lost)",
    ),
    "delete": ("シナリオを削除", "Delete the scenario"),
    "pick": ("操作するシナリオ", "Scenario"),
    "opened": ("シナリオ「{name}」を計画にしました(元の計画はシナリオに残しています)", "Scenario “{name}” is now the plan (the former plan is kept as a scenario)"),
    "deleted": ("シナリオ「{name}」を削除しました", "Deleted scenario “{name}”"),
    "cmp": ("比較", "Comparison"),
    "cmp.pick": ("比較するもの(最初が基準)", "Compare (the first is the reference)"),
    "cmp.pick.placeholder": ("シナリオを選択", "Pick scenarios"),
    "cmp.need2": ("2つ以上選んでください", "Choose two or more"),
    "cmp.figure": ("項目", "Figure"),
    "cmp.members": ("メンバー別 補助金 / 自己負担", "Per member: subsidy / own funds"),
    "cmp.diff": ("「{b}」と「{a}」の違い", "“{b}” against “{a}”"),
    "cmp.added": ("増えた指摘", "Findings added"),
    "cmp.removed": ("なくなった指摘", "Findings removed"),
    "cmp.lines": ("経費行の違い", "Cost line differences"),
    "cmp.nodiff": ("違いはありません", "No differences"),
    "chart.kind.subsidy": ("補助金", "Subsidy"),
    "chart.kind.own": ("自己負担", "Own funds"),
    "w.intro": (
        "ボタンを押すと、変更した計画が新しいシナリオとして追加されます。今の計画は変わりません。",
        "Each button adds the changed plan as a new scenario; the current plan does not change.",
    ),
    "w.add": ("メンバーを追加", "Add a member"),
    "w.role": ("役割", "Role"),
    "w.large": ("大企業のITベンダ(補助率が1/2になります)", "Large-enterprise vendor (the rate becomes 1/2)"),
    "w.add.go": ("追加したシナリオを作る", "Make the scenario"),
    "w.remove": ("メンバーを除外", "Remove a member"),
    "w.move": ("経費行を別のメンバー・STEPへ移す", "Move a cost line to another member or STEP"),
    "w.line": ("経費行", "Cost line"),
    "w.to_member": ("移動先のメンバー", "To member"),
    "w.to_step": ("移動先のSTEP", "To STEP"),
    "w.method": ("連携方式を変える", "Switch an integration's method"),
    "w.integration": ("連携", "Integration"),
    "w.new_method": ("新しい方式", "New method"),
    "w.made": ("シナリオ「{name}」を追加しました: {note}", "Added scenario “{name}”: {note}"),
    "w.failed": ("シナリオを作れませんでした: {err}", "Could not make the scenario: {err}"),
    "w.none": ("対象がありません", "Nothing to choose"),
    "h.intro": (
        "各ルール・上限について、あと何円(補助対象経費)増やしても対象外にならないか。ルールごとの単独の値です。",
        "How many more eligible yen each rule (and the cap) allows before it binds — each rule on its own.",
    ),
    "h.rule": ("ルール", "Rule"),
    "h.scope": ("範囲", "Scope"),
    "h.yen": ("あと増やせる額", "Room"),
    "h.over": ("超過額", "Over by"),
    "h.text": ("説明", "Explanation"),
    "o.intro": (
        "経費行の可変範囲(flex: min_yen〜max_yen)の中で、補助金が最大になる金額を選びます。同じ補助金なら自己負担が最小の配分を選びます。"
        "結果は新しいシナリオとして追加できます。",
        "Chooses each flexible line's amount (flex: min_yen–max_yen) for the most subsidy, and among those the least own funds. "
        "The result can be added as a new scenario.",
    ),
    "o.noflex": (
        "可変範囲(flex)のある経費行がありません。下のボタンで、全ての行に今の金額の {lo}%〜{hi}% の範囲を設定できます(金額は変わりません)。",
        "No cost line has a flex range. The button below gives every line a range of {lo}%–{hi}% of its amount (amounts stay as they are).",
    ),
    "o.flexall": ("全ての行に可変範囲を設定", "Give every line a flex range"),
    "o.flexed": ("{n} 行に可変範囲を設定しました", "Flex ranges set on {n} line(s)"),
    "o.flexcount": ("可変範囲のある行: {n} / {total}", "Lines with a flex range: {n} / {total}"),
    "o.objective": ("目的", "Objective"),
    "o.obj.subsidy": ("補助金の合計を最大に", "Most total subsidy"),
    "o.obj.own": ("{id} の自己負担を最小に(補助金の合計は最大のまま)", "Least own funds for {id} (total subsidy kept at its maximum)"),
    "o.budget.on": ("コンソーシアム全体の予算(申請経費の合計の上限)を指定", "Cap the consortium's total claimed amount (budget)"),
    "o.budget": ("予算(円)", "Budget (yen)"),
    "o.mbudget": ("メンバー別の予算(申請経費の上限)", "Per-member budgets (claimed at most)"),
    "o.mbudget.pick": ("予算を指定するメンバーを選択", "Pick the members to give a budget"),
    "o.mbudget.for": ("{id} の予算(円)", "Budget for {id} (yen)"),
    "o.run": ("最適化する", "Optimise"),
    "o.stale": ("計画が変わったため、前回の最適化結果は表示していません", "The plan has changed since the last run; its result is not shown"),
    "o.result": ("結果", "Result"),
    "o.changes": ("変更する経費行", "Lines changed"),
    "o.explain": ("説明", "Explanation"),
    "o.new": ("新しい指摘", "New findings"),
    "o.add": ("結果をシナリオとして追加", "Add the result as a scenario"),
    "o.added": ("シナリオ「{name}」を追加しました", "Added scenario “{name}”"),
    "o.infeasible": ("この条件を満たす配分はありません", "No allocation meets these conditions"),
    "o.time": ("計算時間 {ms} ms", "Solved in {ms} ms"),
    "o.col.line": ("行", "Line"),
    "o.col.member": ("メンバー", "Member"),
    "o.col.before": ("変更前", "Before"),
    "o.col.after": ("変更後", "After"),
    "o.col.hours": ("時間", "Hours"),
}
_RESULT = "_scenarios_opt_result"
_FLEX_LO, _FLEX_HI = 50, 150


def L(key: str, **kw: Any) -> str:
    return pick(_L, key, **kw)


_ROLE_EN = {"sme_user": "SME user (sme_user)", "it_vendor": "IT vendor (it_vendor)", "collaborator": "collaborator"}


def _role_label(role: str) -> str:
    return ROLE_JA.get(role, role) if state.lang() == "ja" else _ROLE_EN.get(role, role)


def _append(new_plan: Plan, message: str) -> None:
    state.set_plan(new_plan)
    state.notice("success", message)
    st.rerun()


# ---------------------------------------------------------------------------------------------------


def _list_and_compare(plan: Plan) -> None:
    lang = state.lang()
    entries: list[tuple[str, Plan]] = state.memo_get("scenario_entries", lambda: sc.scenario_entries(plan, lang))
    scenarios = plan.scenarios or []
    if not scenarios:
        st.info(L("list.none"))
    cmp_all: sc.Comparison = state.memo_get("scenario_cmp_all", lambda: _compare_all(entries))
    rows = []
    for i, col in enumerate(cmp_all.columns):
        s = scenarios[i - 1] if i else None
        rows.append(
            {
                L("col.name"): col.name,
                L("col.subsidy"): col.result.subsidy_yen,
                L("col.claimed"): col.result.claimed_total_yen,
                L("col.own"): col.result.own_funds_yen,
                L("col.errors"): col.result.count("error"),
                L("col.warnings"): col.result.count("warning"),
                L("col.created"): store_bridge.when(s.created) if s and s.created else "",
                L("col.note"): (s.note or "") if s else "",
            }
        )
    money = [L("col.subsidy"), L("col.claimed"), L("col.own")]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            **{c: st.column_config.NumberColumn(format="yen") for c in money},
            L("col.name"): st.column_config.TextColumn(width="large"),  # a scenario's name is its identity
            L("col.note"): st.column_config.TextColumn(width="large"),
        },
        key="scenario_list",
    )
    if scenarios:
        c1, c2, c3 = st.columns([2, 1, 1])
        name = c1.selectbox(L("pick"), [s.name for s in scenarios], key=state.widget_key("scn_pick"))
        ro = read_only()  # opening a scenario replaces the plan, deleting one changes it
        if c2.button(L("open"), help=L("open.help"), key="scn_open", disabled=ro) and name:
            adopted = sc.adopt_scenario(plan, name)
            state.replace_plan(adopted, name)
            state.notice("success", L("opened", name=fmt.md_escape(name)))
            st.rerun()
        if c3.button(L("delete"), key="scn_delete", disabled=ro) and name:
            _append(sc.remove_scenario(plan, name), L("deleted", name=fmt.md_escape(name)))

    st.markdown(f"##### {L('cmp')}")
    names = [n for n, _ in entries]
    if len(names) < 2:
        return
    chosen = st.multiselect(
        L("cmp.pick"), names, default=names[: min(4, len(names))], placeholder=L("cmp.pick.placeholder"),
        key=state.widget_key("scn_cmp"),
    )
    if len(chosen) < 2:
        st.caption(L("cmp.need2"))
        return
    by_name = dict(entries)
    results = {c.name: c.result for c in cmp_all.columns}
    chosen_key = json.dumps(chosen, ensure_ascii=False)
    cmp: sc.Comparison = state.memo_get(
        f"scenario_cmp:{chosen_key}", lambda: sc.compare([(n, by_name[n]) for n in chosen], [results[n] for n in chosen])
    )
    head_rows = []
    for row in cmp.headline(lang):
        cells: dict[str, Any] = {L("cmp.figure"): row["label"]}
        for i, (n, v) in enumerate(zip(chosen, row["values"], strict=True)):
            text = fmt.yen(v) if row["key"].endswith("_yen") else str(v)
            d = row.get("deltas", [0] * len(chosen))[i]
            if i and d:
                text += f" ({'+' if d > 0 else '−'}{fmt.yen(abs(d)) if row['key'].endswith('_yen') else abs(d)})"
            cells[n] = text
        head_rows.append(cells)
    named = {n: st.column_config.TextColumn(n, width="medium", help=n) for n in chosen}  # full name on hover
    st.dataframe(pd.DataFrame(head_rows), hide_index=True, width="stretch", key="scn_headline",
                 column_config={L("cmp.figure"): st.column_config.TextColumn(width="medium"), **named})

    st.markdown(f"**{L('cmp.members')}**")
    mrows = []
    for m in cmp.members():
        cells = {L("o.col.member"): f"{m['id']} {m['name']}"}
        for n, cell in zip(chosen, m["cells"], strict=True):
            cells[n] = "—" if cell is None else f"{fmt.yen(cell['subsidy_yen'])} / {fmt.yen(cell['own_funds_yen'])}"
        mrows.append(cells)
    st.dataframe(pd.DataFrame(mrows), hide_index=True, width="stretch", key="scn_members",
                 column_config={L("o.col.member"): st.column_config.TextColumn(width="medium"), **named})
    st.vega_lite_chart(spec=state.memo_get(f"scenario_chart:{chosen_key}", lambda: _chart(cmp)), width="stretch")

    for col in cmp.columns[1:]:
        with st.expander(L("cmp.diff", a=fmt.md_escape(chosen[0]), b=fmt.md_escape(col.name))):
            if not (col.findings_added or col.findings_removed or col.line_diffs):
                st.caption(L("cmp.nodiff"))
            if col.findings_added:
                st.markdown(f"**{L('cmp.added')}**")
                for f in col.findings_added:
                    st.markdown(f"- `{f.rule}` ({f.severity}) {fmt.md_escape(f.message(lang))}")
            if col.findings_removed:
                st.markdown(f"**{L('cmp.removed')}**")
                for f in col.findings_removed:
                    st.markdown(f"- `{f.rule}` ({f.severity}) {fmt.md_escape(f.message(lang))}")
            if col.line_diffs:
                st.markdown(f"**{L('cmp.lines')}**")
                drows = []
                for d in col.line_diffs:
                    before = d.before or {}
                    after = d.after or {}
                    drows.append(
                        {
                            L("o.col.line"): d.id,
                            "": {"added": "+", "removed": "−", "changed": "~"}[d.change],
                            L("o.col.member"): after.get("member", before.get("member", "")),
                            L("o.col.before"): before.get("claimed_yen"),
                            L("o.col.after"): after.get("claimed_yen"),
                            L("col.subsidy"): ", ".join(d.fields),
                        }
                    )
                st.dataframe(
                    pd.DataFrame(drows),
                    hide_index=True,
                    width="stretch",
                    column_config={
                        L("o.col.before"): st.column_config.NumberColumn(format="yen"),
                        L("o.col.after"): st.column_config.NumberColumn(format="yen"),
                    },
                    key=f"scn_diff_{col.name}",
                )


def _compare_all(entries: list[tuple[str, Plan]]) -> sc.Comparison:
    """All scenarios against the base plan; the base reuses the app's cached result (scenarios do not
    change an evaluation, so ``current_result()`` is ``evaluate(without_scenarios(plan))``)."""
    results = [state.current_result()] + [planner.evaluate(sc.without_scenarios(p)) for _, p in entries[1:]]
    return sc.compare(entries, results)


def _chart(cmp: sc.Comparison) -> dict[str, Any]:
    rows = []
    for col in cmp.columns:
        for kind, v in ((L("chart.kind.subsidy"), col.result.subsidy_yen), (L("chart.kind.own"), col.result.own_funds_yen)):
            rows.append({"scenario": col.name, "kind": kind, "yen": v, "label": fmt.yen(v)})
    df = pd.DataFrame(rows)
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("scenario:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("yen:Q", title=L("col.claimed"), axis=alt.Axis(format="~s")),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=[L("chart.kind.subsidy"), L("chart.kind.own")], range=["#1f6f43", "#c7c7c7"]),
            ),
            order=alt.Order("kind:N", sort="descending"),
            tooltip=["scenario:N", "kind:N", alt.Tooltip("label:N", title="¥")],
        )
        .properties(height=max(120, 40 * len(cmp.columns)))
        .configure_axis(labelFont=FONT, titleFont=FONT)
        .configure_legend(labelFont=FONT, titleFont=FONT)
    )
    spec: dict[str, Any] = chart.to_dict(validate=False)
    return spec


# ---------------------------------------------------------------------------------------------------


def _made(plan: Plan, variant: sc.Variant) -> None:
    lang = state.lang()
    if variant.plan is None:
        st.error(L("w.failed", err=fmt.md_escape(variant.error(lang))))
        return
    new_plan = sc.add_variant(plan, variant, lang)
    name = new_plan.scenarios[-1].name if new_plan.scenarios else variant.name
    _append(new_plan, L("w.made", name=fmt.md_escape(name), note=fmt.md_escape(variant.note(lang))))


def _whatif(plan: Plan) -> None:
    st.caption(L("w.intro"))
    ro = read_only()  # a what-if is added to the plan's scenarios: a change of the plan
    members = [m.id for m in plan.members]
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown(f"**{L('w.add')}**")
        roles = {_role_label(r): r for r in ("it_vendor", "sme_user", "collaborator")}
        role = roles[str(st.selectbox(L("w.role"), list(roles), key=state.widget_key("w_role"), disabled=ro))]
        large = st.checkbox(L("w.large"), key=state.widget_key("w_large"), disabled=ro or role != "it_vendor")
        if st.button(L("w.add.go"), key="w_add", disabled=ro):
            _made(plan, sc.whatif_add_member(plan, role, large_enterprise=bool(large and role == "it_vendor")))
    with right, st.container(border=True):
        st.markdown(f"**{L('w.remove')}**")
        if members:
            mid = st.selectbox(L("o.col.member"), members, key=state.widget_key("w_rm"), disabled=ro)
            if st.button(L("w.remove"), key="w_rm_go", disabled=ro) and mid:
                _made(plan, sc.whatif_remove_member(plan, mid))
        else:
            st.caption(L("w.none"))
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown(f"**{L('w.move')}**")
        lines = [c.id for c in plan.costs]
        if lines and members:
            lid = st.selectbox(L("w.line"), lines, key=state.widget_key("w_line"), disabled=ro)
            line = next(c for c in plan.costs if c.id == lid)
            to_member = st.selectbox(
                L("w.to_member"), members, index=members.index(line.member) if line.member in members else 0,
                key=state.widget_key(f"w_to_m_{lid}"), disabled=ro,
            )
            to_step = st.selectbox(L("w.to_step"), [1, 2, 3, 4], index=line.step - 1, key=state.widget_key(f"w_to_s_{lid}"),
                                   disabled=ro)
            if st.button(L("w.move"), key="w_move_go", disabled=ro) and lid:
                _made(plan, sc.whatif_move_line(plan, lid, member=to_member, step=int(to_step)))
        else:
            st.caption(L("w.none"))
    with right, st.container(border=True):
        st.markdown(f"**{L('w.method')}**")
        integrations = [i.id for i in plan.integrations]
        if integrations:
            iid = st.selectbox(L("w.integration"), integrations, key=state.widget_key("w_integ"), disabled=ro)
            current = next((i.method for i in plan.integrations if i.id == iid), "api")
            others = [m for m in METHODS if m != current]
            method = st.selectbox(
                L("w.new_method"), others, index=others.index("api") if "api" in others else 0,
                key=state.widget_key(f"w_method_{iid}"), disabled=ro,
            )
            if st.button(L("w.method"), key="w_method_go", disabled=ro) and iid:
                _made(plan, sc.whatif_switch_method(plan, iid, method))
        else:
            st.caption(L("w.none"))


def _headroom(plan: Plan) -> None:
    lang = state.lang()
    st.caption(L("h.intro"))
    items = state.memo_get("scenario_headroom", lambda: sc.headroom(plan, state.current_result()))
    rows = [
        {L("h.rule"): h.rule, L("h.scope"): h.scope, L("h.yen"): h.yen, L("h.over"): h.over_yen, L("h.text"): h.text(lang)}
        for h in items
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            L("h.rule"): st.column_config.TextColumn(width="medium"),
            L("h.scope"): st.column_config.TextColumn(width="small"),
            L("h.yen"): st.column_config.NumberColumn(format="yen", width="small"),
            L("h.over"): st.column_config.NumberColumn(format="yen", width="small"),
            L("h.text"): st.column_config.TextColumn(width="large"),
        },
        row_height=72,  # taller than 4rem: the explanation wraps onto more lines instead of being cut off
        key="scn_headroom",
    )


# ---------------------------------------------------------------------------------------------------


def _flex_everything(plan: Plan) -> tuple[dict[str, Any], int]:
    d = state.plan_dict()
    import copy

    d = copy.deepcopy(d)
    result = state.current_result()
    n = 0
    for line, lr in zip(d.get("costs", []), result.lines, strict=True):
        if "flex" in line:
            continue
        amount = lr.claimed_yen
        line["flex"] = {"min_yen": amount * _FLEX_LO // 100, "max_yen": amount * _FLEX_HI // 100}
        n += 1
    return d, n


@st.fragment
def _optimiser_fragment() -> None:
    """The optimiser tab as a fragment: a click on 最適化する reruns only this tab (the result changes no
    figure of the plan), not the frame, the sidebar and the other three tabs.  Whatever changes the plan
    (ranges for every line, adding the result) ends in ``st.rerun()``, which reruns the whole app."""
    _optimiser(state.get_plan())


def _optimiser(plan: Plan) -> None:
    lang = state.lang()
    st.caption(L("o.intro"))
    total = len(plan.costs)
    flexed = sum(1 for c in plan.costs if c.flex is not None)
    st.caption(L("o.flexcount", n=flexed, total=total))
    if flexed < total and total:
        if not flexed:
            st.info(L("o.noflex", lo=_FLEX_LO, hi=_FLEX_HI))
        if st.button(L("o.flexall"), key="o_flexall", disabled=read_only()):
            d, n = _flex_everything(plan)
            if state.apply_plan_dict(d, where="scenarios_flex"):
                state.notice("success", L("o.flexed", n=n))
                st.rerun()
    counted = [m.id for m in state.current_result().members if m.counted]  # the engine decides who counts
    # live widgets, not a form: a member picked for a budget gets its amount box at once (in a form the box
    # appeared only with the submit, which then ran with a default budget the user had never seen)
    with st.container(border=True):
        options = {L("o.obj.subsidy"): "subsidy", **{L("o.obj.own", id=mid): f"own-funds:{mid}" for mid in counted}}
        objective = options[str(st.selectbox(L("o.objective"), list(options), key=state.widget_key("o_objective")))]
        use_budget = st.checkbox(L("o.budget.on"), key=state.widget_key("o_budget_on"))
        budget_value = int(
            st.number_input(
                L("o.budget"), min_value=0, max_value=10**13, value=30_000_000, step=1_000_000,
                disabled=not use_budget, key=state.widget_key("o_budget"),
            )
        )
        if use_budget:
            st.caption(fmt.yen(budget_value))
        chosen = st.multiselect(
            L("o.mbudget"), counted, placeholder=L("o.mbudget.pick"), key=state.widget_key("o_mbudget")
        )
        member_budgets: dict[str, int] = {}
        for mid in chosen:
            member_budgets[mid] = int(
                st.number_input(
                    L("o.mbudget.for", id=fmt.md_escape(mid)), min_value=0, max_value=10**13, value=10_000_000, step=500_000,
                    key=state.widget_key(f"o_mb_{mid}"),
                )
            )
            st.caption(fmt.yen(member_budgets[mid]))
        run = st.button(L("o.run"), type="primary", key="o_run")
    if run:
        with st.spinner("HiGHS…"):
            res = optimize(
                plan,
                objective=str(objective),
                budget=budget_value if use_budget else None,
                member_budgets=member_budgets,
            )
        st.session_state[_RESULT] = (state.plan_hash(), res)
    held = st.session_state.get(_RESULT)
    if not held:
        return
    digest, res = held
    if digest != state.plan_hash():
        st.caption(L("o.stale"))
        return
    _show_result(plan, res, lang)


def _show_result(plan: Plan, res: OptimizeResult, lang: str) -> None:
    st.markdown(f"##### {L('o.result')}")
    if not res.ok or res.result is None:
        st.error(L("o.infeasible"))
        for n in res.notes:
            st.markdown(f"- {fmt.md_escape(n.text(lang))}")
        return
    st.success(fmt.md_escape(res.summary_text(lang)))
    st.caption(L("o.time", ms=round(res.timings_ms.get("total", 0))))
    if res.new_findings:
        st.warning(L("o.new") + "\n\n" + "\n".join(f"- `{f.rule}` {fmt.md_escape(f.message(lang))}" for f in res.new_findings))
    st.markdown(f"**{L('o.explain')}**")
    for n in res.notes:
        icon = {"binding": "🔒", "line_bound": "📈", "forced_trim": "✂️", "discrepancy": "⚠️"}.get(n.kind, "ℹ️")
        st.markdown(f"- {icon} {fmt.md_escape(n.text(lang))}")
    if res.changes:
        st.markdown(f"**{L('o.changes')}**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        L("o.col.line"): c.id,
                        L("o.col.member"): c.member,
                        L("o.col.before"): c.before_yen,
                        L("o.col.after"): c.after_yen,
                        L("o.col.hours"): str(c.hours) if c.hours is not None else "",
                    }
                    for c in res.changes
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={
                L("o.col.before"): st.column_config.NumberColumn(format="yen"),
                L("o.col.after"): st.column_config.NumberColumn(format="yen"),
            },
            key="opt_changes",
        )
    if st.button(L("o.add"), type="primary", key="o_add", disabled=read_only()):
        new_plan = res.add_to(plan, lang)
        name = new_plan.scenarios[-1].name if new_plan.scenarios else ""
        st.session_state.pop(_RESULT, None)
        _append(new_plan, L("o.added", name=fmt.md_escape(name)))


def render() -> None:
    plan = state.get_plan()
    st.subheader(L("title"))
    read_only_note()
    # keyed and tracked: a button inside a tab (range setting, optimise, a what-if) reruns the page and the
    # user stays on that tab; untracked tabs went back to the first one whenever the page above them
    # changed shape (e.g. the first autosave line).  Per language, since the labels are the state.
    tabs = st.tabs(
        [L("tab.list"), L("tab.whatif"), L("tab.headroom"), L("tab.opt")],
        key=f"scenarios_tab_{state.lang()}",
        on_change="rerun",
    )
    # Only the selected tab runs (the tabs track their state): a rerun does not build the three hidden ones.
    for tab, body in zip(tabs, (lambda: _list_and_compare(plan), lambda: _whatif(plan), lambda: _headroom(plan),
                                _optimiser_fragment), strict=True):
        if tab.open is not False:
            with tab:
                body()


render()
