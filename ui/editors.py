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
- Amount cells (``int``, ``yen``, ``hours``) are text cells: the grid passes on exactly what was typed, and
  the app refuses anything that is not such a number (letters, a minus sign, decimals in a whole-number
  column) with a message naming the row, the column's label and what was typed — never a silent change.
- Messages speak the columns' labels (単価, 数量 …); the JSON path is kept as a smaller detail.  A new row
  nobody has typed into yet gets a neutral hint (what to fill in), not an error.
- Only the cells a user changed are written back, so everything else in the plan file (keys the
  table does not show, ``extra``) is kept exactly.  Renaming an id renames its references.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd
import streamlit as st

from schemas import Plan, PlanLoadError
from ui import fmt, state
from ui.i18n import lang as _lang
from ui.i18n import t

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
    width: str | int | None = None
    validate: str | None = None  # regex the browser checks while typing (the loader decides)
    pinned: bool = False


ROLE_PREFIX = {"sme_user": "u", "it_vendor": "v", "collaborator": "x"}


# -- a read-only role --------------------------------------------------------------------------------------


def read_only() -> bool:
    """The session's role may change nothing (``viewer``, ``ui.store_bridge.current_role()``): every page
    shows the plan without edit controls (the store refuses a viewer's save anyway).  A ``member:<id>``
    link keeps its editors: which rows are its own is the store's check, row by row."""
    from ui import store_bridge

    return store_bridge.current_role() == "viewer"


def read_only_note() -> bool:
    """The one read-only note at the top of a page (``閲覧のみ`` / ``Read-only``); returns :func:`read_only`."""
    if not read_only():
        return False
    st.info(t("ro.note"), icon=":material/visibility:")
    return True


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
    if col.kind in NUMBER_KINDS:
        return _number_text(value)
    return value


#: Whole numbers and hours: shown and edited as text, so what is typed reaches the app unchanged.
NUMBER_KINDS = {"int", "yen", "hours"}


def _number_text(value: Any) -> str | None:
    """A plan number as the grid shows it: ``600,000``; hours as given (``7.5``)."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return str(value)


_DTYPES = {
    "text": "object",
    "id": "object",
    "select": "object",
    "ro_text": "object",
    "int": "object",
    "yen": "object",
    "ro_yen": "Int64",
    "ro_int": "Int64",
    "hours": "object",
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
    if c.kind in NUMBER_KINDS:  # text: a number cell would drop letters, a minus sign or decimals silently
        return cc.TextColumn(**common, alignment="right")
    if c.kind == "ro_yen":
        return cc.NumberColumn(**common, disabled=True, format="yen")
    if c.kind == "ro_int":
        return cc.NumberColumn(**common, disabled=True, format="%d")
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
    For a read-only role (:func:`read_only`) the table is shown disabled, without adding or deleting
    rows, and is not registered: no edit state of it is ever applied.
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
    if read_only():
        st.data_editor(
            frame,
            key=f"ro:{name}:{sig[:16]}",
            column_config={c.name: _column_config(c) for c in cols},
            column_order=[c.name for c in cols],
            hide_index=True,
            num_rows="fixed",
            disabled=True,
            width="stretch",
            height=height,
            placeholder="",
        )
        return
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
            "labels": {c.name: c.label for c in cols},
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
    # under the table, so a message never moves the cell being edited
    state.show_error(name)
    show_feedback(entry)


def show_feedback(entry: Mapping[str, Any]) -> None:
    """The editor's refused edit (errors, by row and column label) and hints for rows still being filled."""
    feedback = entry.get("feedback")
    if not feedback:
        return
    errors = feedback.get("errors") or []
    if errors:
        body = "\n".join(f"- {fmt.md_escape(where)}: {fmt.md_escape(text)}" for where, text, _path in errors)
        if feedback.get("hidden"):
            body += "\n- " + t("ed.more", n=feedback["hidden"])
        st.error(t("err.rejected") + "\n\n" + body)
        paths = [path for _where, _text, path in errors if path]
        if paths:
            st.caption(t("ed.detail") + " " + "、".join(f"`{p}`" for p in paths))
    for hint in feedback.get("hints") or []:
        st.info(fmt.md_escape(hint), icon=":material/edit_note:")


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


