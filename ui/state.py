"""The app's session state: the canonical plan, the language and the cached engine result.

Contract for every page (``app_pages/*.py``, including ``export.py`` and ``scenarios.py``):

- ``st.session_state["plan"]`` holds the canonical plan, a validated :class:`schemas.Plan`.  Read it
  with :func:`get_plan`.  Never mutate it in place.  Change it with

  * :func:`apply_plan_dict` ``(d) -> bool`` — ``d`` is a JSON-ready plan dict (e.g.
    ``copy.deepcopy(plan_dict())`` with your edits).  It is validated with ``schemas.load_plan(dict)``;
    on :class:`~schemas.PlanLoadError` the problems (with their JSON paths) are shown inline where
    you call it, the last valid plan is kept, and ``False`` is returned;
  * :func:`set_plan` ``(plan)`` — an already validated ``Plan`` that edits the current one;
  * :func:`replace_plan` ``(plan, source)`` — a different plan altogether (loaded, uploaded, a scenario
    opened): the form widgets and table editors start afresh from it;
  * :func:`revise_plan` ``(plan, note)`` — new content for the *open* plan that did not come through the
    widgets (the 経費内訳 workbook import, undo/redo): widgets start afresh as with ``replace_plan``, but
    the store keeps it as a new version of the open stored plan (``note`` in its history), like any edit.

- Undo/redo: :func:`set_plan` and :func:`revise_plan` keep the plan before each change on a bounded
  stack (:data:`UNDO_LIMIT`); :func:`undo` / :func:`redo` bring a snapshot back through
  :func:`revise_plan`, so each is a normal new version in the store (history stays append-only and the
  role check applies).  :func:`replace_plan` (another plan) empties both stacks.  An edit that removed rows
  (members, tools, integrations, meetings, cost lines) leaves :func:`pop_deleted_rows` for the frame.

- ``st.session_state["lang"]`` is ``"ja"`` (default) or ``"en"``; use ``ui.i18n.t`` for labels.
- :func:`current_result` is ``planner.evaluate(get_plan())``, cached by the SHA-256 of the plan's JSON,
  so a rerun without a change does not evaluate again.  Treat the result as read-only.
- :func:`plan_dict` is the plan as a JSON-ready dict (cached with the hash); read-only, copy before edits.
- ``app.py`` adds ``app_pages/export.py`` and ``app_pages/scenarios.py`` to the navigation when those
  files exist; each page file just renders at import (``st.Page`` runs it), and ``app.py`` turns any
  unexpected exception into a friendly message.

The app contains no rule logic: every figure comes from the :class:`planner.result.Result` or from
``planner.views``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

import planner
from planner import load_plan
from planner.result import Result
from schemas import Plan, PlanLoadError, Problem
from ui.fmt import md_escape

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DEFAULT_SAMPLE = EXAMPLES / "model-case-2.json"

#: Upload limit enforced in code (``server.maxUploadSize`` in .streamlit/config.toml is the server's).
UPLOAD_LIMIT_BYTES = 16 * 1024 * 1024

_MEMO = "_plan_memo"
_GEN = "_plan_gen"
_ERRORS = "_plan_errors"
_NOTICES = "_notices"
_UNDO = "_undo_stack"
_REDO = "_redo_stack"
_DELETED = "_deleted_rows"
EDITORS = "_editors"

#: How many earlier plans of this session undo can bring back.
UNDO_LIMIT = 50
#: The plan's lists whose shrinking counts as "rows deleted" (the deletion notice with its undo).
ROW_LISTS = ("members", "tools", "integrations", "meetings", "costs")


# -- start-up ----------------------------------------------------------------------------------------


def plan_arg(argv: Sequence[str]) -> str | None:
    """``--plan PATH`` from the script arguments (``streamlit run app.py -- --plan PATH``)."""
    if "--plan" not in argv and not any(a.startswith("--plan=") for a in argv):
        return None
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--plan")
    args, _ = parser.parse_known_args(list(argv))
    return str(args.plan) if args.plan else None


def _resolve(path: str) -> Path:
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    return ROOT / p


def init(argv: Sequence[str]) -> None:
    """On a session's first run: language, then the ``--plan`` file or the bundled sample."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = "ja"
    if "plan" in st.session_state:
        return
    arg = plan_arg(argv)
    if arg is not None:
        try:
            replace_plan(load_checked(_resolve(arg), name=arg), Path(arg).name)
            return
        except PlanLoadError as exc:
            notice("error", md_escape(exc.message(lang())))
    replace_plan(load_plan(DEFAULT_SAMPLE), DEFAULT_SAMPLE.name)


