"""The plan diff, its one-line summary, and the three-way merge used by "re-apply my edit"."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.diff import KEYED, Change, MergeConflict, diff, merge, summarize
from tests.strategies import plan_dicts


def _line(plan: dict[str, Any], line_id: str) -> dict[str, Any]:
    return next(c for c in plan["costs"] if c["id"] == line_id)


def test_unit_price_change_is_named_by_line_and_field(plan: dict[str, Any]) -> None:
    new = copy.deepcopy(plan)
    _line(new, "c3")["unit_price_yen"] += 1000
    changes = diff(plan, new)
    assert changes == [Change(("costs", "c3", "unit_price_yen"), "change",
                              _line(plan, "c3")["unit_price_yen"], _line(new, "c3")["unit_price_yen"])]
    assert summarize(changes, "ja") == "経費 c3 の単価を変更"
    assert summarize(changes, "en") == "changed cost c3 unit_price_yen"


def test_add_remove_and_many_changes(plan: dict[str, Any]) -> None:
    new = copy.deepcopy(plan)
    new["costs"] = [c for c in new["costs"] if c["id"] != "c4"]
    added = {"id": "c99", "member": "u3", "step": 1, "category": "software", "unit_price_yen": 1, "quantity": 1}
    new["costs"].insert(2, added)
    new["consortium"]["name"] = "別名"
    changes = diff(plan, new)
    ops = {(c.path, c.op) for c in changes}
    assert (("costs", "c4"), "remove") in ops
    assert (("costs", "c99"), "add") in ops
    assert (("consortium", "name"), "change") in ops
    add = next(c for c in changes if c.op == "add")
    assert add.after == "c2" and add.new == added
    text = summarize(changes, "ja")
    assert text.startswith("コンソーシアム の名称を変更、経費 c4 を削除") and text.endswith("ほか 1 件")
    assert summarize([], "ja") == "変更なし"


def test_reorder_is_a_change(plan: dict[str, Any]) -> None:
    new = copy.deepcopy(plan)
    new["members"].reverse()
    changes = diff(plan, new)
    assert [c.op for c in changes] == ["reorder"]
    assert summarize(changes, "en") == "reordered members"


def test_change_round_trips_as_dict(plan: dict[str, Any]) -> None:
    new = copy.deepcopy(plan)
    new["members"][0]["employees"] = 49
    for ch in diff(plan, new):
        assert Change.from_dict(ch.to_dict()) == ch


def test_merge_applies_mine_on_theirs(plan: dict[str, Any]) -> None:
    theirs = copy.deepcopy(plan)
    _line(theirs, "c3")["quantity"] = 2
    mine = copy.deepcopy(plan)
    _line(mine, "c9")["hours"] = 10
    mine["costs"].append({"id": "c50", "member": "v1", "step": 2, "category": "software",
                          "unit_price_yen": 5, "quantity": 1})
    merged = merge(plan, theirs, mine)
    assert _line(merged, "c3")["quantity"] == 2
    assert _line(merged, "c9")["hours"] == 10
    assert merged["costs"][-1]["id"] == "c50"
    assert diff(theirs, merged) == diff(plan, mine)


def test_merge_refuses_the_same_field(plan: dict[str, Any]) -> None:
    theirs = copy.deepcopy(plan)
    _line(theirs, "c3")["quantity"] = 2
    mine = copy.deepcopy(plan)
    _line(mine, "c3")["quantity"] = 3
    with pytest.raises(MergeConflict) as info:
        merge(plan, theirs, mine)
    assert info.value.paths == [("costs", "c3", "quantity")]


def test_merge_identities(plan: dict[str, Any]) -> None:
    other = copy.deepcopy(plan)
    _line(other, "c1")["description"] = "x"
    other["members"].pop()
    assert merge(plan, plan, other) == other
    assert merge(plan, other, plan) == other



# -- properties on random plans (tests/strategies.py) -------------------------------------------------


def _edit(plan: dict[str, Any], picks: list[int], salt: str) -> dict[str, Any]:
    """Change the description of the picked cost lines (by position) and drop the last picked one."""
    out = copy.deepcopy(plan)
    costs = out.get("costs", [])
    chosen = sorted({i % len(costs) for i in picks}) if costs else []
    for i in chosen:
        costs[i]["description"] = f"{salt}{i}"
    if len(chosen) > 1:
        del costs[chosen[-1]]
    return out


def _at(doc: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = doc
    for step in path:
        if isinstance(node, list):
            key = KEYED[path[0]]
            node = next((x for x in node if str(x.get(key)) == step), None)
        elif isinstance(node, dict):
            node = node.get(step)
        if node is None:
            return None
    return node


@given(plan_dicts(), st.lists(st.integers(0, 1000), max_size=4), st.lists(st.integers(0, 1000), max_size=4))
def test_diff_and_merge_properties(plan: dict[str, Any], mine_picks: list[int], their_picks: list[int]) -> None:
    mine = _edit(plan, mine_picks, "m")
    theirs = _edit(plan, their_picks, "t")
    assert (diff(plan, mine) == []) == (plan == mine)
    assert merge(plan, plan, mine) == mine  # re-applying on an unchanged plan gives my plan
    mine_changes, their_changes = diff(plan, mine), diff(plan, theirs)
    try:
        merged = merge(plan, theirs, mine)
    except MergeConflict as exc:
        assert exc.paths and set(exc.paths) <= {c.path for c in mine_changes}
        assert all(any(p[:2] == t.path[:2] for t in their_changes) for p in exc.paths)
        return
    assert diff(theirs, merged) == mine_changes  # exactly my edit on top of theirs
    for change in their_changes:  # and theirs is kept
        assert _at(merged, change.path) == (None if change.op == "remove" else change.new)
