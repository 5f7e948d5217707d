"""``python -m bench --only browser``: what a user feels, measured in Chromium (Playwright).

Three servers on their own 127.0.0.1 ports, started in one run: (a) ``bench/bare_page.py`` — one
``st.metric`` and nothing else, the baseline; (b) the app on the bundled sample; (c) the app on a
2,000-line plan (``bench.generate.generate_plan(2000)``).  Each is started with ``KYOSO_TIMINGS=1``, so
every script run writes its server-side time to the server's log (``app.py``: from the top of the script to
the end of the page, and to the end of the headline); the bench reads the log to split each latency into
the server's script time and the rest (websocket, the frontend's render).

Measured, round-robin between the servers so each comparison sees the same machine load:

- **first ¥ figure**: navigation start → the 補助金額 metric shows a ¥ value (``performance.now()`` in the
  page, taken in the animation frame after the DOM holds it), each load a new session;
- **edit → figure**: on the costs page, a cost line's 単価 is typed into the grid (as a user does);
  from the Enter that commits it to the new headline figure (engine-computed text) in the page: on the
  sample the subsidy (補助金額), on the 2,000-line plan the claimed total (申請経費) — there the cap binds
  and no single line moves the subsidy;
- **optimiser click → result**: scenarios page, optimiser tab, every line given a flex range, then the
  click on 最適化する → the result's "add as a scenario" button is in the page;
- **rerun per page**: the server-side script time (``KYOSO_TIMINGS``) of reruns of each page, triggered by
  the ``r`` hot key, against the bare page's rerun.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import statistics
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.timing import Stats, stats_of

ROOT = Path(__file__).resolve().parent.parent
BARE_PAGE = ROOT / "bench" / "bare_page.py"
BARE_GRID = ROOT / "bench" / "bare_grid.py"
SAMPLE = ROOT / "examples" / "model-case-2.json"

TARGETS_BROWSER = {
    "edit_sample_ms": 150.0,
    "edit_2000_ms": 250.0,
    "optimise_ms": 300.0,
    "first_figure_ratio": 1.3,
    "page_rerun_ms": 15.0,
}

PAGES = ("consortium", "tools", "costs", "checks", "subsidy", "scenarios", "export", "itdonyu", "plans")

_TIMING = re.compile(r"kyoso-timing page=(\S+) ms=([\d.]+) head_ms=([\d.]+)")

_WATCH = """
(args) => {
  const [kind, label, text] = args;
  window.__kyosoDone = null;
  const match = () => {
    if (kind === 'metric') {
      for (const m of document.querySelectorAll('[data-testid=stMetric]')) {
        const l = m.querySelector('[data-testid=stMetricLabel]');
        const v = m.querySelector('[data-testid=stMetricValue]');
        if (l && v && l.textContent.trim() === label
            && (text === null ? v.textContent.trim().startsWith('¥') : v.textContent.trim() === text)) return true;
      }
      return false;
    }
    for (const b of document.querySelectorAll('button')) { if (b.textContent.trim() === label) return true; }
    return false;
  };
  const done = () => { requestAnimationFrame(() => { window.__kyosoDone = performance.now(); }); };
  if (match()) { done(); return; }
  const obs = new MutationObserver(() => { if (match()) { obs.disconnect(); done(); } });
  obs.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
}
"""

#: run in every page before its scripts: the first ¥ of 補助金額 and the time of every Enter / click
_INIT = """
window.__kyosoKey = null; window.__kyosoClick = null;
document.addEventListener('keydown', (e) => { if (e.key === 'Enter') window.__kyosoKey = performance.now(); }, true);
document.addEventListener('mousedown', () => { window.__kyosoClick = performance.now(); }, true);
(""" + _WATCH.strip() + """)(['metric', '補助金額', null]);
"""


class Server:
    """One ``streamlit run`` with its log (the script times)."""

    def __init__(self, label: str, url: str, log: Path) -> None:
        self.label, self.url, self.log = label, url, log

    def offset(self) -> int:
        return self.log.stat().st_size

    def timings(self, since: int = 0) -> list[tuple[str, float, float]]:
        with self.log.open("rb") as f:
            f.seek(since)
            text = f.read().decode("utf-8", "replace")
        return [(m[1], float(m[2]), float(m[3])) for m in _TIMING.finditer(text)]


def _ms_stats(values_ms: list[float]) -> Stats:
    return stats_of([int(v * 1e6) for v in values_ms])


@contextlib.contextmanager
def servers(tmp: Path, big_lines: int, seed: int) -> Iterator[dict[str, Server]]:
    from tests.browser import streamlit_server

    big = tmp / f"plan-{big_lines}.json"
    big.write_text(json.dumps(_edit_plan(big_lines, seed)[0], ensure_ascii=False), encoding="utf-8")
    specs = {
        "bare": (["streamlit", "run", str(BARE_PAGE)], ()),
        "bare_grid": (["streamlit", "run", str(BARE_GRID)], ()),
        "sample": (["streamlit", "run", "app.py"], ("--plan", str(SAMPLE))),
        "big": (["streamlit", "run", "app.py"], ("--plan", str(big))),
    }
    with contextlib.ExitStack() as stack:
        out = {}
        for label, (module, args) in specs.items():
            data = tmp / f"data-{label}"
            data.mkdir()
            env = {"KYOSO_TIMINGS": "1", "KYOSO_DATA_DIR": str(data), "KYOSO_QUOTA_VERSIONS_PER_HOUR": "100000"}
            log = tmp / f"{label}.log"
            url = stack.enter_context(streamlit_server(module, log, env=env, script_args=list(args)))
            out[label] = Server(label, url, log)
        yield out


def _wait_done(page: Any, timeout_ms: int = 60_000) -> float:
    page.wait_for_function("() => window.__kyosoDone !== null", timeout=timeout_ms, polling=50)
    return float(page.evaluate("() => window.__kyosoDone"))


def first_figure(page: Any, server: Server) -> float:
    page.goto(server.url, wait_until="commit")
    page.wait_for_function("() => window.__kyosoDone !== null", timeout=60_000, polling=50)
    return float(page.evaluate("() => window.__kyosoDone"))


# -- edit a cost line in the grid ---------------------------------------------------------------------


def _edit_plan(lines: int | None, seed: int) -> tuple[dict[str, Any], str, str]:
    """The plan, the metric whose figure an edit of c4's 単価 changes, and that row's position."""
    if lines is None:
        d = json.loads(SAMPLE.read_text(encoding="utf-8"))
        return d, "補助金額", "subsidy_yen"
    from bench.generate import generate_plan

    plan = generate_plan(lines, seed=seed)
    c4 = next(c for c in plan["costs"] if c["id"] == "c4")
    if "unit_price_yen" not in c4:  # the edit types a 単価: make c4 a priced line (a small plan may draw labour)
        for k in ("hours", "hourly_rate_yen", "kenpo_grade", "months"):
            c4.pop(k, None)
        c4.update(category="software", unit_price_yen=100_000, quantity=1)
    return plan, "申請経費", "claimed_total_yen"


def _figure_after(d: dict[str, Any], price: int, attr: str) -> str:
    import planner
    from planner import load_plan
    from ui.fmt import yen

    d2 = copy.deepcopy(d)
    next(c for c in d2["costs"] if c["id"] == "c4")["unit_price_yen"] = price
    return yen(getattr(planner.evaluate(load_plan(d2)), attr))


def _open_costs(page: Any, server: Server, path: str = "costs") -> None:
    from tests.browser import settle

    page.goto(f"{server.url}/{path}")
    settle(page, 300)


def edit_once(page: Any, typed: int, shown_before: str, label: str, expected: str) -> float:
    from playwright.sync_api import expect

    from tests.browser import settle

    grid = page.locator("[class*='st-key-ed-costs-'] [data-testid=stDataFrameResizable]")
    expect(grid).to_be_visible()
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    selected = grid.locator("td[aria-selected=true]")
    page.mouse.click(box["x"] + 70, box["y"] + 35 * 4 + 17)
    expect(selected).to_have_text("c4")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(selected).to_have_attribute("aria-colindex", "6")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(v) => document.activeElement && ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName)"
        " && document.activeElement.value === v", arg=shown_before, timeout=10_000,
    )
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Backspace")
    page.keyboard.type(str(typed), delay=20)
    page.wait_for_function("(v) => document.activeElement && document.activeElement.value === v", arg=str(typed),
                           timeout=10_000)
    page.wait_for_timeout(300)
    page.evaluate(_WATCH, ["metric", label, expected])
    page.keyboard.press("Enter")
    done = _wait_done(page, 30_000)
    latency = done - float(page.evaluate("() => window.__kyosoKey"))
    settle(page, 300)
    return latency


# -- the optimiser ------------------------------------------------------------------------------------------


def optimise_once(page: Any, server: Server, n_lines: int) -> tuple[float, float | None]:
    from playwright.sync_api import expect

    from tests.browser import settle

    page.goto(f"{server.url}/scenarios")
    settle(page, 300)
    page.get_by_role("tab", name="配分の最適化").click()
    settle(page, 300)
    flex_all = page.get_by_role("button", name="全ての行に可変範囲を設定")
    if flex_all.count():
        flex_all.click()
        expect(page.get_by_text(f"可変範囲のある行: {n_lines} / {n_lines}")).to_be_visible(timeout=60_000)
        settle(page, 300)
    since = server.offset()
    page.evaluate(_WATCH, ["button", "結果をシナリオとして追加", None])
    page.get_by_role("button", name="最適化する").click()
    done = _wait_done(page)
    latency = done - float(page.evaluate("() => window.__kyosoClick"))
    settle(page, 300)
    runs = [ms for p, ms, _ in server.timings(since) if p == "scenarios"]
    return latency, (runs[0] if runs else None)  # None: a fragment's rerun (app.py does not log it)


# -- reruns per page ------------------------------------------------------------------------------------------


def page_reruns(page: Any, server: Server, slug: str, n: int) -> list[float]:
    from tests.browser import settle

    page.goto(f"{server.url}/{slug}" if slug != "bare" else server.url)
    settle(page, 300)
    page.wait_for_timeout(200)  # let the server log the first run before counting
    since = server.offset()
    for _ in range(n):
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.keyboard.press("r")
        page.wait_for_timeout(100)
        settle(page, 200)
    page.wait_for_timeout(200)
    name = "bare" if slug == "bare" else slug
    return [ms for p, ms, _ in server.timings(since) if p == name]


# -- the section ------------------------------------------------------------------------------------------------


def run_browser(quick: bool, seed: int, log: Callable[[str], None], big_lines: int = 2000) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    rounds = 2 if quick else 7
    out: dict[str, Any] = {"method": __doc__.split("\n\n", 1)[1] if __doc__ else "", "big_lines": big_lines}
    with tempfile.TemporaryDirectory(prefix="kyoso-bench-browser-") as tmp_s, servers(Path(tmp_s), big_lines, seed) as srv, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="ja-JP")
        context.add_init_script(_INIT)
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            # warm-up: every server once (static files cached, modules imported, first evaluation done)
            apps = {k: s for k, s in srv.items() if k != "bare_grid"}  # (the bare grid shows no 補助金額)
            for s in apps.values():
                first_figure(page, s)
            ff: dict[str, list[float]] = {k: [] for k in apps}
            for _ in range(rounds):
                for k, s in apps.items():
                    ff[k].append(first_figure(page, s))
            out["first_figure_ms"] = {k: _ms_stats(v).as_dict() for k, v in ff.items()}
            log("  first figure: " + ", ".join(f"{k} {statistics.median(v):.0f} ms" for k, v in ff.items()))

            edits: dict[str, dict[str, Any]] = {}
            for k, lines in (("bare_grid", None), ("sample", None), ("big", big_lines)):
                if k == "bare_grid":  # Streamlit's own floor: one grid and one metric, a 1 ms script
                    from bench.bare_grid import PRICE, ROWS

                    orig, label = PRICE, "申請経費"
                    values = [orig // 2, orig]
                    expected = {v: f"¥{PRICE * (ROWS - 1) + v:,}" for v in values}
                else:
                    d, label, attr = _edit_plan(lines, seed)
                    c4 = next(c for c in d["costs"] if c["id"] == "c4")
                    orig = int(c4["unit_price_yen"])
                    values = [orig // 2, orig]
                    expected = {v: _figure_after(d, v, attr) for v in values}
                s = srv[k]
                _open_costs(page, s, "" if k == "bare_grid" else "costs")
                lat, server_ms, head_ms = [], [], []
                shown = f"{orig:,}"
                for i in range(rounds + 1):
                    v = values[i % 2]
                    since = s.offset()
                    t = edit_once(page, v, shown, label, expected[v])
                    shown = f"{v:,}" if k != "bare_grid" else str(v)  # (the bare grid keeps what was typed)
                    runs = [(ms, hd) for p, ms, hd in s.timings(since) if p == "costs"]
                    if i == 0:
                        continue  # the first edit of a session imports and warms what edits need
                    lat.append(t)
                    if runs:
                        server_ms.append(runs[0][0])
                        head_ms.append(runs[0][1])
                edits[k] = {"metric": label, "latency": _ms_stats(lat).as_dict(),
                            "server_script": _ms_stats(server_ms).as_dict() if server_ms else None,
                            "server_to_headline": _ms_stats(head_ms).as_dict() if head_ms else None}
                log(f"  edit → figure ({k}): {statistics.median(lat):.0f} ms"
                    + (f" (script {statistics.median(server_ms):.1f} ms)" if server_ms else ""))
            out["edit_ms"] = edits

            opt: dict[str, Any] = {}
            for k, n_lines in (("sample", len(json.loads(SAMPLE.read_text(encoding="utf-8"))["costs"])), ("big", big_lines)):
                lat, server_ms = [], []
                for i in range(max(2, rounds - 2) + 1):
                    t, sm = optimise_once(page, srv[k], n_lines)
                    if i == 0:
                        continue
                    lat.append(t)
                    if sm is not None:
                        server_ms.append(sm)
                opt[k] = {"latency": _ms_stats(lat).as_dict(),
                          "server_script": _ms_stats(server_ms).as_dict() if server_ms else None}
                log(f"  optimiser click → result ({k}): {statistics.median(lat):.0f} ms"
                    + (f" (script {statistics.median(server_ms):.0f} ms)" if server_ms else " (fragment rerun)"))
            out["optimise_ms"] = opt

            reruns: dict[str, dict[str, Any]] = {}
            n = 2 if quick else 6
            reruns["bare"] = {"bare": _ms_stats(page_reruns(page, srv["bare"], "bare", n)).as_dict()}
            for k in ("sample", "big"):
                reruns[k] = {}
                for slug in PAGES:
                    if not (ROOT / "app_pages" / f"{slug}.py").is_file():
                        continue
                    samples = page_reruns(page, srv[k], slug, n)
                    reruns[k][slug] = _ms_stats(samples).as_dict() if samples else None
                log(f"  reruns ({k}): " + ", ".join(f"{p} {v['median_ms']:.1f}" for p, v in reruns[k].items() if v))
            out["rerun_ms"] = reruns
        finally:
            context.close()
            browser.close()
    return out


def available() -> str | None:
    """Why the section cannot run here (``None`` when it can)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright not installed"
    from tests.browser import CHROMIUM

    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} not installed"
    return None
