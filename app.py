"""共創型 consortium planner — the Streamlit app's frame (``make run``).

``streamlit run app.py -- --plan PLAN.json`` opens the app on that plan; without ``--plan`` it starts on
the bundled sample.  The frame (sidebar: rule pack, language, plan files; headline metrics) surrounds
every page in ``app_pages/``.  The app only calls ``planner.evaluate`` and renders: see ``ui/state.py``
for the session-state contract shared by all pages.
"""

from __future__ import annotations

import sys

import streamlit as st

from ui import editors, frame, state, store_bridge
from ui.i18n import bind_lang

# an emoji icon is drawn by the browser itself: a :material/…: page icon is fetched from fonts.gstatic.com
st.set_page_config(page_title="共創型 計画", page_icon="🤝", layout="wide")

frame.guard(lambda: state.init(sys.argv[1:]))
frame.guard(store_bridge.open_from_query_params)  # ?plan=…&token=… (issue 6); may st.stop() in shared mode
bind_lang()
frame.guard(editors.process_pending_edits)
page = st.navigation(frame.pages())
frame.guard(frame.render_sidebar)
frame.guard(frame.render_headline)
frame.guard(store_bridge.render_status)  # autosave status, conflicts with reload / re-apply
st.divider()
try:
    page.run()
except Exception as exc:  # a page's unexpected error becomes a friendly message, never a traceback
    frame.unexpected(exc)
