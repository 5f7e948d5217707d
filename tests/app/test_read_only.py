"""A read-only role (``viewer``) sees the plan on every page without edit controls; the lead keeps them.

The store already refuses every save of a viewer (tests/store/test_people.py); this is the interface: with
``ui.store_bridge.current_role() == "viewer"`` — a viewer share link (link mode) or a signed-in person with the
role ``viewer`` (sign-in mode, ``AppTest.user``) — every page and every tab of the main area is driven with
AppTest and checked:

- every table of the plan is a disabled ``st.data_editor`` without adding or deleting rows, and no edit
  state of it is registered;
- every other enabled input is a *view* control on :data:`VIEW_CONTROLS` (filters, pickers, downloads, the
  optimiser's inputs, the export's zip options, the IT導入 calculator's own scratch application): an edit
  widget added later without read-only handling fails this test;
- the plan's fields, the add/delete/restore/import/what-if buttons are disabled or absent (no upload);
- the note "閲覧のみ" / "Read-only" is shown exactly once on the pages that would have edit controls;
- clicking every enabled button changes neither the session's plan nor the stored plan, and no save is
  even attempted (no "保存できません" refusal);
- the lead, on the same plan and views, has every one of those controls enabled and no note.

A member link keeps its editors (which rows are its own is the store's row-by-row check) — not tested here.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from planner import load_plan
from planner import scenarios as sc
from store import Store
from tests.app.helpers import APP, assert_clean, label
from tests.conftest import ROOT
from ui import store_bridge

pytestmark = pytest.mark.timeout(900)

SAMPLE = ROOT / "examples" / "model-case-2.json"
VIEWER, LEAD = "viewer@example.com", "lead@example.com"

#: (page, the tracked tab's session key, the tab's label): every view of the main area
VIEWS: list[tuple[str, str | None, str | None]] = [
    ("consortium", None, None),
    ("tools", None, None),
    ("costs", None, None),
    ("checks", None, None),
    ("subsidy", None, None),
    ("scenarios", "scenarios_tab_ja", "シナリオと比較"),
    ("scenarios", "scenarios_tab_ja", "What-if"),
    ("scenarios", "scenarios_tab_ja", "余裕(ヘッドルーム)"),
    ("scenarios", "scenarios_tab_ja", "配分の最適化"),
    ("export", None, None),
    ("itdonyu", "itdonyu_tab_ja", "制度比較(共創型 と IT導入補助金)"),
    ("itdonyu", "itdonyu_tab_ja", "枠の計算(1社・複数社連携)"),
    ("plans", None, None),
]

#: pages with edit controls for a lead: the read-only note is shown there (once) for a viewer
NOTE_PAGES = {"consortium", "tools", "costs", "subsidy", "scenarios", "export", "plans"}

#: enabled controls a viewer may use: they change what is shown, or compute, never the plan (key stems)
VIEW_CONTROLS = (
    "c.contact_edit",  # shows the contact fields (disabled for a viewer)
    "k.filter_member", "k.filter_step", "k.detail_cols",  # cost line filters and columns
    "scn_pick", "scn_cmp",  # which scenario to look at / compare
    "o_objective", "o_budget_on", "o_budget", "o_mbudget", "o_mb_*", "o_run",  # the optimiser computes only
    "export_password", "export_max_mail_mb", "export_pdf", "export_pdf_doc",  # how the downloads are made
    "itd_*",  # the IT導入 calculator: its own scratch application in the session, never the plan
    "plans_version", "plans_pick_mine", "plans_open_mine",  # look at a version, switch to another own plan
    "sign_out",  # sign-in mode: the frame's sign-out
    "lang_choice", "sample_choice",  # the sidebar: the language; which sample (loading it is disabled)
)

#: the edit controls a viewer must see disabled (a minimum: the test also finds the rest by itself)
MUST_BE_DISABLED = {
    "consortium": {"c.name", "c.lead", "c.contact.email", "editor:members"},
    "tools": {"editor:tools", "editor:integrations"},
    "costs": {"editor:meetings", "editor:costs", "kenpo_title", "kenpo_text", "kenpo_apply", "kenpo_clear"},
    "subsidy": {"s.decision", "s.end", "editor:schedule"},
    "scenarios/シナリオと比較": {"scn_open", "scn_delete"},
    "scenarios/What-if": {"w_add", "w_rm_go", "w_move_go", "w_method_go", "w_role", "w_rm", "w_line", "w_integ"},
    "scenarios/配分の最適化": {"o_flexall", "o_add"},
    "plans": {"plans_restore"},
}
#: the frame's sidebar, on every page: what would replace or change the plan
SIDEBAR_DISABLED = {"undo_edit", "redo_edit", "pack", "load_sample", "new_plan"}  # (the upload: absent)

WIDGETS = ("button", "text_input", "text_area", "number_input", "selectbox", "multiselect", "checkbox", "toggle",
           "radio", "date_input", "data_editor", "file_uploader", "form_submit_button", "slider", "select_slider",
           "color_picker", "time_input", "chat_input")
NOT_SAVED = ("保存できません", "Not saved")
#: buttons not clicked: the PDF preview only prints the workbooks (LibreOffice, seconds); sign-out ends the session
NOT_CLICKED = {"export_pdf", "sign_out"}


@dataclass(frozen=True)
class Widget:
    kind: str
    stem: str
    enabled: bool
    element: Any


def _stem(kind: str, key: str | None, element: Any) -> str:
    if kind == "data_editor" and key and key.startswith(("ed:", "ro:")):
        return "editor:" + key.split(":")[1]
    if key is None:
        return f"{kind}:{getattr(element, 'label', '')}"
    return key.split("@", 1)[0]


def _widgets(at: AppTest) -> list[Widget]:
    """The widgets of the page and of the frame's sidebar."""
    out = []
    for kind in WIDGETS:
        for el in at.get(kind):
            key = getattr(el, "key", None)
            disabled = bool(getattr(el.proto, "disabled", False))
            out.append(Widget(kind, _stem(kind, key, el), not disabled, el))
    return out