@cache
def sample_files() -> tuple[Path, ...]:
    return tuple(sorted(EXAMPLES.glob("*.json")))


@cache
def plan_pack_ids() -> tuple[str, ...]:
    """The rule packs a kyoso-plan/1 plan can name: the 共創型 (``engine = "kyoso"``) packs that load."""
    out = []
    for pid in planner.available_pack_ids():
        try:
            pack = planner.get_pack(pid)
        except planner.PackError:
            continue
        if pack.header.engine == "kyoso":
            out.append(pid)
    return tuple(out)


def load_checked(source: Any, *, name: str | None = None) -> Plan:
    """``schemas.load_plan`` plus one check the app needs: ``program`` names a 共創型 rule pack.

    (The loader accepts any pack id; a pack of another engine, e.g. ``itdonyu-2025``, cannot evaluate a
    kyoso-plan/1 file, so it is refused here with the same kind of message.)
    """
    plan = load_plan(source, name=name)
    ids = plan_pack_ids()
    if plan.program not in ids:
        raise PlanLoadError(
            [
                Problem(
                    "$.program",
                    f"ルールパック {plan.program!r} は共創型の計画には使えません(候補: {', '.join(ids)})",
                    f"the rule pack {plan.program!r} cannot evaluate a 共創型 plan (use one of: {', '.join(ids)})",
                )
            ],
            name or (str(source) if isinstance(source, str | Path) else "<plan>"),
        )
    return plan


def default_program() -> str:
    ids = plan_pack_ids()
    return ids[-1] if ids else "kyoso-r4"


def empty_plan(name: str, program: str | None = None) -> Plan:
    return load_plan(
        {"format": "kyoso-plan/1", "program": program or default_program(), "consortium": {"name": name}}
    )


# -- the plan ------------------------------------------------------------------------------------------


def lang() -> str:
    from ui.i18n import lang as _lang

    return _lang()


def get_plan() -> Plan:
    plan = st.session_state.get("plan")
    if not isinstance(plan, Plan):
        plan = load_plan(DEFAULT_SAMPLE)
        st.session_state["plan"] = plan
    return plan


def generation() -> int:
    """Bumped when the plan is replaced wholesale; form widget keys include it."""
    value = st.session_state.get(_GEN)
    if not isinstance(value, int):
        # a random start per session: a browser that reconnects to another replica (a new session, issue 16)
        # sends its old widget values again, and they must not land in the new session's widgets
        value = st.session_state[_GEN] = secrets.randbelow(1 << 30)
    return value


def widget_key(name: str) -> str:
    """A form widget's key: new when the plan is replaced or the language switches (labels change)."""
    return f"{name}@{generation()}@{lang()}"


def set_plan(plan: Plan) -> None:
    """Make ``plan`` (validated) the canonical plan, keeping editors and widgets; autosave it (the two under
    the session's lock, so a live-update tick sees the edit either not yet made or saved)."""
    from ui import store_bridge

    with store_bridge.session_lock():
        _remember(plan)
        st.session_state["plan"] = plan
        store_bridge.on_plan_accepted(plan, None)


def _fresh_widgets(plan: Plan) -> None:
    st.session_state["plan"] = plan
    st.session_state[_GEN] = generation() + 1
    st.session_state[EDITORS] = {}
    st.session_state[_ERRORS] = {}


