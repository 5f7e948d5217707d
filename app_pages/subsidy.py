"""補助金額: per-member figures, charts, and the STEP 1–4 schedule as a Gantt chart with its findings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import planner.views as views
from ui import charts, fmt, forms, state
from ui.editors import Col, read_only_note, table_editor
from ui.i18n import role_label, step_label, t
from ui.pages import finding_box


def _members_table() -> None:
    result = state.current_result()
    df = state.memo_get("subsidy_members", _members_frame)
    money = [t("col.claimed"), t("col.eligible"), t("col.raw_subsidy"), t("col.subsidy"), t("col.own")]
    st.dataframe(
        df,
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.NumberColumn(format="yen") for c in money},
        key="subsidy_table",
    )
    for _name, note in views.interpretation_notes(state.current_pack(), "cap_sharing", lang=state.lang()):
        if views.cap_binds(result):
            st.caption(t("s.cap_shared", note=note))


def _members_frame() -> pd.DataFrame:
    result = state.current_result()
    rows = [
        {
            t("col.id"): m.id,
            t("col.name"): m.name,
            t("col.role"): role_label(m.role),
            t("col.claimed"): m.claimed_yen,
            t("col.eligible"): m.eligible_yen,
            t("col.raw_subsidy"): m.raw_subsidy_yen,
            t("col.subsidy"): m.subsidy_yen,
            t("col.own"): m.own_funds_yen,
        }
        for m in result.members
    ]
    rows.append(
        {
            t("col.id"): t("k.total"),
            t("col.name"): "",
            t("col.role"): "",
            t("col.claimed"): result.claimed_total_yen,
            t("col.eligible"): result.eligible_total_yen,
            t("col.raw_subsidy"): result.raw_subsidy_total_yen,
            t("col.subsidy"): result.subsidy_yen,
            t("col.own"): result.own_funds_yen,
        }
    )
    return pd.DataFrame(rows)


def _schedule() -> None:
    plan = state.get_plan()
    result = state.current_result()
    pack = state.current_pack()
    lang = state.lang()
    st.markdown(f"##### {t('s.schedule')}")
    dates = pack.params.dates.value
    c1, c2 = st.columns(2)
    with c1:
        forms.date_field(t("s.decision"), ("consortium", "decision_date"), "s.decision")
        st.caption(t("s.from_pack", date=fmt.wareki(dates.decision_date, lang)) if dates.decision_date else t("s.missing"))
    with c2:
        forms.date_field(t("s.end"), ("consortium", "project_end"), "s.end")
        st.caption(t("s.from_pack", date=fmt.wareki(dates.project_end, lang)) if dates.project_end else t("s.missing"))
    left, right = st.columns([3, 2])
    with left:
        st.caption(t("s.steps_help"))
        table_editor(
            "schedule",
            "schedule",
            [
                Col("step", "ro_int", "STEP", width="small"),
                Col("title", "ro_text", t("col.stage"), width="medium"),
                Col("start", "date", t("col.start")),
                Col("end", "date", t("col.end")),
                Col("note", "text", t("col.note")),
            ],
            keyed_by="step",
            keyed_values=[1, 2, 3, 4],
            readonly=lambda: {"step": [1, 2, 3, 4], "title": [step_label(s) for s in (1, 2, 3, 4)]},
            num_rows="fixed",
        )
        if plan.schedule:
            charts.show(
                "gantt",
                lambda: charts.gantt(plan.schedule, result.schedule.decision_date, result.schedule.project_end, lang),
            )
        else:
            st.info(t("s.no_schedule"))
    with right:
        st.markdown(f"**{t('s.sched_findings')}**")
        found = [f for f in result.findings if f.rule.startswith("schedule.")]
        if not found:
            st.success(t("r.none"))
        for f in found:
            finding_box(f)


def render() -> None:
    result = state.current_result()
    st.subheader(t("s.members"))
    read_only_note()
    _members_table()
    left, right = st.columns(2)
    with left:
        st.markdown(f"##### {t('s.chart_cat')}")
        if result.claimed_total_yen:
            charts.show("member_category", lambda: charts.member_category_bars(result))
    with right:
        st.markdown(f"##### {t('s.chart_sub')}")
        if result.claimed_total_yen:
            charts.show("subsidy_own", lambda: charts.subsidy_own_bars(result))
    _schedule()


render()