def _view_control(stem: str) -> bool:
    return any(fnmatch.fnmatchcase(stem, pattern) for pattern in VIEW_CONTROLS)


def _plan_json(at: AppTest) -> dict[str, Any]:
    plan = at.session_state["plan"]
    return dict(plan.to_json_dict())


# -- the world: one stored plan with a scenario, two versions and a 健保 table; viewer and lead ---------------


@dataclass
class World:
    store: Store
    plan_id: str
    tokens: dict[str, str]

    def stored(self) -> tuple[int, str]:
        opened = self.store.open_plan(self.store.operator_access(), self.plan_id)
        return opened.version, json.dumps(opened.plan, sort_keys=True, ensure_ascii=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("read-only")
    mp = pytest.MonkeyPatch()
    mp.setenv("KYOSO_DATA_DIR", str(data))
    mp.delenv("KYOSO_DATABASE_URL", raising=False)
    mp.delenv("KYOSO_SHARED_MODE", raising=False)
    mp.delenv("KYOSO_AUTH", raising=False)
    store_bridge._open_store.clear()
    store = Store(f"sqlite:///{Path(data) / 'kyoso.db'}", shared_mode=False)
    try:
        plan = load_plan(json.loads(SAMPLE.read_text(encoding="utf-8")))
        plan = sc.add_variant(plan, sc.whatif_add_member(plan, "sme_user"), "ja")
        d = plan.to_json_dict()
        d["kenpo_rates"] = {"title": "協会けんぽ 東京", "rates": {"20": 1560}}
        op = store.operator_access("cli:test")
        pid = store.create_plan(op, d, name="閲覧の計画").id
        d["consortium"]["name"] = "閲覧の計画 第2版"
        store.save(op, pid, d, 1)
        tokens = {role: store.create_share(op, pid, role)[0] for role in ("viewer", "lead")}
        store.add_person(op, pid, VIEWER, "viewer", name="Viewer San")
        store.add_person(op, pid, LEAD, "lead", name="Lead San")
        yield World(store, pid, tokens)
    finally:
        store.close()
        store_bridge._open_store.clear()
        mp.undo()


def _open(world: World, mode: str, role: str, page: str, tab_key: str | None, tab: str | None,
          monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["plan"] = world.plan_id
    if mode == "link":
        monkeypatch.delenv("KYOSO_AUTH", raising=False)
        at.query_params["token"] = world.tokens[role]
    else:
        monkeypatch.setenv("KYOSO_AUTH", "oidc")
        email, name = (VIEWER, "Viewer San") if role == "viewer" else (LEAD, "Lead San")
        at.user = {"is_logged_in": True, "email": email, "email_verified": True, "name": name}
    at.session_state["c.contact_edit"] = True  # the contact fields are shown too
    if tab_key is not None:
        at.session_state[tab_key] = tab
    at.run()
    assert_clean(at)
    if page != "consortium":
        at.switch_page(f"app_pages/{page}.py").run()
        assert_clean(at)
    binding = at.session_state["_store_binding"]
    assert binding.access.role == role, binding.access.role
    if page == "scenarios" and tab == "配分の最適化":  # the result and its "add as a scenario" button
        next(b for b in at.main.button if b.key == "o_run").click().run()
        assert_clean(at)
    return at


def _view_name(page: str, tab: str | None) -> str:
    return f"{page}/{tab}" if tab else page


@pytest.mark.parametrize("mode", ["link", "sign-in"])
def test_a_viewer_sees_no_edit_control_and_the_lead_has_them(world: World, mode: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = world.stored()
    for page, tab_key, tab in VIEWS:
        name = _view_name(page, tab)
        viewer = _open(world, mode, "viewer", page, tab_key, tab, monkeypatch)
        plan_before = _plan_json(viewer)
        widgets = _widgets(viewer)

        # tables: disabled, no rows to add or delete, no edit state registered
        for w in widgets:
            if w.kind == "data_editor" and not w.stem.startswith("itd_"):
                assert not w.enabled and w.element.editing_mode == "fixed", (name, w.stem, w.element.editing_mode)
        registered = viewer.session_state["_editors"] if "_editors" in viewer.session_state else {}
        assert not registered, (name, list(registered))
        # no upload, and every other enabled widget is a view control
        assert not [w.stem for w in widgets if w.kind == "file_uploader" and not w.stem.startswith("itd_")], name
        editing = sorted(w.stem for w in widgets if w.enabled and not _view_control(w.stem))
        assert not editing, f"{name}: enabled edit controls for a viewer: {editing}"
        disabled = {w.stem for w in widgets if not w.enabled}
        missing = (MUST_BE_DISABLED.get(name, set()) | SIDEBAR_DISABLED) - disabled
        assert not missing, f"{name}: not shown disabled to a viewer: {missing}"
        # the one note
        notes = [str(e.value) for e in viewer.main.info if str(e.value) == label("ro.note")]
        assert len(notes) == (1 if page in NOTE_PAGES else 0), (name, notes)

        # every enabled button: nothing changes, no save is attempted
        clickable = [w for w in widgets if w.kind == "button" and w.enabled and w.stem not in NOT_CLICKED]
        seen: set[str] = set()
        for w in clickable:
            group = w.stem.rsplit("_", 2)[0] if w.stem.startswith("itd_open_") else w.stem
            if group in seen:
                continue
            seen.add(group)
            again = _open(world, mode, "viewer", page, tab_key, tab, monkeypatch)
            next(b for b in again.button if b.key == w.element.key).click().run()
            assert_clean(again)
            shown = " ".join(str(e.value) for e in again.error)
            assert not any(s in shown for s in NOT_SAVED), (name, w.stem, shown)
            assert _plan_json(again) == plan_before, (name, w.stem)
        assert world.stored() == before, name

        # the lead: the same controls, enabled; its tables are editors with rows to add (where a viewer's
        # had none); the workbook import is offered; no note
        lead = _open(world, mode, "lead", page, tab_key, tab, monkeypatch)
        lead_widgets = {w.stem: w for w in _widgets(lead)}
        # (a view control may be disabled by its own logic, as w_large is for anyone but an it_vendor)
        # (undo / redo: disabled for anyone with nothing to undo yet)
        for stem in {s for s in disabled if not _view_control(s)} - {"w_large", "undo_edit", "redo_edit"}:
            assert stem in lead_widgets and lead_widgets[stem].enabled, f"{name}: {stem} not enabled for the lead"
        for w in lead_widgets.values():
            if w.kind == "data_editor" and w.stem.startswith("editor:"):
                assert w.enabled and w.stem.split(":")[1] in lead.session_state["_editors"], (name, w.stem)
        if page == "export":
            assert any(w.kind == "file_uploader" for w in lead_widgets.values()), "the lead may import a workbook"
            assert not any(w.kind == "file_uploader" for w in widgets), "a viewer may not"
        assert not [e for e in lead.main.info if str(e.value) == label("ro.note")], name
    assert world.stored() == before
