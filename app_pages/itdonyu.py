"""IT導入補助金: compute any frame of 2017–2025 for one company or a 複数社連携 group, and compare the
current 共創型 plan across programmes.

The page only calls the engine (``planner.evaluate`` on an ``itdonyu-application/1``,
``planner.itdonyu.compare.compare_programmes`` on the 共創型 plan) and renders what it returns.
Session state: ``st.session_state["lang"]`` ("ja"/"en"), ``st.session_state["plan"]`` (the 共創型 plan);
this page keeps its own application under ``itdonyu_app`` (a JSON-ready dict, the last valid one).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

import planner
from planner import load_application, load_plan
from planner.itdonyu.compare import Comparison, compare_programmes
from planner.itdonyu.result import ItdonyuResult, percent_text
from planner.money import yen
from schemas import Plan, PlanLoadError
from schemas.itdonyu import FORMAT, KINDS, Application
from ui.fmt import md_escape

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "itdonyu"
UPLOAD_LIMIT = 16 * 1024 * 1024

_T: dict[str, tuple[str, str]] = {
    "title": ("IT導入補助金", "IT Introduction Subsidy (IT導入補助金)"),
    "tab.compare": ("制度比較(共創型 と IT導入補助金)", "Which programme pays most?"),
    "tab.frame": ("枠の計算(1社・複数社連携)", "Compute a frame (one company or a group)"),
    "cmp.caption": ("現在の共創型の計画を、同じ会社がIT導入補助金に申請した場合と比べます。共創型以外は推計です(docs/itdonyu.md の読み替えルール M1–M12)。",
                    "The current 共創型 plan compared with what the same companies could get under the IT導入補助金 "
                    "frames. Everything but 共創型 is an estimate (mapping rules M1–M12 in docs/itdonyu.md)."),
    "cmp.noplan": ("共創型の計画がありません", "no 共創型 plan in this session"),
    "col.programme": ("制度・枠", "programme"),
    "col.as_planned": ("計画どおり", "as planned"),
    "col.if_met": ("条件を満たせば", "if conditions met"),
    "col.eligible": ("補助対象経費", "eligible"),
    "col.unfunded": ("対象外の経費", "not fundable"),
    "col.estimate": ("推計", "estimate"),
    "cmp.best": ("計画どおりで最も多いのは {name} です", "As planned, {name} pays most"),
    "cmp.blocking": ("要件未達", "blocking"),
    "cmp.assumed": ("前提(満たすと仮定)", "assumed met"),
    "cmp.unfunded": ("対象外の経費", "costs this programme cannot fund"),
    "cmp.open": ("この申請を「枠の計算」で開く", "open this application in “Compute a frame”"),
    "cmp.download": ("比較結果(JSON)", "comparison (JSON)"),
    "col.line": ("経費", "line"),
    "col.member": ("メンバー", "member"),
    "col.category": ("区分", "category"),
    "col.yen": ("金額", "yen"),
    "col.reason": ("理由", "reason"),
    "col.rule": ("ルール", "rule"),
    "src": ("申請データ", "application"),
    "src.example": ("サンプル", "example"),
    "src.upload": ("JSONを読み込む", "upload JSON"),
    "src.current": ("現在の申請", "current application"),
    "src.loaded": ("読み込みました: {name}", "loaded: {name}"),
    "upload.too_big": ("ファイルが大きすぎます", "the file is too large"),
    "frame.pick": ("ルールパック・枠", "rule pack and frame"),
    "edit.members": ("申請者・構成員", "applicant / members"),
    "edit.costs": ("経費", "cost lines"),
    "edit.invalid": ("入力に問題があります(直前の正しい内容で計算しています)", "the edit is invalid (the last valid application is shown)"),
    "m.subsidy": ("補助金額", "subsidy"),
    "m.eligible": ("補助対象経費", "eligible"),
    "m.own": ("自己負担", "own funds"),
    "m.rate": ("補助率", "rate"),
    "m.cap": ("上限", "cap"),
    "m.members": ("構成員数", "members"),
    "steps": ("計算の内訳(1円単位)", "how every yen is computed"),
    "col.step": ("計算", "step"),
    "col.basis": ("対象経費", "basis"),
    "col.rate": ("率", "rate"),
    "col.raw": ("経費×率(切捨て)", "basis × rate (floored)"),
    "col.cap": ("上限", "cap"),
    "col.result": ("補助額", "subsidy"),
    "members": ("構成員ごと", "by member"),
    "lines": ("経費行", "cost lines"),
    "col.claimed": ("申請経費", "claimed"),
    "col.reductions": ("対象外(ルール: 円)", "removed (rule: yen)"),
    "findings": ("指摘", "findings"),
    "fix": ("対応", "fix"),
    "none": ("指摘はありません", "no findings"),
    "prod": ("労働生産性", "labour productivity"),
    "prod.check": ("{kind} {year}年: {growth}(目標 {required})", "{kind} year {year}: {growth} (target {required})"),
    "download": ("申請データ(JSON)", "application (JSON)"),
}
SEV = {"error": ("エラー", "error"), "warning": ("警告", "warning"), "info": ("情報", "info")}


def lang() -> str:
    value = st.session_state.get("lang", "ja")
    return "en" if value == "en" else "ja"


def t(key: str, **kw: Any) -> str:
    text = _T[key][0 if lang() == "ja" else 1]
    return text.format(**kw) if kw else text


# ----------------------------------------------------------------------------------- comparison


def _plan() -> Plan | None:
    plan = st.session_state.get("plan")
    if isinstance(plan, Plan):
        return plan
    if isinstance(plan, dict):
        try:
            return load_plan(plan)
        except PlanLoadError:
            return None
    return None


def _comparison(plan: Plan) -> Comparison:
    """Computed once per plan (keyed by its JSON) and kept in the session."""
    from ui import state

    # the app's canonical plan has its hash memoised per plan object; hash other plans here
    key = (
        state.plan_hash()
        if st.session_state.get("plan") is plan
        else hashlib.sha256(json.dumps(plan.to_json_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    )
    held = st.session_state.get("_itdonyu_comparison")
    if isinstance(held, tuple) and held[0] == key:
        cached: Comparison = held[1]
        return cached
    comparison = compare_programmes(plan)
    st.session_state["_itdonyu_comparison"] = (key, comparison)
    return comparison


def _comparison_json(comparison: Comparison) -> str:
    """The comparison's JSON download, dumped once per comparison and language (not on every rerun)."""
    held = st.session_state.get("_itdonyu_comparison_json")
    if isinstance(held, tuple) and held[0] is comparison and held[1] == lang():
        return str(held[2])
    text = json.dumps(comparison.summary_dict(lang()), ensure_ascii=False, indent=1)
    st.session_state["_itdonyu_comparison_json"] = (comparison, lang(), text)
    return text


