"""コンソーシアム: name, lead, contact, members (with eligibility badges), the cap ladder and the rate."""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st

import planner.views as views
from schemas.plan import BASIC_INDUSTRIES, INDUSTRIES, ROLES
from ui import charts, fmt, forms, state
from ui.editors import Col, read_only_note, table_editor
from ui.i18n import industry_label, role_label, t


def _industry_labels() -> dict[str, str]:
    limits = state.current_pack().params.sme_limits.value
    return {k: v.label_ja for k, v in limits.items()}


_EXCLUDED = re.compile(r"[((]([^()()]*)を除く[))]")
_NUMBER_MARK = re.compile(r"^[\u2460-\u24ff\u3251-\u32bf]\s*")


def industry_options(options: Sequence[str], labels: dict[str, str]) -> list[str]:
    """The industries with each one an exclusion names put before the one that excludes it.

    The picker searches the labels, and 「③ サービス業(ソフトウェア業…を除く)」 also contains
    「ソフトウェア業」: listed first, typing ソフトウェア業 picked ③.  Now ⑥ and ⑦ come before ③ (the order is
    otherwise the table's).
    """
    def name(key: str) -> str:
        return _NUMBER_MARK.sub("", labels.get(key, ""))

    out: list[str] = []
    for key in options:
        if key in out:
            continue
        found = _EXCLUDED.search(name(key))
        if found:
            for other in options:
                if other != key and other not in out and name(other) and name(other) in found.group(1):
                    out.append(other)
        out.append(key)
    return out


@st.cache_data(max_entries=64, show_spinner=False)
def _ladder_spec(key: tuple[object, ...], _ladder: Sequence[views.LadderStep], raw_total: int) -> dict[str, object]:
    """The cap ladder's chart, built once per ladder, total and language for every session (Altair takes
    ~0.1 s to build it; the default page drew it anew for each new session).  ``key`` holds all it shows."""
    spec: dict[str, object] = charts.cap_ladder(_ladder, raw_total)
    return spec


