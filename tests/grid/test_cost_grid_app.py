"""AppTest of the cost grid as a user lives in it (issue "Living in the planner", items 1–5 and 7).

The edit state is given to the editors the way a browser sends it (see ``tests.app.helpers.edit``): the
grid's amount columns are text cells, so what was typed arrives as a string.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import assert_clean, by_label, edit, editor_key, errors, go, label, metric, start, yen
from tests.conftest import FIXTURES

EXPECTED = json.loads((FIXTURES / "spec" / "examples" / "model-case-2.expected.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.timeout(300)


def _meetings_expander(at: AppTest) -> Any:
    found = [e for e in at.expander if str(e.label).startswith(label("k.meetings"))]
    assert len(found) == 1, [e.label for e in at.expander]
    return found[0]


def _config(at: AppTest, name: str) -> dict[str, Any]:
    cfg: dict[str, Any] = json.loads(at.data_editor(key=editor_key(at, name)).proto.columns)
    return cfg


def _order(at: AppTest, name: str) -> list[str]:
    return list(at.data_editor(key=editor_key(at, name)).proto.column_order)


def _texts(elements: Any) -> list[str]:
    return [str(e.value) for e in elements]


# -- 1. the 会議 expander stays open while a row is typed -------------------------------------------------


def test_meetings_expander_stays_open_when_a_row_is_added_to_an_empty_plan() -> None:
    at = start()
    by_label(at.button, label("side.new")).click().run()
    go(at, "costs")
    before = _meetings_expander(at)
    assert before.proto.expanded
    edit(at, "meetings", added=[{"title": "定例会"}])
    assert [m.title for m in at.session_state["plan"].meetings] == ["定例会"]
    after = _meetings_expander(at)
    assert after.proto.expanded, "the expander collapsed while the user was typing its first row"
    assert after.label == before.label  # a changed label is a new expander (collapsed) in the browser


def test_meetings_expander_opened_by_the_user_survives_a_new_row() -> None:
    at = go(start(), "costs")
    # the user opens it (the browser sets the expander's state under its key: a form widget key of the page)
    gen = at.session_state["_plan_gen"] if "_plan_gen" in at.session_state else 0
    at.session_state[f"k.meetings_open@{gen}@ja"] = True
    at.run()
    assert _meetings_expander(at).proto.expanded
    label_before = _meetings_expander(at).label
    edit(at, "meetings", added=[{"title": "第2回定例"}])
    assert len(at.session_state["plan"].meetings) == 2
    assert _meetings_expander(at).proto.expanded
    assert _meetings_expander(at).label == label_before


# -- 2. a new, untouched row shows no error ----------------------------------------------------------------


def test_a_new_untouched_row_shows_a_hint_not_an_error() -> None:
    at = go(start(), "costs")
    plan_before = at.session_state["plan"]
    key = editor_key(at, "costs")
    edit(at, "costs", added=[{}])
    assert not errors(at), errors(at)
    assert at.session_state["plan"] is plan_before
    assert editor_key(at, "costs") == key  # the row stays in the grid
    hints = _texts(at.info)
    assert any("c16" in h for h in hints), hints
    # typing into it makes it a row that can be judged (still not applied: it lacks required columns)
    edit(at, "costs", added=[{"description": "新しい行"}])
    assert at.session_state["plan"] is plan_before
    assert not [m for m in errors(at) if "必須の項目がありません" in m], errors(at)


# -- 3. messages speak the column's label ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_messages_name_the_row_and_the_column_label_not_the_json_path(lang: str) -> None:
    at = start(lang=lang)
    go(at, "costs")
    edit(at, "costs", edited={5: {"unit_price_yen": None}})
    msgs = errors(at)
    assert msgs, "no message"
    text = "\n".join(msgs)
    assert "c6" in text and label("col.unit_price_yen", lang) in text, msgs
    assert "unit_price_yen" not in text and "$.costs" not in text, msgs
    # the JSON path stays available as a detail
    details = _texts(at.caption)
    assert any("$.costs[5].unit_price_yen" in d for d in details), details


def test_the_existing_invalid_edit_message_speaks_labels() -> None:
    at = go(start(), "costs")
    edit(at, "costs", edited={3: {"quantity": "0"}})
    text = "\n".join(errors(at))
    assert "c4" in text and label("col.quantity") in text, text
    assert "$.costs[3].quantity" not in text


# -- 4. numbers are refused visibly, never changed silently -------------------------------------------------


@pytest.mark.parametrize(
    ("column", "typed"),
    [("unit_price_yen", "abc"), ("unit_price_yen", "-5000"), ("quantity", "1.5"), ("quantity", "２x")],
)
def test_a_bad_number_is_refused_with_row_column_and_what_was_typed(column: str, typed: str) -> None:
    at = go(start(), "costs")
    plan_before = at.session_state["plan"]
    edit(at, "costs", edited={3: {column: typed}})
    assert at.session_state["plan"] is plan_before  # c4 keeps ¥600,000 × 1
    text = "\n".join(errors(at))
    assert "c4" in text and label(f"col.{column}") in text and typed in text, text
    assert yen(metric(at, "m.subsidy")) == EXPECTED["subsidy_yen"]


def test_amount_cells_pass_what_was_typed_to_the_app() -> None:
    """The grid must not drop a minus sign or round 1.5: the amount columns are not clamped number cells."""
    at = go(start(), "costs")
    cfg = _config(at, "costs")
    for name in ("unit_price_yen", "quantity", "hours", "months", "hourly_rate_yen"):
        type_config = cfg[name].get("type_config", {})
        assert type_config.get("type") == "text", (name, cfg[name])


def test_a_number_with_separators_is_accepted() -> None:
    at = go(start(), "costs")
    edit(at, "costs", edited={3: {"unit_price_yen": "300,000"}})
    assert at.session_state["plan"].costs[3].unit_price_yen == 300_000
    assert not errors(at)


# -- 5. monthly pricing is explicit -------------------------------------------------------------------------


def test_amount_column_is_the_engines_amount_and_first_among_the_numbers() -> None:
    at = go(start(), "costs")
    order = _order(at, "costs")
    assert "amount" in order
    for name in ("unit_price_yen", "quantity", "hours", "months", "payee"):
        assert order.index("amount") < order.index(name), order
    df = at.data_editor(key=editor_key(at, "costs")).value
    result = at.session_state["_plan_memo"]["result"]
    assert [int(v) for v in df["amount"]] == [ln.claimed_yen for ln in result.lines]
    assert _config(at, "costs")["amount"].get("disabled") is True


def test_monthly_line_with_months_but_quantity_one_warns_on_the_row() -> None:
    at = go(start(), "costs")
    assert not [w for w in _texts(at.warning) if "c1" in w]  # ¥50,000 × 12 for 12 months: fine
    edit(at, "costs", edited={0: {"quantity": "1"}})
    assert at.session_state["plan"].costs[0].quantity == 1
    warnings = [w for w in _texts(at.warning) if "c1" in w]
    assert warnings and any("数量" in w and "月数" in w for w in warnings), _texts(at.warning)
    df = at.data_editor(key=editor_key(at, "costs")).value
    assert df["check"][0], df["check"].tolist()


# -- 7. the industry picker finds the software industry first -----------------------------------------------


def test_typing_software_finds_the_software_industry_first() -> None:
    at = start()
    assert_clean(at)
    options = _config(at, "members")["industry"]["type_config"]["options"]
    hits = [o["value"] for o in options if "ソフトウェア業" in o["label"]]
    assert hits[0] == "software", [o["label"] for o in options]