class Refused(ValueError):
    """A typed cell that is not a number of its column: ``reason`` is an ``ed.*`` message key."""

    def __init__(self, reason: str, typed: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.typed = typed


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_number(kind: str, value: Any) -> Any:
    """What was typed into an amount cell, as the plan's value (``None``: cleared), or :class:`Refused`.

    Accepted: digits with thousands separators, ``¥``/``円``, full-width digits; hours with up to two
    decimals.  Refused (never changed silently): anything else, a minus sign, decimals in a whole-number
    column.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    typed = str(value)
    if isinstance(value, bool):
        raise Refused("ed.not_number", typed)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = unicodedata.normalize("NFKC", typed).strip()
        text = re.sub(r"[,\s¥￥円_]", "", text).replace("\u2212", "-")
        if text == "":
            return None
    if not _NUMBER.fullmatch(text):
        raise Refused("ed.not_number", typed)
    if text.startswith("-") and text.strip("-0.") != "":
        raise Refused("ed.negative", typed)
    text = text.lstrip("+-")
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0")
    if kind == "hours":
        if len(decimals) > 2:
            raise Refused("ed.decimals2", typed)
        return int(whole or "0") if not decimals else f"{int(whole or '0')}.{decimals}"
    if decimals:
        raise Refused("ed.decimal", typed)
    return int(whole or "0")


def _set(obj: dict[str, Any], kind: str, field: str, value: Any, *, was_present: bool) -> None:
    """Write one edited cell into the plan object (empty → the key is removed); :class:`Refused` for a
    typed amount that is not a number of its column (the object is then unchanged)."""
    if kind in NUMBER_KINDS:
        number = parse_number(kind, value)
        if number is None:
            obj.pop(field, None)
        else:
            obj[field] = number
        return
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
    elif kind == "iselect":
        obj[field] = _int_like(value)
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


def apply_delta(
    d: dict[str, Any],
    entry: Mapping[str, Any],
    delta: Mapping[str, Any],
    *,
    refused: list[tuple[str, str, Refused]] | None = None,
    skip_added: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """A new plan dict with the editor's edit state applied (``d`` is not changed).

    A typed amount that is not a number of its column is left out (the plan keeps its value) and noted in
    ``refused`` as (row id, column, :class:`Refused`).  Added rows whose numbers are in ``skip_added`` are
    left out.
    """
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
            try:
                _set(obj, kind, col, value, was_present=col in original)
            except Refused as exc:
                if refused is None:
                    raise
                refused.append((_row_name(obj, keyed_by), col, exc))

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
        for n, row_values in enumerate(delta.get("added_rows") or []):
            if not isinstance(row_values, Mapping) or n in skip_added:
                continue
            obj = {k: v for k, v in (entry.get("defaults") or {}).items()}
            typed_id = row_values.get("id") if "id" in kinds else None
            if "id" in kinds and not (isinstance(typed_id, str) and typed_id.strip()):
                prefix = entry.get("id_prefix") or ROLE_PREFIX.get(str(row_values.get("role")), "m")
                obj["id"] = _next_id(prefix, used)  # first, so a refusal can name the row
            write(obj, {k: v for k, v in row_values.items() if not (k == "id" and not typed_id)}, {})
            for col, kind in kinds.items():
                if kind == "reqbool" and col not in obj:
                    obj[col] = False
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


def _row_name(obj: Mapping[str, Any], keyed_by: str | None) -> str:
    if obj.get("id") is not None:
        return str(obj["id"])
    if keyed_by == "step" and obj.get("step") is not None:
        return f"STEP{obj['step']}"
    if keyed_by is not None and obj.get(keyed_by) is not None:
        return str(obj[keyed_by])
    return t("err.row")


def _untouched(row_values: Any, kinds: Mapping[str, str]) -> bool:
    """A new row nobody has typed into (the grid sends ``{}``, or only empty cells and unticked boxes)."""
    if not isinstance(row_values, Mapping):
        return True
    for col, value in row_values.items():
        if col not in kinds:
            continue
        if value is None or value is False or value == "" or value == [] or (isinstance(value, float) and value != value):
            continue
        return False
    return True


_PATH = re.compile(r"^\$\.(?P<list>\w+)\[(?P<idx>\d+)\](?:\.(?P<field>\w+))?")


def speak_labels(text: str, labels: Mapping[str, str]) -> str:
    """A loader message with the plan's field names replaced by the columns' labels (「単価」)."""
    ja = _lang() == "ja"
    for name in sorted(labels, key=len, reverse=True):
        if "_" not in name and name not in _PLAIN_FIELDS:
            continue
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])",
                      f"「{labels[name]}」" if ja else f"“{labels[name]}”", text)
    return text


#: Field names without an underscore that loader messages use as words (others could be ordinary words).
_PLAIN_FIELDS = {"hours", "quantity", "months", "maintenance", "payee", "subcontract", "integration", "meeting",
                 "member", "step", "category", "participants", "title", "vendor", "users", "role", "industry",
                 "employees", "start", "end"}


def _judge(exc: PlanLoadError, new: Mapping[str, Any], entry: Mapping[str, Any], delta: Mapping[str, Any],
           n_kept: int) -> tuple[list[tuple[str, str, str]], dict[int, list[str]]]:
    """The loader's problems as (row · column label, message, JSON path) errors, and per new row the labels
    of the columns it still lacks (a row being filled is told what is missing, not scolded)."""
    labels: Mapping[str, str] = entry.get("labels") or {}
    kinds = dict(entry["cols"])
    added = list(delta.get("added_rows") or [])
    lg = _lang()
    errors: list[tuple[str, str, str]] = []
    missing: dict[int, list[str]] = {}
    items = new.get(entry["list_key"]) or []
    for p in exc.problems:
        text = p.ja if lg == "ja" else p.en
        m = _PATH.match(p.path)
        if m is None or m.group("list") != entry["list_key"]:
            errors.append((state._describe_path(p.path, dict(new)), text, p.path))
            continue
        idx = int(m.group("idx"))
        field = m.group("field")
        obj = items[idx] if 0 <= idx < len(items) and isinstance(items[idx], Mapping) else {}
        row = _row_name(obj, entry.get("keyed_by"))
        if entry.get("keyed_by") is None and idx >= n_kept and idx - n_kept < len(added):
            k = idx - n_kept
            if field is not None and (field not in obj or _untouched(added[k], kinds)):
                missing.setdefault(k, []).append(labels.get(field, field))
                continue
        where = f"{row} · {labels[field]}" if field in labels else (f"{row} · {field}" if field else row)
        errors.append((where, speak_labels(text, labels), p.path))
    return errors, missing


def _try(d: dict[str, Any]) -> Plan | PlanLoadError:
    try:
        return state.load_checked(d)
    except PlanLoadError as exc:
        return exc


def process_pending_edits() -> None:
    """Apply every registered editor's edit state to the plan (called first in every run)."""
    reg = _registry()
    for name, entry in list(reg.items()):
        delta = st.session_state.get(entry["key"])
        if not _has_changes(delta):
            state.clear_error(name)  # nothing pending (e.g. the rejected edit was undone)
            entry.pop("feedback", None)
            continue
        assert isinstance(delta, Mapping)
        if _process(entry, delta):
            state.clear_error(name)
            reg.pop(name, None)


def _process(entry: dict[str, Any], delta: Mapping[str, Any]) -> bool:
    """Apply one editor's edit state; False (with ``entry["feedback"]``) when it is kept pending."""
    d = state.plan_dict()
    kinds = dict(entry["cols"])
    refused: list[tuple[str, str, Refused]] = []
    new = apply_delta(d, entry, delta, refused=refused)
    labels: Mapping[str, str] = entry.get("labels") or {}
    if refused:
        errors = []
        for row, col, exc in refused:
            old = _old_value(d, entry, row, col)
            text = t(exc.reason, typed=exc.typed) + " " + (t("ed.kept", old=old) if old else t("ed.kept_none"))
            errors.append((f"{row} · {labels.get(col, col)}", text, ""))
        entry["feedback"] = {"errors": errors}
        return False
    outcome = _try(new)
    if isinstance(outcome, Plan):
        state.set_plan(outcome)
        return True
    added = list(delta.get("added_rows") or [])
    n_added = len([r for r in added if isinstance(r, Mapping)]) if entry.get("keyed_by") is None else 0
    n_kept = len(new.get(entry["list_key"]) or []) - n_added
    errors, missing = _judge(outcome, new, entry, delta, n_kept)
    blank = frozenset(k for k, r in enumerate(added) if _untouched(r, kinds))
    others = bool(delta.get("edited_rows") or delta.get("deleted_rows")) or len(blank) < len(added)
    if not errors and blank and others and len(missing) == len(blank) and set(missing) <= blank:
        # only empty new rows stand in the way: apply the rest (the empty rows go; nothing typed is lost)
        again = _try(apply_delta(d, entry, delta, skip_added=blank))
        if isinstance(again, Plan):
            state.set_plan(again)
            return True
    hints = []
    new_items = new.get(entry["list_key"]) or []
    for k, cols in sorted(missing.items()):
        obj = new_items[n_kept + k] if 0 <= n_kept + k < len(new_items) else {}
        row = _row_name(obj, entry.get("keyed_by"))
        key = "ed.new_row" if k in blank else "ed.row_missing"
        hints.append(t(key, row=row, cols="、".join(dict.fromkeys(cols)) if _lang() == "ja" else ", ".join(dict.fromkeys(cols))))
    entry["feedback"] = {"errors": errors, "hints": hints, "hidden": outcome.hidden if errors else 0}
    return False


def _old_value(d: Mapping[str, Any], entry: Mapping[str, Any], row: str, col: str) -> str:
    """The plan's value of ``col`` in the row named ``row`` (as the grid shows it), or ""."""
    for item in d.get(entry["list_key"]) or []:
        if isinstance(item, Mapping) and _row_name(item, entry.get("keyed_by")) == row:
            value = item.get(col)
            return "" if value is None else str(_number_text(value))
    return ""