def render() -> None:
    plan = state.get_plan()
    result = state.current_result()
    pack = state.current_pack()
    st.subheader(t("c.header"))
    read_only_note()

    left, right = st.columns([3, 2])
    forms.text_field(t("c.name"), ("consortium", "name"), "c.name", target=left)
    members = {m.id: m for m in plan.members}
    forms.select_field(
        t("c.lead"),
        ("consortium", "lead"),
        "c.lead",
        [None, *members],
        format_func=lambda x: t("c.lead_none") if x is None else f"{x} {members[x].name}" if x in members else str(x),
        target=right,
    )
    # the contact block: a summary, and its six fields while "edit" is on (fewer widgets on every rerun)
    contact = plan.consortium.contact
    fields = ("company", "title", "name", "email", "phone", "address")
    with st.container(border=True):
        head, switch = st.columns([4, 1])
        shown = [fmt.md_escape(getattr(contact, f)) for f in fields if contact is not None and getattr(contact, f)]
        head.markdown(f"**{t('c.contact')}**  \n" + (" / ".join(shown) if shown else t("c.contact_none")))
        editing = switch.toggle(t("c.contact_edit"), key="c.contact_edit",
                                value=bool(state.error_for(state.widget_key("c.contact.email"))))
        if editing:
            cols = st.columns(3)
            for i, field in enumerate(fields):
                forms.text_field(t(f"c.contact.{field}"), ("consortium", "contact", field), f"c.contact.{field}",
                                 target=cols[i % 3])

    # -- members ---------------------------------------------------------------------------------------
    st.markdown(f"##### {t('c.members')}")
    st.caption(t("c.members_help"))
    labels = _industry_labels()
    badges = []
    subsidies = []
    for m in plan.members:
        mr = result.member(m.id)
        subsidies.append(mr.subsidy_yen if mr else None)
        if m.role == "sme_user" and mr is not None and mr.sme is not None:
            reason = mr.sme.reason_ja if state.lang() == "ja" else mr.sme.reason_en
            badges.append(("✅ " if mr.sme.ok else "❌ ") + reason)
        elif m.role == "it_vendor":
            badges.append(t("c.vendor_note") + (" / " + t("col.large_enterprise") if m.large_enterprise else ""))
        else:
            badges.append(t("c.collab_note"))
    table_editor(
        "members",
        "members",
        [
            Col("id", "id", t("col.id"), width="small", pinned=True),
            Col("name", "text", t("col.name"), width="medium"),
            Col("role", "select", t("col.role"), options=ROLES, fmt=role_label, width="medium"),
            Col("industry", "select", t("col.industry"), options=industry_options(INDUSTRIES, labels), fmt=lambda x: industry_label(x, labels),
                width="medium"),
            Col("main_industry", "select", t("col.main_industry"), options=industry_options(BASIC_INDUSTRIES, labels),
                fmt=lambda x: industry_label(x, labels)),
            Col("capital_yen", "yen", t("col.capital_yen")),
            Col("employees", "int", t("col.employees")),
            Col("deemed_large", "bool", t("col.deemed_large")),
            Col("large_enterprise", "bool", t("col.large_enterprise")),
            Col("corporate_number", "text", t("col.corporate_number"), validate=r"^\d{13}$"),
            Col("badge", "ro_text", t("col.badge"), width="large"),
            Col("subsidy", "ro_yen", t("col.subsidy")),
            Col("representative", "text", t("col.representative")),
            Col("address", "text", t("col.address")),
        ],
        readonly=lambda: {"badge": badges, "subsidy": subsidies},
        rename_kind="member",
    )

    # eligibility badges, one per sme_user, with the engine's reason
    sme = [(m, result.member(m.id)) for m in plan.members if m.role == "sme_user"]
    if sme:
        st.markdown(f"**{t('c.badges')}**")
        for m, mr in sme:
            if mr is None or mr.sme is None:
                continue
            reason = mr.sme.reason_ja if state.lang() == "ja" else mr.sme.reason_en
            st.badge(
                fmt.md_escape(f"{m.id} {m.name}: {reason}"),
                color="green" if mr.sme.ok else "red",
                icon=":material/check_circle:" if mr.sme.ok else ":material/cancel:",
            )

    # -- cap ladder and rate -------------------------------------------------------------------------------
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"##### {t('c.ladder')}")
        ladder = views.cap_ladder(pack, result.member_count)
        n = result.member_count
        base = ladder[0].members
        adds = views.next_member_adds(pack, n)
        if n < base:
            st.info(t("c.ladder_below", n=n, base=base))
        elif adds:
            st.info(t("c.ladder_now", n=n, cap=fmt.yen(result.cap_yen), adds=fmt.yen(adds),
                      next=fmt.yen(result.cap_yen + adds)))
        else:
            st.info(t("c.ladder_max", n=n, cap=fmt.yen(result.cap_yen)))
        more = views.members_to_lift_cap(pack, result)
        if more is None:
            st.warning(t("c.ladder_binds_max"))
        elif more > 0:
            st.warning(t("c.ladder_binds", more=more))
        key = (tuple((s.members, s.cap_yen, s.current) for s in ladder), result.raw_subsidy_total_yen, state.lang())
        charts.show("ladder", lambda: _ladder_spec(key, ladder, result.raw_subsidy_total_yen))
    with right:
        st.markdown(f"##### {t('c.rate')}")
        why = views.rate_reason(pack, result)
        if why.large_vendor:
            f = next(f for f in result.findings if f.rule == "rate.large_vendor")
            st.warning(t("c.rate_large", rate=fmt.rate(why.rate), why=fmt.md_escape(f.message(state.lang())),
                         other=fmt.rate(why.other_rate), source=why.source))
        else:
            st.success(t("c.rate_std", rate=fmt.rate(why.rate), source=why.source))
        for _name, note in views.interpretation_notes(pack, "cap_base_yen", "cap_step_yen", "cap_sharing", lang=state.lang()):
            st.caption(f"{t('r.interpretation')}: {note}")


render()
