"""Table editors (``st.data_editor``) bound to lists of the canonical plan, without the round-trip pitfall.

How it works:

- An editor shows rows built from the canonical plan (``ui.state.plan_dict()``).  Its widget key is
  ``ed:<name>:<n>``; ``st.session_state["_editors"][name]`` records that key, a signature of the rows,
  the rows' positions in the plan list and the columns' kinds.
- At the start of every run (``app.py`` → :func:`process_pending_edits`) each registered editor's
  edit state (``edited_rows``, ``added_rows``, ``deleted_rows``) is applied to a copy of the plan dict
  and validated with ``ui.state.apply_plan_dict``.  Valid: the plan changes and the registry entry is
  dropped, so the next render uses a fresh key and rows from the new plan — an edit is never applied
  twice.  Invalid: the plan is kept, the edit state stays in the editor (nothing typed is lost; a new
  row can be completed cell by cell) and the loader's message, with its JSON path, is shown above it.
- Only the cells a user changed are written back, so everything else in the plan file (keys the
  table does not show, ``extra``) is kept exactly.  Renaming an id renames its references.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd
import streamlit as st

from ui import state

Kind = str  # text | id | int | yen | hours | select | multi | bool | reqbool | date | ro_text | ro_yen | ro_int

EDITABLE_KINDS = {"text", "id", "int", "yen", "hours", "select", "multi", "bool", "reqbool", "date"}


@dataclass(frozen=True)
class Col:
    name: str
    kind: Kind
    label: str
    options: Sequence[Any] = ()
    fmt: Callable[[Any], str] | None = None
    help: str | None = None
    width: str | None = None
    validate: str | None = None  # regex the browser checks while typing (the loader decides)
    pinned: bool = False


ROLE_PREFIX = {"sme_user": "u", "it_vendor": "v", "collaborator": "x"}


# -- cells ---------------------------------------------------------------------------------------------


def _to_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _cell(obj: Mapping[str, Any], col: Col) -> Any:
    value = obj.get(col.name)
    if col.kind in ("bool", "reqbool"):
        return bool(value)
    if col.kind == "multi":
        return list(value) if isinstance(value, list) else []
    if col.kind == "date":
        return _to_date(value)
    if col.kind == "hours":
        return None if value is None else float(str(value))
    return value


_DTYPES = {
    "text": "object",
    "id": "object",
    "select": "object",
    "ro_text": "object",
    "int": "Int64",
    "yen": "Int64",
    "ro_yen": "Int64",
    "ro_int": "Int64",
    "hours": "Float64",
    "bool": "bool",
    "reqbool": "bool",
}


def _frame(cols: Sequence[Col], rows: list[dict[str, Any]]) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for c in cols:
        values = [r.get(c.name) for r in rows]
        dtype = _DTYPES.get(c.kind, "object")
        if c.kind == "select" and c.options and all(isinstance(o, int) for o in c.options):
            dtype = "Int64"
        data[c.name] = pd.Series(values, dtype=dtype)
    # plain column labels: an arrow-backed label index makes every label lookup in the editor slow
    return pd.DataFrame(data, columns=pd.Index([c.name for c in cols], dtype=object))


def _column_config(c: Col) -> Any:
    cc = st.column_config
    disabled = c.kind.startswith("ro_")
    common: dict[str, Any] = {"label": c.label, "help": c.help, "pinned": c.pinned or None}
    if c.width:
        common["width"] = c.width
    if c.kind in ("text", "id", "ro_text"):
        return cc.TextColumn(**common, disabled=disabled or None, validate=c.validate)
    if c.kind in ("yen", "ro_yen"):
        return cc.NumberColumn(**common, disabled=disabled or None, format="yen", min_value=0, step=1)
    if c.kind in ("int", "ro_int"):
        return cc.NumberColumn(**common, disabled=disabled or None, format="%d", min_value=0, step=1)
    if c.kind == "hours":
        return cc.NumberColumn(**common, format="%.2f", min_value=0, step=0.01)
    if c.kind == "select":
        return cc.SelectboxColumn(**common, options=list(c.options), format_func=c.fmt)
    if c.kind == "multi":
        return cc.MultiselectColumn(**common, options=list(c.options), format_func=c.fmt)
    if c.kind in ("bool", "reqbool"):
        return cc.CheckboxColumn(**common)
    if c.kind == "date":
        return cc.DateColumn(**common, format="YYYY-MM-DD")
    return cc.Column(**common, disabled=True)


# -- rendering -------------------------------------------------------------------------------------------


def _edit_kind(c: Col) -> str:
    """How an edited cell is written back: a select over whole numbers (STEP, 健保等級) writes an integer."""
    if c.kind == "select" and c.options and all(isinstance(o, int) for o in c.options):
        return "iselect"
    return c.kind


def _registry() -> dict[str, dict[str, Any]]:
    reg: dict[str, dict[str, Any]] = st.session_state.setdefault(state.EDITORS, {})
    return reg


def editor_key(name: str) -> str | None:
    """The widget key of the editor ``name`` as last rendered (tests assign edit state to it)."""
    entry = _registry().get(name)
    return str(entry["key"]) if entry else None


def table_editor(
    name: str,
    list_key: str,
    cols: Sequence[Col],
    *,
    positions: Sequence[int] | None = None,
    keyed_by: str | None = None,
    keyed_values: Sequence[Any] = (),
    readonly: Callable[[], Mapping[str, Sequence[Any]]] | None = None,
    defaults: Mapping[str, Any] | None = None,
    id_prefix: str | None = None,
    rename_kind: str | None = None,
    num_rows: Literal["fixed", "dynamic", "add", "delete"] = "dynamic",
    context: str = "",
    height: int | Literal["auto"] = "auto",
) -> None:
    """Render an editor over ``plan[list_key]`` (rows at ``positions``, or one row per ``keyed_values``).

    ``readonly`` returns the values of the read-only columns (from the engine's result), row by row.
    The rows, their signature and the table are built once per plan, language and ``context``.
    """
    edit_cols = [(c.name, _edit_kind(c)) for c in cols if c.kind in EDITABLE_KINDS]

    def build() -> tuple[list[Any], str, pd.DataFrame]:
        d = state.plan_dict()
        items: list[dict[str, Any]] = d.get(list_key) or []
        if keyed_by is not None:
            by_key = {item.get(keyed_by): item for item in items}
            objs = [by_key.get(k, {keyed_by: k}) for k in keyed_values]
            pos: list[Any] = list(keyed_values)
        else:
            pos = list(range(len(items))) if positions is None else list(positions)
            objs = [items[p] for p in pos]
        rows = [{c.name: _cell(o, c) for c in cols if c.kind in EDITABLE_KINDS} for o in objs]
        sig_src = json.dumps(
            [list_key, edit_cols, rows, pos, dict(defaults or {}), state.lang(), context, state.generation()],
            default=str,
            ensure_ascii=False,
        )
        sig = hashlib.sha1(sig_src.encode("utf-8")).hexdigest()
        if readonly is not None:
            values = readonly()
            for c in cols:
                if c.name in values:
                    for r, v in zip(rows, values[c.name], strict=False):
                        r[c.name] = v
        return pos, sig, _frame(cols, rows)

    pos, sig, frame = state.memo_get(f"editor:{name}:{context}:{[c.name for c in cols]}", build)
    reg = _registry()
    entry = reg.get(name)
    if entry is None or entry.get("sig") != sig:
        seq = int(st.session_state.get("_editor_seq", 0)) + 1
        st.session_state["_editor_seq"] = seq
        entry = {
            "key": f"ed:{name}:{seq}",
            "sig": sig,
            "list_key": list_key,
            "positions": pos,
            "keyed_by": keyed_by,
            "cols": edit_cols,
            "defaults": dict(defaults or {}),
            "id_prefix": id_prefix,
            "rename_kind": rename_kind,
        }
        reg[name] = entry
    st.data_editor(
        frame,
        key=entry["key"],
        column_config={c.name: _column_config(c) for c in cols},
        column_order=[c.name for c in cols],
        hide_index=True,
        num_rows=num_rows,
        width="stretch",
        height=height,
        placeholder="",
    )
    state.show_error(name)  # under the table, so a message never moves the cell being edited


# -- applying edit state -----------------------------------------------------------------------------------


def _has_changes(delta: Any) -> bool:
    if not isinstance(delta, Mapping):
        return False
    return bool(delta.get("edited_rows") or delta.get("added_rows") or delta.get("deleted_rows"))


def _int_like(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("¥", "").replace("円", "")
        if re.fullmatch(r"-?\d+", text):
            return int(text)
    return value


def _hours(value: Any) -> Any:
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        text = repr(value)
        return text if re.fullmatch(r"\d+(\.\d{1,2})?", text) else value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+", text):
            return int(text)
        return text
    return value


def _set(obj: dict[str, Any], kind: str, field: str, value: Any, *, was_present: bool) -> None:
    """Write one edited cell into the plan object (empty → the key is removed)."""
    if isinstance(value, float) and value != value:  # NaN from a cleared number cell
        value = None
    if value is None or (isinstance(value, str) and value == "" and kind != "text"):
        obj.pop(field, None)
        return
    if kind == "text":
        if value == "":
            obj.pop(field, None)
        else:
            obj[field] = str(value)
    elif kind in ("id", "select"):
        obj[field] = value.strip() if isinstance(value, str) else _int_like(value)
    elif kind in ("int", "yen", "iselect"):
        obj[field] = _int_like(value)
    elif kind == "hours":
        obj[field] = _hours(value)
    elif kind == "multi":
        items = value if isinstance(value, list) else [value]
        obj[field] = [str(v) for v in items]
    elif kind == "bool":
        if value is True or was_present:
            obj[field] = bool(value)
        else:
            obj.pop(field, None)
    elif kind == "reqbool":
        obj[field] = bool(value)
    elif kind == "date":
        dv = _to_date(value)
        obj[field] = dv.isoformat() if dv is not None else value
    else:
        obj[field] = value


_ID_NUM = re.compile(r"^(.*?)(\d+)$")


def _next_id(prefix: str, used: set[str]) -> str:
    top = 0
    for x in used:
        m = _ID_NUM.match(x)
        if m and m.group(1) == prefix:
            top = max(top, int(m.group(2)))
    n = top + 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def rename_refs(d: dict[str, Any], kind: str, old: str, new: str) -> None:
    """Point every reference to ``old`` at ``new`` (copies the lists it touches)."""

    def remap(list_key: str, fields: Sequence[str], list_fields: Sequence[str] = ()) -> None:
        items = d.get(list_key)
        if not items:
            return
        out = []
        for item in items:
            hit = any(item.get(f) == old for f in fields) or any(old in (item.get(f) or []) for f in list_fields)
            if hit:
                item = dict(item)
                for f in fields:
                    if item.get(f) == old:
                        item[f] = new
                for f in list_fields:
                    if old in (item.get(f) or []):
                        item[f] = [new if x == old else x for x in item[f]]
            out.append(item)
        d[list_key] = out

    if kind == "member":
        cons = d.get("consortium") or {}
        if cons.get("lead") == old:
            d["consortium"] = {**cons, "lead": new}
        remap("tools", ["vendor"], ["users"])
        remap("meetings", [], ["participants"])
        remap("costs", ["member", "payee"])
    elif kind == "tool":
        remap("integrations", ["from", "to"])
    elif kind == "integration":
        remap("costs", ["integration"])
    elif kind == "meeting":
        remap("costs", ["meeting"])


def apply_delta(d: dict[str, Any], entry: Mapping[str, Any], delta: Mapping[str, Any]) -> dict[str, Any]:
    """A new plan dict with the editor's edit state applied (``d`` is not changed)."""
    new = dict(d)
    list_key: str = entry["list_key"]
    kinds = dict(entry["cols"])
    items: list[dict[str, Any]] = list(d.get(list_key) or [])
    positions: list[Any] = list(entry["positions"])
    keyed_by: str | None = entry.get("keyed_by")
    renames: list[tuple[str, str]] = []

    def write(obj: dict[str, Any], changes: Mapping[str, Any], original: Mapping[str, Any]) -> None:
        for col, value in changes.items():
            kind = kinds.get(col)
            if kind is None:
                continue  # a read-only column
            _set(obj, kind, col, value, was_present=col in original)

    edited = delta.get("edited_rows") or {}
    for row_key, changes in edited.items():
        try:
            row = int(row_key)
        except (TypeError, ValueError):
            continue
        if not 0 <= row < len(positions) or not isinstance(changes, Mapping):
            continue
        if keyed_by is not None:
            k = positions[row]
            idx = next((i for i, it in enumerate(items) if it.get(keyed_by) == k), None)
            if idx is None:
                items.append({keyed_by: k})
                idx = len(items) - 1
        else:
            idx = positions[row]
            if not 0 <= idx < len(items):
                continue
        original = items[idx]
        obj = dict(original)
        write(obj, changes, original)
        if entry.get("rename_kind") and "id" in changes and original.get("id") and obj.get("id") != original["id"]:
            if isinstance(obj.get("id"), str) and obj["id"]:
                renames.append((str(original["id"]), obj["id"]))
        items[idx] = obj

    deleted: set[int] = set()
    for row_key in delta.get("deleted_rows") or []:
        try:
            row = int(row_key)
        except (TypeError, ValueError):
            continue
        if 0 <= row < len(positions) and keyed_by is None:
            deleted.add(positions[row])

    added: list[dict[str, Any]] = []
    if keyed_by is None:
        used = {str(it.get("id")) for it in items if it.get("id") is not None}
        for row_values in delta.get("added_rows") or []:
            if not isinstance(row_values, Mapping):
                continue
            obj = {k: v for k, v in (entry.get("defaults") or {}).items()}
            write(obj, row_values, {})
            for col, kind in kinds.items():
                if kind == "reqbool" and col not in obj:
                    obj[col] = False
            if "id" in kinds and not obj.get("id"):
                prefix = entry.get("id_prefix") or ROLE_PREFIX.get(str(obj.get("role")), "m")
                obj["id"] = _next_id(prefix, used)
            if obj.get("id") is not None:
                used.add(str(obj["id"]))
            added.append(obj)

    kept = [it for i, it in enumerate(items) if i not in deleted]
    if keyed_by is not None:
        kept = [it for it in kept if any(k in it for k in ("start", "end", "note"))]
        kept.sort(key=lambda it: (it.get(keyed_by) is None, it.get(keyed_by)))
    new[list_key] = kept + added
    kind = entry.get("rename_kind")
    if kind:
        for old, new_id in renames:
            rename_refs(new, kind, old, new_id)
    return new


def process_pending_edits() -> None:
    """Apply every registered editor's edit state to the plan (called first in every run)."""
    reg = _registry()
    for name, entry in list(reg.items()):
        delta = st.session_state.get(entry["key"])
        if not _has_changes(delta):
            state.clear_error(name)  # nothing pending (e.g. the rejected edit was undone)
            continue
        assert isinstance(delta, Mapping)
        new = apply_delta(state.plan_dict(), entry, delta)
        if state.apply_plan_dict(new, where=name, show=False):
            reg.pop(name, None)
