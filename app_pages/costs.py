"""経費: meetings, cost lines by member and STEP (only what the matrix allows), labour rates, totals."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import planner.views as views
from schemas.plan import CATEGORIES
from ui import fmt, state
from ui.editors import Col, read_only, read_only_note, table_editor
from ui.i18n import category_label, role_label, step_label, t
from ui.pages import id_name_fmt

ALL = "*"


def _kenpo_apply(title_key: str, text_key: str) -> None:
    title = str(st.session_state.get(title_key) or "").strip()
    text = str(st.session_state.get(text_key) or "")
    rates: dict[str, Any] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("\t", ",").replace(" ", ",")
        if not line:
            continue
        parts = [p for p in line.replace("¥", "").replace("円", "").split(",") if p]
        if len(parts) != 2:
            state.set_error("kenpo", t("k.kenpo_bad", n=n, line=fmt.md_escape(raw)))
            return
        grade, rate = parts[0].strip(), parts[1].strip()
        rates[grade] = int(rate) if rate.isdigit() else rate
    d = dict(state.plan_dict())
    d["kenpo_rates"] = {"title": title or t("k.kenpo"), "rates": rates}
    state.apply_plan_dict(d, where="kenpo", show=False)


def _kenpo_clear() -> None:
    d = dict(state.plan_dict())
    d.pop("kenpo_rates", None)
    state.apply_plan_dict(d, where="kenpo", show=False)


def _meetings(members: dict[str, Any]) -> None:
    plan = state.get_plan()
    # a stable label and default, and a tracked state: the expander stays as the user left it while rows are
    # added (a label with the row count, or "open while empty", made it a new, collapsed expander)
    key = state.widget_key("k.meetings_open")
    default_key = f"_default:{key}"
    if default_key not in st.session_state:
        st.session_state[default_key] = not plan.meetings
    with st.expander(t("k.meetings"), expanded=bool(st.session_state[default_key]), key=key, on_change="rerun"):
        st.caption(t("k.meetings_count", n=len(plan.meetings)) + " " + t("k.meetings_help"))
        table_editor(
            "meetings",
            "meetings",
            [
                Col("id", "id", t("col.id"), width="small", pinned=True),
                Col("title", "text", t("col.title"), width="medium"),
                Col("participants", "multi", t("col.participants"), options=list(members),
                    fmt=id_name_fmt(members), width="large"),
                Col("date", "date", t("col.date")),
            ],
            id_prefix="mt",
            rename_kind="meeting",
        )


def _kenpo(pack: Any) -> None:
    plan = state.get_plan()
    ro = read_only()
    with st.expander(t("k.kenpo"), expanded=False):
        if plan.kenpo_rates is None:
            st.info(t("k.kenpo_none"))
            st.caption(t("k.kenpo_estimate", grade=20, rate=fmt.yen(views.kenpo_estimate_rate(pack, 20))))
        else:
            st.success(t("k.kenpo_has", title=fmt.md_escape(plan.kenpo_rates.title), n=len(plan.kenpo_rates.rates)))
            st.button(t("k.kenpo_clear"), on_click=_kenpo_clear, key=state.widget_key("kenpo_clear"), disabled=ro)
        title_key = state.widget_key("kenpo_title")
        text_key = state.widget_key("kenpo_text")
        st.text_input(t("k.kenpo_title"), key=title_key, disabled=ro,
                      value=plan.kenpo_rates.title if plan.kenpo_rates else "")
        st.text_area(t("k.kenpo_paste"), key=text_key, height=120, disabled=ro,
                     value="\n".join(f"{g},{r}" for g, r in plan.kenpo_rates.rates.items()) if plan.kenpo_rates else "")
        st.button(t("k.kenpo_apply"), on_click=_kenpo_apply, args=(title_key, text_key), key=state.widget_key("kenpo_apply"),
                  disabled=ro)
        state.show_error("kenpo")


def _totals() -> None:
    frames = state.memo_get("cost_totals", _totals_frames)
    left, right = st.container(), st.columns([1, 1])[0]
    with left:
        st.markdown(f"##### {t('k.totals_member')}")
        tabs = st.tabs([t("col.eligible"), t("col.claimed")])
        for tab, df in zip(tabs, frames[:2], strict=True):
            config = {col: st.column_config.NumberColumn(format="yen") for col in df.columns[1:]}
            tab.dataframe(df, hide_index=True, column_config=config, width="stretch")
    with right:
        st.markdown(f"##### {t('k.totals_step')}")
        df = frames[2]
        st.dataframe(df, hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="yen") for c in df.columns[1:]})


def _totals_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Member × category (eligible, claimed) and by-STEP totals, straight from the result."""
    result = state.current_result()
    claiming = [m for m in result.members if m.claimed_yen or m.role != "collaborator"]
    cats = [c for c in CATEGORIES if any(m.claimed_by_category.get(c) for m in result.members)]
    member_col, total_col = t("col.member"), t("k.total")

    def by_category(attr: str) -> pd.DataFrame:
        rows: list[dict[str, Any]] = []
        for m in claiming:
            by_cat = getattr(m, attr)
            rows.append({member_col: f"{m.id} {m.name}", **{category_label(c): by_cat.get(c, 0) for c in cats},
                         total_col: sum(by_cat.values())})
        rows.append({member_col: total_col,
                     **{category_label(c): sum(getattr(m, attr).get(c, 0) for m in result.members) for c in cats},
                     total_col: sum(sum(getattr(m, attr).values()) for m in result.members)})
        return pd.DataFrame(rows)

    steps = [
        {"STEP": step_label(s, short=True), t("col.claimed"): result.claimed_by_step.get(s, 0),
         t("col.eligible"): result.eligible_by_step.get(s, 0)}
        for s in (1, 2, 3, 4)
    ]
    steps.append({"STEP": total_col, t("col.claimed"): result.claimed_total_yen,
                  t("col.eligible"): result.eligible_total_yen})
    return by_category("eligible_by_category"), by_category("claimed_by_category"), pd.DataFrame(steps)