def replace_plan(plan: Plan, source: str | None = None) -> None:
    """A new plan altogether: widgets and editors start afresh from it (and undo starts afresh too)."""
    _fresh_widgets(plan)
    st.session_state[_UNDO] = []
    st.session_state[_REDO] = []
    st.session_state.pop(_DELETED, None)
    if source:
        st.session_state["plan_source"] = source
    from ui import store_bridge

    store_bridge.on_plan_replaced(plan, source)


def revise_plan(plan: Plan, note: str | None = None, *, _record: bool = True) -> None:
    """New content for the open plan from outside the widgets (workbook import, undo, redo).

    The widgets and editors start afresh from it (as with :func:`replace_plan`), but it is an edit of the
    open plan: the store saves it as a new version of the open stored plan, through the same save (and
    role check) as any edit, with ``note`` in the history.  The URL and the share links stay.
    """
    if _record:
        _remember(plan)
    _fresh_widgets(plan)
    from ui import store_bridge

    store_bridge.on_plan_accepted(plan, note)


# -- undo / redo ------------------------------------------------------------------------------------------


def _stack(name: str) -> list[Plan]:
    value = st.session_state.get(name)
    if not isinstance(value, list):
        value = []
        st.session_state[name] = value
    return value


def deleted_rows(before: Plan, after: Plan) -> int:
    """How many rows of :data:`ROW_LISTS` the change from ``before`` to ``after`` removed (net)."""
    return sum(max(0, len(getattr(before, name)) - len(getattr(after, name))) for name in ROW_LISTS)


def _remember(plan: Plan) -> None:
    """Before ``plan`` becomes the plan: keep the current one for undo, drop redo, note deleted rows."""
    before = st.session_state.get("plan")
    if not isinstance(before, Plan) or before is plan or before == plan:
        return
    undo_stack = _stack(_UNDO)
    undo_stack.append(before)
    del undo_stack[:-UNDO_LIMIT]
    st.session_state[_REDO] = []
    removed = deleted_rows(before, plan)
    if removed:
        st.session_state[_DELETED] = removed
    else:
        st.session_state.pop(_DELETED, None)


def can_undo() -> bool:
    return bool(st.session_state.get(_UNDO))


def can_redo() -> bool:
    return bool(st.session_state.get(_REDO))


UNDO_NOTE = "元に戻す / undo"
REDO_NOTE = "やり直す / redo"


def undo() -> bool:
    """Bring back the plan before the last change of this session (saved as a new version)."""
    undo_stack = _stack(_UNDO)
    if not undo_stack:
        return False
    previous = undo_stack.pop()
    _stack(_REDO).append(get_plan())
    st.session_state.pop(_DELETED, None)
    revise_plan(previous, UNDO_NOTE, _record=False)
    return True


def redo() -> bool:
    """Re-do the change the last undo took back (saved as a new version)."""
    redo_stack = _stack(_REDO)
    if not redo_stack:
        return False
    following = redo_stack.pop()
    undo_stack = _stack(_UNDO)
    undo_stack.append(get_plan())
    del undo_stack[:-UNDO_LIMIT]
    st.session_state.pop(_DELETED, None)
    revise_plan(following, REDO_NOTE, _record=False)
    return True


def pop_deleted_rows() -> int:
    """The number of rows the last edit deleted (once; 0 when it deleted none)."""
    value = st.session_state.pop(_DELETED, 0)
    return int(value) if isinstance(value, int) else 0


def _memo() -> dict[str, Any]:
    plan = get_plan()
    memo = st.session_state.get(_MEMO)
    if not memo or memo.get("plan") is not plan:
        d = plan.to_json_dict()
        text = json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        memo = {"plan": plan, "dict": d, "hash": hashlib.sha256(text.encode("utf-8")).hexdigest(), "result": None}
        st.session_state[_MEMO] = memo
    return memo


def memo_get(name: str, factory: Any) -> Any:
    """A value derived from the current plan, computed once per plan (``factory()``) and cached with it."""
    memo = _memo()
    extra: dict[tuple[str, str], Any] = memo.setdefault("derived", {})
    key = (name, lang())
    if key not in extra:
        extra[key] = factory()
    return extra[key]


