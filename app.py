"""共創型 consortium planner — the Streamlit app's frame (``make run``).

``streamlit run app.py -- --plan PLAN.json`` opens the app on that plan; without ``--plan`` it starts on
the bundled sample.  The frame (sidebar: rule pack, language, plan files; headline metrics) surrounds
every page in ``app_pages/``.  The app only calls ``planner.evaluate`` and renders: see ``ui/state.py``
for the session-state contract shared by all pages.
"""

from __future__ import annotations

import os
import sys
import time

_T0 = time.perf_counter()  # KYOSO_TIMINGS=1: this run's script time goes to stderr (bench/browser.py reads it)

import streamlit as st  # noqa: E402

from ui import editors, frame, live, state, store_bridge  # noqa: E402
from ui.i18n import bind_lang  # noqa: E402

# an emoji icon is drawn by the browser itself: a :material/…: page icon is fetched from fonts.gstatic.com
st.set_page_config(page_title="共創型 計画", page_icon="🤝", layout="wide")

frame.guard(lambda: state.init(sys.argv[1:]))
frame.guard(store_bridge.open_from_query_params)  # ?plan=…&token=… (issue 6); may st.stop() in shared mode
bind_lang()
frame.guard(editors.process_pending_edits)
page = st.navigation(frame.pages())
# live updates (issue 16) in a slot that is always the page's first: the fragment that looks every second must
# keep one place in the page whatever appears above the rest (messages, a conflict), or a tick timed for the
# old place can land in a page that has changed under it — Streamlit's frontend then fails the whole page
# ("Cannot set a node at a delta path", a blank screen; seen in Chromium after 全ての行に可変範囲を設定)
_LIVE_SLOT = st.container()
# the headline before the sidebar: the sidebar is its own container (where it appears does not depend on
# the order), and the figures an edit changes reach the browser a sidebar's build earlier
frame.guard(frame.render_headline)
_T_HEAD = time.perf_counter()  # the headline figures are sent by now
frame.guard(frame.render_sidebar)
frame.guard(store_bridge.render_status)  # autosave status, conflicts with reload / re-apply
with _LIVE_SLOT:
    frame.guard(live.render)  # others' saves appear (issue 16): a fragment that looks every second
st.divider()
try:
    page.run()
except Exception as exc:  # a page's unexpected error becomes a friendly message, never a traceback
    frame.unexpected(exc)
if os.environ.get("KYOSO_TIMINGS"):
    sys.stderr.write(f"kyoso-timing page={page.url_path or 'consortium'} ms={(time.perf_counter() - _T0) * 1000:.3f} "
                     f"head_ms={(_T_HEAD - _T0) * 1000:.3f}\n")
    sys.stderr.flush()