def _month_checks(plan: Any, positions: list[int]) -> dict[int, str]:
    """Rows priced by the month whose 数量 does not count the months: ``{position: hint}``.

    The amount is 単価 × 数量 (the engine's rule); 月数 only says how long the amount runs (beyond 12 months
    the engine counts 12/月数 of it).  A monthly fee × 月数 therefore needs 数量 = 月数.
    """
    out: dict[int, str] = {}
    for p in positions:
        ln = plan.costs[p]
        if ln.months is not None and ln.months > 1 and ln.quantity is not None and ln.quantity != ln.months:
            out[p] = t("k.monthly_hint", months=ln.months, quantity=ln.quantity)
    return out


def render() -> None:
    plan = state.get_plan()
    result = state.current_result()
    pack = state.current_pack()
    members = {m.id: m for m in plan.members}
    st.subheader(t("nav.costs"))
    read_only_note()
    _meetings(members)

    st.markdown(f"##### {t('k.lines')}")
    st.caption(t("k.lines_help"))
    fcol1, fcol2, fcol3 = st.columns([2, 2, 4])
    member_opts = [ALL, *members]
    step_opts = [ALL, 1, 2, 3, 4]
    kept_member = st.session_state.get("_cost_filter_member", ALL)
    kept_step = st.session_state.get("_cost_filter_step", ALL)
    member_labels = {x: t("k.all") if x == ALL else f"{x} {members[x].name}" for x in member_opts}
    step_labels = {x: t("k.all") if x == ALL else step_label(x) for x in step_opts}
    member_choice = fcol1.selectbox(
        t("k.filter_member"), member_opts, key=f"k.filter_member@{state.lang()}",
        index=member_opts.index(kept_member) if kept_member in member_opts else 0,
        format_func=lambda x: member_labels.get(x, str(x)),
    )
    step_choice = fcol2.selectbox(
        t("k.filter_step"), step_opts, key=f"k.filter_step@{state.lang()}",
        index=step_opts.index(kept_step) if kept_step in step_opts else 0,
        format_func=lambda x: step_labels.get(x, str(x)),
    )
    st.session_state["_cost_filter_member"] = member_choice
    st.session_state["_cost_filter_step"] = step_choice
    member_id = None if member_choice == ALL else str(member_choice)
    step = None if step_choice == ALL else int(str(step_choice))
    role = members[member_id].role if member_id in members else None

    cats = views.allowed_categories(pack, role, step)
    with fcol3:
        if role is not None or step is not None:
            who = role_label(role) if role else t("k.all")
            when = step_label(step) if step else t("k.all")
            if cats:
                st.info(t("k.allowed", role=who, step=when, cats="、".join(category_label(c) for c in cats)))
            else:
                st.warning(t("k.allowed_none", role=who, step=when))
        for _name, note in views.interpretation_notes(pack, "step_matrix", lang=state.lang()):
            st.caption(t("k.matrix_note", note=note))

    positions = [
        i for i, ln in enumerate(plan.costs)
        if (member_id is None or ln.member == member_id) and (step is None or ln.step == step)
    ]
    payees = views.payee_options(plan, role, step)
    integrations = [it.id for it in plan.integrations]
    meetings = [mt.id for mt in plan.meetings]
    claim_members = [m.id for m in plan.members if views.claimable_steps(pack, m.role)] or list(members)
    steps = views.claimable_steps(pack, role)

    member_fmt = id_name_fmt(members)
    lang = state.lang()
    kept_detail = bool(st.session_state.get("_cost_detail_cols", False))
    detail = st.toggle(t("k.detail_cols"), value=kept_detail, key=f"k.detail_cols@{lang}", help=t("k.detail_cols_help"))
    st.session_state["_cost_detail_cols"] = detail

    # what a line's amount is made of comes first, where the eye is even at 1280 px (ID, メンバー, STEP, 経費区分,
    # 金額, 単価, 数量, 月数, 時間, 支払先), then 時間単価, the free text and the row's check; the rarely used
    # columns follow behind the toggle
    cols: list[Col] = [Col("id", "id", t("col.id"), width=48, pinned=True)]
    if member_id is None:
        cols.append(Col("member", "select", t("col.member"), options=claim_members, fmt=member_fmt, width=92))
    if step is None:
        cols.append(Col("step", "select", t("col.step"), options=steps or [1, 2, 3, 4],
                        fmt=lambda x: step_label(x, short=True), width=64))
    cols += [
        Col("category", "select", t("col.category"), options=cats or list(CATEGORIES), fmt=category_label,
            width=108),
        Col("amount", "ro_yen", t("col.amount"), help=t("col.amount_help"), width=96),
        Col("unit_price_yen", "yen", t("col.unit_price_yen"), width=88),
        Col("quantity", "int", t("col.quantity"), width=60),
        Col("months", "int", t("col.months"), width=60),
        Col("hours", "hours", t("col.hours"), width=60),
        Col("payee", "select", t("col.payee_short"), options=payees, fmt=member_fmt, help=t("col.payee"), width=100),
        Col("hourly_rate_yen", "yen", t("col.hourly_rate_yen"), width=80),
        Col("description", "text", t("col.description"), width=180),
        Col("check", "ro_text", t("col.check"), help=t("col.check_help"), width=320),
    ]
    if detail:
        cols += [
            Col("eligible", "ro_yen", t("col.eligible")),
            Col("trimmed_by", "ro_text", t("col.trimmed_by"), width="medium"),
            Col("kenpo_grade", "select", t("col.kenpo_grade"), options=list(range(1, 51)), width="small"),
            Col("rate_used", "ro_text", t("col.rate_used")),
            Col("maintenance", "bool", t("col.maintenance"), width="small"),
            Col("payee_external", "text", t("col.payee_external")),
            Col("subcontract", "bool", t("col.subcontract"), width="small"),
            Col("integration", "select", t("col.integration"), options=integrations, width="small"),
            Col("meeting", "select", t("col.meeting"), options=meetings, width="small"),
            Col("modifies_existing_tool", "bool", t("col.modifies_existing_tool"), width="small"),
        ]
    else:
        st.caption(t("k.detail_cols_hidden"))

    def lines() -> list[Any]:
        return [result.lines[p] for p in positions]

    def rate_used(ln: Any) -> str | None:
        if ln.hourly_rate_yen is None:
            return None
        return f"{fmt.yen(ln.hourly_rate_yen)}/h({t('rate.' + str(ln.rate_source))})" if lang == "ja" else \
            f"{fmt.yen(ln.hourly_rate_yen)}/h ({t('rate.' + str(ln.rate_source))})"

    checks = state.memo_get(f"cost_checks:{member_id}|{step}", lambda: _month_checks(plan, positions))

    defaults: dict[str, Any] = {}
    if member_id is not None:
        defaults["member"] = member_id
    if step is not None:
        defaults["step"] = step
    table_editor(
        "costs",
        "costs",
        cols,
        positions=positions,
        readonly=lambda: {
            "amount": [ln.claimed_yen for ln in lines()],
            "eligible": [ln.eligible_yen for ln in lines()],
            "trimmed_by": ["; ".join(f"{r.rule} −{fmt.yen(r.yen)}" for r in ln.reductions) or None for ln in lines()],
            "rate_used": [rate_used(ln) for ln in lines()],
            "check": [checks.get(p) for p in positions],
        },
        defaults=defaults,
        id_prefix="c",
        context=f"{member_id}|{step}|{detail}",
        height=min(600, 40 + 35 * (len(positions) + 2)) if positions else "auto",
    )
    for p in positions:
        if p in checks:
            ln = result.lines[p]
            st.warning(f"{fmt.md_escape(ln.id)} · {t('col.months')}: {checks[p]}"
                       + t("k.monthly_now", amount=fmt.yen(ln.claimed_yen)), icon=":material/calendar_month:")
    _kenpo(pack)
    _totals()


render()