def plan_hash() -> str:
    return str(_memo()["hash"])


def plan_dict() -> dict[str, Any]:
    """The canonical plan as a JSON-ready dict (shared, read-only: copy before editing)."""
    d: dict[str, Any] = _memo()["dict"]
    return d


def json_bytes(d: dict[str, Any]) -> bytes:
    """A plan dict as the plan file's bytes (UTF-8, indented)."""
    return (json.dumps(d, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def plan_json_bytes() -> bytes:
    return json_bytes(plan_dict())


@st.cache_resource(max_entries=64, show_spinner=False)
def _evaluate_cached(digest: str, _plan: Plan) -> Result:
    return planner.evaluate(_plan)


def current_result() -> Result:
    """``planner.evaluate`` of the canonical plan, cached by the hash of its JSON."""
    memo = _memo()
    if memo["result"] is None:
        memo["result"] = _evaluate_cached(memo["hash"], memo["plan"])
    result: Result = memo["result"]
    return result


def current_pack() -> Any:
    return planner.get_pack(get_plan().program)


# -- validated changes -----------------------------------------------------------------------------------


def _describe_path(path: str, d: dict[str, Any]) -> str:
    """``$.costs[3].hours`` → ``$.costs[3].hours (c4)`` so the user finds the row."""
    if not path.startswith("$."):
        return path
    head = path[2:].split(".", 1)[0]
    if "[" not in head:
        return path
    name, _, rest = head.partition("[")
    try:
        idx = int(rest.rstrip("]"))
        item = d.get(name, [])[idx]
    except (ValueError, IndexError, TypeError, AttributeError):
        return path
    label = item.get("id") if isinstance(item, dict) else None
    if label is None and isinstance(item, dict) and "step" in item:
        label = f"STEP{item['step']}"
    return f"{path} ({label})" if label is not None else path


def problems_text(exc: PlanLoadError, d: dict[str, Any] | None = None) -> str:
    lg = lang()
    lines = []
    for p in exc.problems:
        where = _describe_path(p.path, d) if d is not None else p.path
        lines.append(f"- {md_escape(where)}: {md_escape(p.ja if lg == 'ja' else p.en)}")
    if exc.hidden:
        lines.append(f"- …ほか {exc.hidden} 件" if lg == "ja" else f"- …and {exc.hidden} more")
    return "\n".join(lines)


def _rejected_header() -> str:
    from ui.i18n import t

    return t("err.rejected")


def apply_plan_dict(d: dict[str, Any], *, where: str = "plan", show: bool = True) -> bool:
    """Validate ``d`` and make it the plan; on error show the problems and keep the last valid plan.

    ``where`` names the form that made the change; its last error is kept in
    ``st.session_state["_plan_errors"][where]`` until it succeeds (see :func:`show_error`).
    """
    errors: dict[str, str] = st.session_state.setdefault(_ERRORS, {})
    try:
        plan = load_checked(d)
    except PlanLoadError as exc:
        message = _rejected_header() + "\n\n" + problems_text(exc, d)
        errors[where] = message
        if show:
            st.error(message)
        return False
    errors.pop(where, None)
    set_plan(plan)
    return True


def error_for(where: str) -> str | None:
    value = st.session_state.get(_ERRORS, {}).get(where)
    return str(value) if value else None


def set_error(where: str, message: str) -> None:
    st.session_state.setdefault(_ERRORS, {})[where] = message


def clear_error(where: str) -> None:
    st.session_state.get(_ERRORS, {}).pop(where, None)


def show_error(where: str) -> None:
    message = error_for(where)
    if message:
        st.error(message)


def notice(kind: str, text: str) -> None:
    """A message shown once on the next render of the frame (``kind``: success, error, info)."""
    st.session_state.setdefault(_NOTICES, []).append((kind, text))


def pop_notices() -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = st.session_state.get(_NOTICES, [])
    st.session_state[_NOTICES] = []
    return items
