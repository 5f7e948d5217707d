"""計画の管理: the stored plans (list, open, new, duplicate, rename, delete/undelete), the open plan's
history (view, compare with the current plan, restore) and its share links (lead only).

Everything goes through ``ui.store_bridge`` / ``store``; the store enforces the roles, this page
only hides what the role cannot do.  The open plan's id is in the URL (``?plan=…``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

import planner
from planner import load_plan
from schemas import PlanLoadError
from store import Access, AccessDenied, NotFound, Store, StoreError
from ui import fmt, state
from ui import store_bridge as bridge
from ui.editors import read_only, read_only_note
from ui.i18n import pick

_T: dict[str, tuple[str, str]] = {
    "title": ("計画の管理", "Plans"),
    "off": ("計画ストアを開けません: {why}", "The plan store cannot be opened: {why}"),
    "current": ("開いている計画", "Open plan"),
    "none_open": ("この計画はまだ保存されていません。最初の編集で自動保存されます。",
                  "This plan is not stored yet; the first edit saves it."),
    "save_now": ("今すぐ保存", "Save now"),
    "name": ("計画名", "Plan name"),
    "name_help": ("計画名はコンソーシアム名と同じ間はコンソーシアム名の変更に合わせて変わります。ここで別の名前を付けると、以後はその名前のままです。",
                  "While the plan's name is the consortium name it follows renames of the consortium; "
                  "give it another name here and it keeps that name."),
    "rename": ("名前を変更", "Rename"),
    "renamed": ("名前を変更しました", "Renamed"),
    "list": ("保存されている計画", "Stored plans"),
    "col.name": ("計画名", "name"),
    "col.id": ("ID", "id"),
    "col.version": ("版", "version"),
    "col.updated": ("更新日時", "updated"),
    "col.open": ("表示中", "open"),
    "pick": ("計画を選ぶ", "Choose a plan"),
    "open": ("開く", "Open"),
    "duplicate": ("複製", "Duplicate"),
    "delete": ("削除", "Delete"),
    "deleted_ok": ("削除しました({until} まで元に戻せます)", "Deleted (can be undone until {until})"),
    "new": ("新しい空の計画", "New empty plan"),
    "new_name": ("新しいコンソーシアム", "New consortium"),
    "deleted": ("削除した計画(元に戻せます)", "Deleted plans (restorable)"),
    "undelete": ("元に戻す", "Undelete"),
    "purge": ("{until} に完全に削除されます", "removed for good on {until}"),
    "history": ("変更履歴", "History"),
    "col.author": ("作成者", "author"),
    "col.summary": ("変更内容", "change"),
    "col.time": ("日時", "time"),
    "col.note": ("メモ", "note"),
    "version": ("版を選ぶ", "Choose a version"),
    "view": ("この版の内容", "This version"),
    "compare": ("現在の計画との差分", "Compared with the current plan"),
    "same": ("現在の計画と同じです", "Same as the current plan"),
    "restore": ("この版に戻す", "Restore this version"),
    "restored": ("版 {old} を復元しました(新しい版 {new})", "Version {old} restored (new version {new})"),
    "share": ("共有リンク", "Share links"),
    "share_help": ("リンクを知っている人がこの計画を開けます。lead はすべて、member:<ID> はそのメンバーの情報と経費行だけを編集できます。",
                   "Whoever has a link opens this plan: lead edits everything, member:<id> only that member's record and cost lines."),
    "role": ("役割", "Role"),
    "label": ("相手の名前(履歴に表示)", "Who it is for (shown in the history)"),
    "make_link": ("リンクを作成", "Create link"),
    "new_link": ("新しいリンク(この画面でのみ表示されます。コピーして渡してください)",
                 "New link (shown only now: copy it and pass it on)"),
    "revoke": ("取り消す", "Revoke"),
    "revoked": ("取り消しました", "Revoked"),
    "col.role": ("役割", "role"),
    "col.label": ("名前", "label"),
    "col.state": ("状態", "state"),
    "active": ("有効", "active"),
    "inactive": ("取消済み", "revoked"),
    "person_view": ("この計画でのあなたの役割は {role} です。", "Your role in this plan is {role}."),
    "member_view": ("この共有リンクの役割は {role} です。", "This share link's role is {role}."),
    "people": ("参加者と招待", "People and invitations"),
    "people_help": ("招待はメールアドレスと役割に結びつきます。招待されたメールアドレスで(確認済みとして)サインインした人だけが受けられ、一度使うと無効になります。メールアドレスを空にすると、サインインした誰か一人が一度だけ受けられます。lead はすべて、member:<ID> はそのメンバーの情報と経費行だけを編集でき、viewer は閲覧のみです。",
                    "An invitation is bound to an e-mail address and a role: only someone signed in with that (verified) "
                    "address can accept it, once. Leave the address empty and any one signed-in person can accept it, once. "
                    "lead edits everything, member:<id> only that member's record and cost lines, viewer only reads."),
    "email": ("メールアドレス(空欄: 誰でも一度だけ)", "E-mail (empty: anyone, once)"),
    "invite": ("招待する", "Invite"),
    "new_invite": ("招待リンク(この画面でのみ表示されます。招待した人に渡してください)",
                   "Invitation link (shown only now: pass it to the person you invited)"),
    "col.email": ("メールアドレス", "e-mail"),
    "col.person": ("名前", "name"),
    "col.event": ("出来事", "event"),
    "col.by": ("実行者", "by"),
    "anyone": ("(誰でも一度だけ)", "(anyone, once)"),
    "accepted": ("受諾済み", "accepted"),
    "person_pick": ("参加者", "Person"),
    "change_role": ("役割を変更", "Change role"),
    "remove_person": ("外す", "Remove"),
    "role_changed": ("役割を変更しました", "Role changed"),
    "person_removed": ("外しました", "Removed"),
    "audit": ("招待の記録", "Invitation audit"),
    "my_plans": ("参加している計画", "My plans"),
    "figures": ("補助金額 {subsidy} · 申請経費 {claimed} · エラー {errors} 件",
                "Subsidy {subsidy} · claimed {claimed} · {errors} error(s)"),
}


def tr(key: str, **kw: Any) -> str:
    return pick(_T, key, **kw)


def _when(dt: Any) -> str:
    """Every time on this page: Japan time with the zone named (``2025-06-01 10:53 JST``)."""
    return bridge.when(dt)


def _run(action: Any, ok: str | None = None) -> Any:
    """Run a store action; its refusal or error becomes a message, never a traceback."""
    try:
        value = action()
    except (StoreError, PlanLoadError) as exc:
        st.error(fmt.md_escape(exc.message(state.lang())))
        return None
    if ok:
        st.success(ok)
    return value


def _access(store: Store) -> Access | None:
    b = bridge.binding()
    if b is not None:
        return b.access
    try:
        return store.local_access()
    except AccessDenied:
        return None


# -- sections ------------------------------------------------------------------------------------------


def _current(store: Store, access: Access) -> None:
    b = bridge.binding()
    st.markdown(f"##### {tr('current')}")
    if b is None:
        st.info(tr("none_open"))
        if st.button(tr("save_now"), key="plans_save_now", icon=":material/save:"):
            bridge.on_plan_accepted(state.get_plan(), None)
            st.rerun()
        return
    info = _run(lambda: store.info(access, b.plan_id))
    if info is None:
        return
    st.markdown(f"**{fmt.md_escape(info.name)}** · ID `{info.id}` · {'版' if state.lang() == 'ja' else 'version'} {info.version}")
    if not access.is_lead:
        st.caption(tr("person_view" if access.email else "member_view", role=fmt.md_escape(access.role)))
        return
    with st.form("plans_rename", border=False):
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        name = left.text_input(tr("name"), value=info.name, max_chars=200, help=tr("name_help"))
        if right.form_submit_button(tr("rename")) and name.strip() and name != info.name:
            if _run(lambda: store.rename(access, b.plan_id, name), tr("renamed")) is not None:
                bridge.renamed(name)


def _plan_list(store: Store, access: Access) -> None:
    st.markdown(f"##### {tr('list')}")
    plans = _run(lambda: store.list_plans(access, include_deleted=True)) or []
    live = [p for p in plans if p.deleted_at is None]
    deleted = [p for p in plans if p.deleted_at is not None]
    b = bridge.binding()
    if st.button(tr("new"), key="plans_new", icon=":material/add:"):
        bridge.start_new(state.empty_plan(tr("new_name"), state.get_plan().program), None)
        st.rerun()
    if live:
        st.dataframe(
            pd.DataFrame([{
                tr("col.open"): "●" if b is not None and b.plan_id == p.id else "",
                tr("col.name"): p.name, tr("col.id"): p.id, tr("col.version"): p.version,
                tr("col.updated"): _when(p.updated_at)} for p in live]),
            hide_index=True, width="stretch",
        )
        ids = [p.id for p in live]
        names = {p.id: f"{p.name}({p.id})" for p in live}
        choice = st.selectbox(tr("pick"), ids, format_func=names.__getitem__, key="plans_pick",
                              index=ids.index(b.plan_id) if b is not None and b.plan_id in ids else 0)
        c1, c2, c3 = st.columns(3)
        if c1.button(tr("open"), key="plans_open", icon=":material/folder_open:", width="stretch"):
            if bridge.open_plan(choice):
                st.rerun()
        if c2.button(tr("duplicate"), key="plans_dup", icon=":material/content_copy:", width="stretch"):
            info = _run(lambda: store.duplicate(access, choice))
            if info is not None and bridge.open_plan(info.id):
                st.rerun()
        if c3.button(tr("delete"), key="plans_delete", icon=":material/delete:", width="stretch"):
            info = _run(lambda: store.delete(access, choice))
            if info is not None:
                if b is not None and b.plan_id == choice:
                    bridge.forget()
                bridge.message("success", tr("deleted_ok", until=_when(info.purge_after)))
                st.rerun()
    if deleted:
        with st.expander(tr("deleted")):
            labels = {p.id: f"{p.name}({p.id})· {tr('purge', until=_when(p.purge_after))}" for p in deleted}
            pick = st.selectbox(tr("pick"), list(labels), format_func=labels.__getitem__, key="plans_pick_deleted")
            if st.button(tr("undelete"), key="plans_undelete", icon=":material/restore_from_trash:"):
                if _run(lambda: store.undelete(access, pick)) is not None:
                    st.rerun()


def _history(store: Store, access: Access) -> None:
    b = bridge.binding()
    if b is None:
        return
    st.markdown(f"##### {tr('history')}")
    versions = _run(lambda: store.history(access, b.plan_id)) or []
    lang = state.lang()
    st.dataframe(
        pd.DataFrame([{
            tr("col.version"): v.version, tr("col.time"): _when(v.created_at), tr("col.author"): v.author,
            tr("col.summary"): v.summary_text(lang), tr("col.note"): v.note or ""} for v in versions]),
        hide_index=True, width="stretch", height=min(400, 38 + 35 * len(versions)),
    )
    numbers = [v.version for v in versions]
    if len(numbers) < 2:
        return
    picked = st.selectbox(tr("version"), numbers[1:], key="plans_version",
                          format_func=lambda n: next(f"{n}: {v.summary_text(lang)}" for v in versions if v.version == n))
    got = _run(lambda: store.get_version(access, b.plan_id, picked))
    if got is None:
        return
    _info, data = got
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('view')}**")
        # a stored version never changes: its figures are evaluated once (per open plan and language)
        st.caption(state.memo_get(f"plans_figures:{b.plan_id}:{picked}", lambda: _version_figures(data)))
        st.json(data, expanded=False)
    with right:
        st.markdown(f"**{tr('compare')}**")
        changes = _run(lambda: store.compare(access, b.plan_id, picked)) or []
        if changes:
            st.code("\n".join(c.text(lang) for c in changes), language=None)
        else:
            st.caption(tr("same"))
        if st.button(tr("restore"), key="plans_restore", icon=":material/history:", disabled=read_only()):
            result_ = _run(lambda: store.restore(access, b.plan_id, picked, base_version=b.version))
            if result_ is not None and bridge.open_plan(b.plan_id, b.token):
                bridge.message("success", tr("restored", old=picked, new=result_.version))
                st.rerun()


def _version_figures(data: Any) -> str:
    """The headline figures of a stored version (or why it cannot be evaluated)."""
    try:
        result = planner.evaluate(load_plan(data))
    except (PlanLoadError, planner.PackError) as exc:
        return fmt.md_escape(exc)
    return tr("figures", subsidy=fmt.yen(result.subsidy_yen), claimed=fmt.yen(result.claimed_total_yen),
              errors=result.count("error"))


def _base_url() -> str:
    try:
        url = str(st.context.url or "")
    except Exception:
        url = ""
    return url.split("?", 1)[0] or "http://localhost:8501/"


def _sharing(store: Store, access: Access) -> None:
    b = bridge.binding()
    if b is None or not access.is_lead:
        return
    st.markdown(f"##### {tr('share')}")
    st.caption(tr("share_help"))
    plan = state.get_plan()
    roles = ["lead", *(f"member:{m.id}" for m in plan.members)]
    names = {f"member:{m.id}": f"member:{m.id}({m.name})" for m in plan.members}
    with st.form("plans_share", border=True):
        c1, c2 = st.columns(2)
        role = c1.selectbox(tr("role"), roles, format_func=lambda r: names.get(r, r))
        label = c2.text_input(tr("label"), max_chars=200)
        submitted = st.form_submit_button(tr("make_link"), icon=":material/link:")
    if submitted:
        made = _run(lambda: store.create_share(access, b.plan_id, role, label=label))
        if made is not None:
            token, _share = made
            link = f"{_base_url().rstrip('/')}/?{urlencode({'plan': b.plan_id, 'token': token})}"
            st.success(tr("new_link"))
            st.code(link, language=None)
    shares = _run(lambda: store.list_shares(access, b.plan_id)) or []
    if shares:
        st.dataframe(pd.DataFrame([{
            "ID": s.id, tr("col.role"): s.role, tr("col.label"): s.label, tr("col.time"): _when(s.created_at),
            tr("col.state"): tr("inactive") if s.revoked_at else tr("active")} for s in shares]),
            hide_index=True, width="stretch")
        active = [s for s in shares if s.revoked_at is None]
        if active:
            left, right = st.columns([3, 1], vertical_alignment="bottom")
            pick = left.selectbox(tr("revoke"), [s.id for s in active], key="plans_revoke_pick",
                                  format_func=lambda i: next(f"{s.id}: {s.role} {s.label}" for s in active if s.id == i))
            if right.button(tr("revoke"), key="plans_revoke", icon=":material/link_off:"):
                def revoke() -> bool:
                    store.revoke_share(access, b.plan_id, pick)
                    return True

                if _run(revoke) is not None:
                    bridge.message("success", tr("revoked"))
                    st.rerun()


def _my_plans(store: Store) -> None:
    """Sign-in mode: the plans the signed-in person is in (to switch between them)."""
    me, b = bridge.identity(), bridge.binding()
    if me is None:
        return
    mine = _run(lambda: store.plans_of(me.email)) or []
    if len(mine) < 2:
        return
    st.markdown(f"##### {tr('my_plans')}")
    ids = [p.id for p in mine]
    names = {p.id: f"{p.name}({p.id})" for p in mine}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    choice = left.selectbox(tr("pick"), ids, format_func=names.__getitem__, key="plans_pick_mine",
                            index=ids.index(b.plan_id) if b is not None and b.plan_id in ids else 0)
    if right.button(tr("open"), key="plans_open_mine", icon=":material/folder_open:") and bridge.open_plan(choice):
        st.rerun()


def _people(store: Store, access: Access) -> None:
    """Sign-in mode, lead only: invite by e-mail and role, the people and their roles, the invitations."""
    b = bridge.binding()
    if b is None or not access.is_lead:
        return
    st.markdown(f"##### {tr('people')}")
    st.caption(tr("people_help"))
    plan = state.get_plan()
    roles = ["lead", "viewer", *(f"member:{m.id}" for m in plan.members)]
    names = {f"member:{m.id}": f"member:{m.id}({m.name})" for m in plan.members}
    with st.form("plans_invite", border=True, clear_on_submit=True):
        c1, c2 = st.columns(2)
        email = c1.text_input(tr("email"), max_chars=320, key="plans_invite_email")
        role = c2.selectbox(tr("role"), roles, format_func=lambda r: names.get(r, r), key="plans_invite_role")
        submitted = st.form_submit_button(tr("invite"), icon=":material/person_add:")
    if submitted:
        token = _run(lambda: store.invite(access, b.plan_id, email.strip() or None, role))
        if token is not None:
            link = f"{_base_url().rstrip('/')}/?{urlencode({'token': token})}"
            st.success(tr("new_invite"))
            st.code(link, language=None)
    people = _run(lambda: store.list_people(access, b.plan_id)) or []
    if people:
        st.dataframe(pd.DataFrame([{
            tr("col.person"): p.name, tr("col.email"): p.email, tr("col.role"): p.role,
            tr("col.time"): _when(p.added_at)} for p in people]), hide_index=True, width="stretch")
        emails = [p.email for p in people]
        c1, c2, c3, c4 = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
        who = c1.selectbox(tr("person_pick"), emails, key="plans_person_pick")
        new_role = c2.selectbox(tr("role"), roles, format_func=lambda r: names.get(r, r), key="plans_person_role")
        if c3.button(tr("change_role"), key="plans_person_change"):
            if _run(lambda: store.change_role(access, b.plan_id, who, new_role) or True, tr("role_changed")):
                st.rerun()
        if c4.button(tr("remove_person"), key="plans_person_remove"):
            if _run(lambda: store.remove_person(access, b.plan_id, who) or True, tr("person_removed")):
                st.rerun()
    invites = _run(lambda: store.list_invitations(access, b.plan_id)) or []
    if invites:
        st.dataframe(pd.DataFrame([{
            "ID": i.id, tr("col.email"): i.email or tr("anyone"), tr("col.role"): i.role,
            tr("col.time"): _when(i.created_at),
            tr("col.state"): tr("inactive") if i.revoked_at else tr("accepted") if i.accepted_at else tr("active")}
            for i in invites]), hide_index=True, width="stretch")
        live = [i for i in invites if i.open]
        if live:
            left, right = st.columns([3, 1], vertical_alignment="bottom")
            pick = left.selectbox(tr("revoke"), [i.id for i in live], key="plans_invite_revoke_pick",
                                  format_func=lambda n: next(f"{i.id}: {i.role} {i.email or tr('anyone')}"
                                                             for i in live if i.id == n))
            if right.button(tr("revoke"), key="plans_invite_revoke", icon=":material/link_off:"):
                if _run(lambda: store.revoke_invitation(access, b.plan_id, pick) or True, tr("revoked")):
                    st.rerun()
    with st.expander(tr("audit")):
        events = _run(lambda: store.invitation_audit(access, b.plan_id)) or []
        st.dataframe(pd.DataFrame([{
            "ID": e.invitation_id, tr("col.event"): e.event, tr("col.email"): e.email or tr("anyone"),
            tr("col.role"): e.role, tr("col.by"): e.actor, tr("col.time"): _when(e.at)} for e in events]),
            hide_index=True, width="stretch")


def render() -> None:
    st.subheader(tr("title"))
    read_only_note()
    for kind, text in bridge.pop_messages():  # when the frame does not show them (render_status) already
        (st.error if kind == "error" else st.success)(text)
    store = bridge.get_store()
    if store is None:
        st.error(tr("off", why=fmt.md_escape(st.session_state.get("_store_error", ""))))
        return
    access = _access(store)
    if access is None:
        st.warning(bridge.tr("need_token"))
        return
    try:
        _current(store, access)
        if access.plan_id is None:
            _plan_list(store, access)
        elif bridge.sign_in_mode():
            _my_plans(store)
        _history(store, access)
        if bridge.sign_in_mode():
            _people(store, access)
        else:
            _sharing(store, access)
    except NotFound as exc:
        st.error(fmt.md_escape(exc.message(state.lang())))


render()
