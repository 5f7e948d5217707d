"""Single-value form widgets bound to a field of the canonical plan.

Each widget starts from the plan's value; its change callback writes the new value into a copy of the
plan dict and validates it (``state.apply_plan_dict``).  An invalid value keeps the last valid plan,
stays in the widget (nothing typed is lost) and the loader's message is shown under it.  For a read-only
role (``ui.editors.read_only``: ``viewer``) every field is shown disabled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import streamlit as st

from ui import fmt, state
from ui.editors import read_only


def _set_path(d: dict[str, Any], path: Sequence[str], value: Any) -> dict[str, Any]:
    """A copy of ``d`` with ``path`` set to ``value`` (None or "" removes it; empty parents go too)."""
    new = dict(d)
    if len(path) == 1:
        if value is None or value == "":
            new.pop(path[0], None)
        else:
            new[path[0]] = value
        return new
    head = path[0]
    child = new.get(head)
    child = dict(child) if isinstance(child, dict) else {}
    child = _set_path(child, path[1:], value)
    if child:
        new[head] = child
    else:
        new.pop(head, None)
    return new


def _get_path(d: dict[str, Any], path: Sequence[str]) -> Any:
    node: Any = d
    for p in path:
        if not isinstance(node, dict):
            return None
        node = node.get(p)
    return node


def _apply(path: Sequence[str], key: str, convert: Callable[[Any], Any]) -> None:
    value = convert(st.session_state.get(key))
    new = _set_path(state.plan_dict(), path, value)
    state.apply_plan_dict(new, where=key, show=False)


def _disabled(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The widget's keyword arguments, disabled for a read-only role."""
    return {**kwargs, "disabled": bool(kwargs.get("disabled")) or read_only()}


def _fresh(key: str) -> None:
    """A widget shown afresh (after a page switch) starts from the plan: an old rejection no longer applies."""
    if key not in st.session_state:
        state.clear_error(key)


def text_field(label: str, path: Sequence[str], name: str, *, target: Any = st, **kwargs: Any) -> None:
    key = state.widget_key(name)
    _fresh(key)
    current = _get_path(state.plan_dict(), path)
    target.text_input(
        label,
        value="" if current is None else str(current),
        key=key,
        on_change=_apply,
        args=(tuple(path), key, lambda v: v if v else None),
        **_disabled(kwargs),
    )
    if (message := state.error_for(key)) is not None:
        target.error(message)


def select_field(
    label: str,
    path: Sequence[str],
    name: str,
    options: Sequence[Any],
    *,
    format_func: Callable[[Any], str] = str,
    target: Any = st,
    **kwargs: Any,
) -> None:
    key = state.widget_key(name)
    _fresh(key)
    current = _get_path(state.plan_dict(), path)
    opts = list(options)
    if current not in opts:
        opts.append(current)
    labels = {i: format_func(o) for i, o in enumerate(opts)}  # fixed now: format_func may run outside the script
    target.selectbox(
        label,
        opts,
        index=opts.index(current),
        format_func=lambda o: labels.get(opts.index(o), str(o)) if o in opts else str(o),
        key=key,
        on_change=_apply,
        args=(tuple(path), key, lambda v: v),
        **_disabled(kwargs),
    )
    if (message := state.error_for(key)) is not None:
        target.error(message)


def date_field(label: str, path: Sequence[str], name: str, *, target: Any = st, **kwargs: Any) -> None:
    """A date with its 令和 reading under it (forms write dates in 和暦)."""
    key = state.widget_key(name)
    _fresh(key)
    current = _get_path(state.plan_dict(), path)
    value = date.fromisoformat(current) if isinstance(current, str) else None
    target.date_input(
        label,
        value=value,
        key=key,
        on_change=_apply,
        args=(tuple(path), key, lambda v: v.isoformat() if isinstance(v, date) else None),
        format="YYYY-MM-DD",
        min_value=date(2019, 1, 1),
        max_value=date(2035, 12, 31),
        **_disabled(kwargs),
    )
    if value is not None:
        target.caption(fmt.wareki(value, state.lang()))
    if (message := state.error_for(key)) is not None:
        target.error(message)
