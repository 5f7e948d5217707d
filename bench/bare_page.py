"""The bare page of ``python -m bench --only browser``: one ``st.metric``, nothing else.

What any Streamlit page costs to show its first figure (server start-up of a session, the websocket, the
frontend's first render) — the baseline the app's first ¥ figure is compared with.  Logs its script time
like ``app.py`` does when ``KYOSO_TIMINGS`` is set.
"""

from __future__ import annotations

import os
import sys
import time

_T0 = time.perf_counter()

import streamlit as st  # noqa: E402

st.set_page_config(page_title="bare", layout="wide")
st.metric("補助金額", "¥44,000,000")
if os.environ.get("KYOSO_TIMINGS"):
    sys.stderr.write(f"kyoso-timing page=bare ms={(time.perf_counter() - _T0) * 1000:.3f} head_ms=0\n")
    sys.stderr.flush()
