"""The bare grid of ``python -m bench --only browser``: the floor of "edit → figure" in Streamlit itself.

One ``st.metric`` (申請経費) above one ``st.data_editor`` shaped like the costs page's grid (the same first
columns, the price a right-aligned text column with thousands separators, rows addable), and nothing else: an
edit of c4's 単価 reruns this script (≈ 1 ms) and shows the new total.  Whatever "edit → figure" costs here is
Streamlit's grid commit, the websocket and the frontend's re-render, which no change to the app can remove.
"""

from __future__ import annotations

import os
import sys
import time

_T0 = time.perf_counter()

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

st.set_page_config(page_title="bare grid", layout="wide")
ROWS = int(os.environ.get("KYOSO_BARE_GRID_ROWS", "12"))
PRICE = 100_000


def _rows() -> pd.DataFrame:
    return pd.DataFrame({
        "id": [f"c{i}" for i in range(1, ROWS + 1)],
        "member": ["u1"] * ROWS,
        "step": [2] * ROWS,
        "category": ["software"] * ROWS,
        "amount": [PRICE] * ROWS,
        "unit_price_yen": [f"{PRICE:,}"] * ROWS,
        "quantity": ["1"] * ROWS,
    })


def _yen(text: object) -> int:
    try:
        return int(str(text).replace(",", "").strip() or 0)
    except ValueError:
        return 0


head = st.container()
edited = st.data_editor(
    _rows(), key="ed:costs:bare", num_rows="dynamic", hide_index=True, width="stretch",
    column_config={"unit_price_yen": st.column_config.TextColumn("単価", alignment="right"),
                   "quantity": st.column_config.TextColumn("数量", alignment="right"),
                   "amount": st.column_config.NumberColumn("金額", disabled=True, format="yen")},
)
total = sum(_yen(p) * _yen(q) for p, q in zip(edited["unit_price_yen"], edited["quantity"], strict=True))
head.metric("申請経費", f"¥{total:,}")
if os.environ.get("KYOSO_TIMINGS"):
    sys.stderr.write(f"kyoso-timing page=costs ms={(time.perf_counter() - _T0) * 1000:.3f} head_ms=0\n")
    sys.stderr.flush()