def render_comparison() -> None:
    st.caption(t("cmp.caption"))
    plan = _plan()
    if plan is None:
        st.info(t("cmp.noplan"))
        return
    comparison = _comparison(plan)
    ja = lang() == "ja"
    rows = [
        {
            t("col.programme"): e.programme_ja if ja else e.programme_en,
            t("col.as_planned"): yen(e.subsidy_yen),
            t("col.if_met"): yen(e.subsidy_if_met_yen),
            t("col.eligible"): yen(e.eligible_yen),
            t("col.unfunded"): yen(e.unfunded_yen),
            t("col.estimate"): "✓" if e.estimate else "",
        }
        for e in comparison.estimates
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    best = comparison.best()
    st.success(t("cmp.best", name=best.programme_ja if ja else best.programme_en))
    series = (t("col.as_planned"), t("col.if_met"))

    def bars() -> dict[str, Any]:
        from ui import charts

        rows = [(e.key, series[0], e.subsidy_yen) for e in comparison.estimates]
        rows += [(e.key, series[1], e.subsidy_if_met_yen) for e in comparison.estimates]
        return charts.grouped_bars(rows, series)


    if st.session_state.get("plan") is plan:  # the session's plan: the spec is built once per plan and language
        from ui import charts

        charts.show("itdonyu_compare", bars)
    else:
        st.vega_lite_chart(spec=bars(), width="stretch")
    for i, e in enumerate(comparison.estimates):
        with st.expander(f"{e.programme_ja if ja else e.programme_en} — {yen(e.subsidy_if_met_yen)}"):
            for f in e.blocking:
                st.error(f"{t('cmp.blocking')}: {md_escape(f.message(lang()))} (`{f.rule}`)")
            for f in e.assumed:
                st.warning(f"{t('cmp.assumed')}: {md_escape(f.message(lang()))} (`{f.rule}`)")
            for note_ja, note_en in e.notes:
                st.caption(md_escape(note_ja if ja else note_en))
            if e.unfunded:
                st.markdown(f"**{t('cmp.unfunded')}**")
                cols = [t(k) for k in ("col.line", "col.member", "col.category", "col.yen", "col.reason", "col.rule")]
                st.dataframe(
                    pd.DataFrame(
                        [(u.line, u.member, u.category, yen(u.yen), u.reason_ja if ja else u.reason_en, u.rule or "")
                         for u in e.unfunded],
                        columns=cols,
                    ),
                    hide_index=True,
                    width="stretch",
                )
            for j, app in enumerate(e.applications):
                if st.button(f"{t('cmp.open')}: {md_escape(app.title or app.frame)}", key=f"itd_open_{i}_{j}"):
                    _load_into_editor(app.to_json_dict(), f"{e.key} / {app.title or ''}")
    st.download_button(
        t("cmp.download"),
        _comparison_json(comparison),
        file_name="compare-programmes.json",
        mime="application/json",
    )


# ----------------------------------------------------------------------------------- one frame


def _examples() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("format") == FORMAT:
            out[path.name] = data
    return out


def _load_into_editor(data: dict[str, Any], source: str) -> None:
    """A new base application: the editors start afresh from it (a new widget generation)."""
    st.session_state["itdonyu_app"] = data
    st.session_state.pop("itdonyu_edited", None)
    st.session_state["itdonyu_source"] = source
    st.session_state["itdonyu_gen"] = st.session_state.get("itdonyu_gen", 0) + 1


def _current() -> dict[str, Any]:
    data = st.session_state.get("itdonyu_app")
    if not isinstance(data, dict):
        examples = _examples()
        first = "group-2025-shotengai.json" if "group-2025-shotengai.json" in examples else next(iter(examples))
        _load_into_editor(examples[first], first)
        data = st.session_state["itdonyu_app"]
    return data  # type: ignore[no-any-return]


def _show_problems(exc: PlanLoadError) -> None:
    st.error(t("edit.invalid") + "\n\n" + "\n".join(f"- {md_escape(p.path)}: {md_escape(p.ja if lang() == 'ja' else p.en)}" for p in exc.problems))


def _source_picker() -> None:
    examples = _examples()
    cols = st.columns([2, 2])
    with cols[0]:
        choice = st.selectbox(t("src.example"), ["—", *examples], key="itd_example")
        if choice != "—" and st.session_state.get("_itd_example_loaded") != choice:
            st.session_state["_itd_example_loaded"] = choice
            _load_into_editor(examples[choice], choice)
    with cols[1]:
        upload = st.file_uploader(t("src.upload"), type=["json"], key="itd_upload")
        if upload is not None and st.session_state.get("_itd_upload_loaded") != upload.file_id:
            st.session_state["_itd_upload_loaded"] = upload.file_id
            raw = upload.getvalue()
            if len(raw) > UPLOAD_LIMIT:
                st.error(t("upload.too_big"))
            else:
                try:
                    app = load_application(raw, name=upload.name)
                except PlanLoadError as exc:
                    _show_problems(exc)
                else:
                    _load_into_editor(app.to_json_dict(), upload.name)


def _frame_picker(data: dict[str, Any]) -> dict[str, Any]:
    from planner.itdonyu import pack_frames

    frames = pack_frames()
    group = data.get("frame") == "group"
    options = [(p, f) for p, fs in frames.items() for f in fs if (f == "group") == group]
    current = (data.get("program"), data.get("frame"))
    index = options.index(current) if current in options else 0  # type: ignore[arg-type]
    names = {(p, f): f"{p} / {planner.get_pack(p).params.frame(f).name_ja if lang() == 'ja' else planner.get_pack(p).params.frame(f).name_en}"  # type: ignore[union-attr]
             for p, f in options}
    picked = st.selectbox(t("frame.pick"), options, index=index, format_func=lambda o: names[o],
                          key=f"itd_frame_{st.session_state.get('itdonyu_gen', 0)}")
    return {**data, "program": picked[0], "frame": picked[1]}


def _editors(data: dict[str, Any]) -> dict[str, Any]:
    gen = st.session_state.get("itdonyu_gen", 0)
    member_cols = ["id", "name", "role", "industry", "capital_yen", "employees"]
    members = pd.DataFrame([{c: m.get(c) for c in member_cols} for m in data.get("members", [])], columns=member_cols)
    st.markdown(f"**{t('edit.members')}**")
    edited_m = st.data_editor(members, key=f"itd_members_{gen}", hide_index=True, width="stretch",
                              disabled=["id", "role"], num_rows="fixed",
                              column_config={"capital_yen": st.column_config.NumberColumn(format="yen"),
                                             "employees": st.column_config.NumberColumn(format="%d")})
    cost_cols = ["id", "member", "tool", "kind", "expense", "unit_price_yen", "quantity", "months", "description"]
    costs = pd.DataFrame([{c: ln.get(c) for c in cost_cols} for ln in data.get("costs", [])], columns=cost_cols)
    st.markdown(f"**{t('edit.costs')}**")
    edited_c = st.data_editor(
        costs, key=f"itd_costs_{gen}", hide_index=True, width="stretch", num_rows="dynamic",
        column_config={
            "kind": st.column_config.SelectboxColumn(options=list(KINDS), required=True),
            "expense": st.column_config.SelectboxColumn(options=["a", "b"]),
            "unit_price_yen": st.column_config.NumberColumn(format="yen", min_value=0, step=1, required=True),
            "quantity": st.column_config.NumberColumn(min_value=1, step=1, required=True),
            "months": st.column_config.NumberColumn(min_value=1, max_value=600, step=1),
        },
    )
    out = copy.deepcopy(data)
    by_id = {m["id"]: m for m in out.get("members", [])}
    for row in edited_m.to_dict("records"):
        m = by_id.get(row["id"])
        if m is None:
            continue
        for c in ("name", "industry", "capital_yen", "employees"):
            value = _cell(row.get(c))
            if value is None:
                m.pop(c, None)
            else:
                m[c] = value
    old = {ln["id"]: ln for ln in data.get("costs", [])}
    new_costs = []
    for n, row in enumerate(edited_c.to_dict("records")):
        line = dict(old.get(str(row.get("id")), {})) if row.get("id") is not None else {}
        line["id"] = str(_cell(row.get("id")) or f"new{n + 1}")
        for c in cost_cols[1:]:
            value = _cell(row.get(c))
            if value is None:
                line.pop(c, None)
            else:
                line[c] = value
        new_costs.append(line)
    out["costs"] = new_costs
    return out


def _cell(value: Any) -> Any:
    """A data_editor cell as JSON: NaN/None → None, whole floats → int (pandas widens ints with NaN)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def _evaluate(data: dict[str, Any]) -> tuple[Application | None, ItdonyuResult | None]:
    try:
        app = load_application(data, name="itdonyu")
    except PlanLoadError as exc:
        _show_problems(exc)
        return None, None
    return app, planner.evaluate(app)


def _render_result(app: Application, res: ItdonyuResult) -> None:
    ja = lang() == "ja"
    c = st.columns(3)
    c[0].metric(t("m.subsidy"), yen(res.subsidy_yen))
    c[1].metric(t("m.eligible"), yen(res.eligible_total_yen))
    c[2].metric(t("m.own"), yen(res.own_funds_yen))
    c = st.columns(3)
    c[0].metric(t("m.cap"), yen(res.cap_yen))
    c[1].metric(t("m.members"), str(res.member_count))
    st.caption(f"{t('m.rate')}: {res.rate_label} · {res.frame_name_ja if ja else res.frame_name_en} ({res.program})")
    st.markdown(f"##### {t('steps')}")
    st.dataframe(
        pd.DataFrame(
            [{t("col.member"): s.member or "—", t("col.step"): s.label_ja if ja else s.label_en,
              t("col.basis"): yen(s.basis_yen), t("col.rate"): f"{s.rate.numerator}/{s.rate.denominator}" if s.rate else "",
              t("col.raw"): yen(s.raw_yen), t("col.cap"): yen(s.cap_yen), t("col.result"): yen(s.yen),
              t("col.rule"): s.rule or ""} for s in res.steps]
        ),
        hide_index=True,
        width="stretch",
    )
    st.markdown(f"##### {t('members')}")
    st.dataframe(
        pd.DataFrame(
            [{"id": m.id, "name": m.name, "role": m.role, t("col.claimed"): yen(m.claimed_yen),
              t("col.eligible"): yen(m.eligible_yen), t("m.subsidy"): yen(m.subsidy_yen), t("m.own"): yen(m.own_funds_yen),
              "parts": ", ".join(f"{k} {yen(v)}" for k, v in m.parts.items())} for m in res.members]
        ),
        hide_index=True,
        width="stretch",
    )
    st.markdown(f"##### {t('lines')}")
    st.dataframe(
        pd.DataFrame(
            [{t("col.line"): ln.id, t("col.member"): ln.member, t("col.category"): ln.kind + (f" ({ln.expense})" if ln.expense else ""),
              t("col.claimed"): yen(ln.claimed_yen), t("col.eligible"): yen(ln.eligible_yen),
              t("col.reductions"): ", ".join(f"{r.rule}: {yen(r.yen)}" for r in ln.reductions)} for ln in res.lines]
        ),
        hide_index=True,
        width="stretch",
    )
    if res.productivity is not None:
        st.markdown(f"##### {t('prod')}")
        for chk in res.productivity.checks:
            text = t("prod.check", kind=chk.kind, year=chk.year, growth=percent_text(chk.growth),
                     required=percent_text(chk.required))
            (st.success if chk.ok else st.error)(text)
    st.markdown(f"##### {t('findings')}")
    if not res.findings:
        st.success(t("none"))
    for sev in ("error", "warning", "info"):
        for f in (f for f in res.findings if f.severity == sev):
            body = f"**{SEV[sev][0 if ja else 1]}** `{f.rule}` {md_escape(f.message(lang()))}"
            if f.refs:
                body += f"  \n{md_escape('[' + ', '.join(f.refs) + ']')}"
            if f.yen:
                body += f"  \n{yen(f.yen)}"
            if f.fix(lang()):
                body += f"  \n{t('fix')}: {md_escape(f.fix(lang()))}"
            {"error": st.error, "warning": st.warning, "info": st.info}[sev](body)
    st.download_button(t("download"), json.dumps(app.to_json_dict(), ensure_ascii=False, indent=1),
                       file_name=f"{app.program}-{app.frame}.json", mime="application/json")


def render_frame() -> None:
    _source_picker()
    gen = st.session_state.get("itdonyu_gen", 0)
    if f"itd_costs_{gen}" not in st.session_state and isinstance(st.session_state.get("itdonyu_edited"), dict):
        # back on the page: the editors' own state is gone, start them from the last valid edit
        _load_into_editor(st.session_state["itdonyu_edited"], str(st.session_state.get("itdonyu_source", "")))
    base = _current()
    st.caption(t("src.loaded", name=md_escape(st.session_state.get("itdonyu_source", ""))))
    data = _frame_picker(base)
    app, res = _evaluate(_editors(data))
    if app is None:  # an invalid edit: the problems are shown, the last valid application is computed
        valid = st.session_state.get("itdonyu_edited", data)
        app, res = _evaluate(valid)
    else:
        st.session_state["itdonyu_edited"] = app.to_json_dict()
    if app is not None and res is not None:
        _render_result(app, res)


def render() -> None:
    st.subheader(t("title"))
    # keyed and tracked, so that an edit in the frame tab keeps the user there (see app_pages/scenarios.py)
    compare_tab, frame_tab = st.tabs(
        [t("tab.compare"), t("tab.frame")], key=f"itdonyu_tab_{lang()}", on_change="rerun"
    )
    # Only the selected tab runs (the tabs track their state): the comparison of every frame is not rebuilt
    # while the user edits one frame, and the other way round.
    if compare_tab.open is not False:
        with compare_tab:
            render_comparison()
    if frame_tab.open is not False:
        with frame_tab:
            render_frame()


render()
