"""Run the real app (``app.py``) with the store bridge wired in as docs/store.md "App wiring" says.

``python -m tests.store.wired_app --server.port N …`` = ``streamlit run app.py …`` plus the wiring, applied
to the already imported ``ui`` modules that app.py then uses.  Each piece is added only while the app does
not have it yet, so once the lead wires app.py / ui/state.py / ui/frame.py this adds nothing and the browser
test exercises the app exactly as shipped.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def wire() -> None:
    from ui import frame, i18n, state
    from ui import store_bridge as bridge

    app_src = (ROOT / "app.py").read_text(encoding="utf-8")
    if "store_bridge" not in state.set_plan.__code__.co_names:
        set_plan = state.set_plan

        def wired_set_plan(plan: Any) -> None:
            set_plan(plan)
            bridge.on_plan_accepted(plan, None)

        state.set_plan = wired_set_plan
    if "store_bridge" not in state.replace_plan.__code__.co_names:
        replace_plan = state.replace_plan

        def wired_replace_plan(plan: Any, source: str | None = None) -> None:
            replace_plan(plan, source)
            bridge.on_plan_replaced(plan, source)

        state.replace_plan = wired_replace_plan
    if "open_from_query_params" not in app_src:
        init = state.init

        def wired_init(argv: Any) -> None:
            init(argv)
            bridge.open_from_query_params()

        state.init = wired_init
    if "render_status" not in app_src:
        headline = frame.render_headline

        def wired_headline() -> None:
            headline()
            bridge.render_status()

        frame.render_headline = wired_headline
    if not any(p[0] == "plans.py" for p in frame.PAGES):
        frame.PAGES = (*frame.PAGES, ("plans.py", "nav.plans", "plans", ":material/folder_open:", True))
    i18n._T.setdefault("nav.plans", ("計画の管理", "Plans"))


def main() -> None:
    sys.path.insert(0, str(ROOT))
    wire()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
