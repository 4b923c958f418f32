"""Benchmarks: prints a table of figures against the performance budget (DESIGN.md).

Run: python bench/bench.py            (all)
     python bench/bench.py --quick    (smaller sizes, for a smoke run)
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storytelling.targeting import Assumptions, TargetingCurve  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []


def row(what: str, figure: str, budget: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("ok" if ok else "OVER")
    ROWS.append((what, figure, budget, verdict))
    print(f"  {what:<80} {figure:>14} {budget:>10} {verdict:>5}", flush=True)


def timed(fn, repeat: int = 5) -> float:
    best = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t)
    return min(best)


# A child's own peak: VmHWM starts afresh at exec, while getrusage's ru_maxrss is inherited from
# the parent across fork + exec (it showed the bench process's own peak).
PEAK_MB = "int(next(x for x in open('/proc/self/status') if x.startswith('VmHWM')).split()[1]) / 1024"


def bench_targeting(n: int) -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(n)
    churned = rng.random(n) < 0.02 + 0.1 * scores**2
    value = rng.gamma(2.0, 25.0, n)
    t = timed(lambda: TargetingCurve.from_scores(scores, churned, value), repeat=3)
    row(f"curve precompute, {n:,} customers", f"{t * 1000:.0f} ms")
    curve = TargetingCurve.from_scores(scores, churned, value)
    a = Assumptions(600, 8, 0.3, value_months=12, capacity=50_000)
    ks = rng.integers(0, n, 10_000)
    ts = rng.random(10_000)
    t_count = timed(lambda: [curve.at_count(int(k)) for k in ks], repeat=3) / len(ks)
    t_thr = timed(lambda: [curve.at_threshold(float(x)) for x in ts], repeat=3) / len(ts)
    t_out = timed(lambda: [curve.outcome(int(k), a) for k in ks], repeat=3) / len(ks)
    row(f"what-if query at_count, {n:,}", f"{t_count * 1e6:.1f} us", "<= 1 ms", t_count <= 1e-3)
    row(f"what-if query at_threshold, {n:,}", f"{t_thr * 1e6:.1f} us", "<= 1 ms", t_thr <= 1e-3)
    row(f"what-if outcome (kept, cost, net), {n:,}", f"{t_out * 1e6:.1f} us", "<= 1 ms", t_out <= 1e-3)
    t_best = timed(lambda: (curve._net_cache.clear(), curve.best_count(a)), repeat=3)
    row(f"best list size (new assumptions), {n:,}", f"{t_best * 1000:.1f} ms")
    t_boot_first = timed(lambda: (setattr(curve, "_boot_key", None), curve.bootstrap(5000, a)), repeat=3)
    t_boot = timed(lambda: curve.bootstrap(int(rng.integers(100, 5000)), a), repeat=5)
    row(f"range (bootstrap) first / later query, {n:,}", f"{t_boot_first * 1000:.0f} / {t_boot * 1000:.1f} ms")


def bench_memory(n: int, features: int = 20) -> None:
    """Prepare + curve for n customers x features, peak memory in a fresh process."""
    import subprocess

    code = f"""
import numpy as np, pandas as pd
from storytelling.data import prepare
from storytelling.targeting import TargetingCurve
rng = np.random.default_rng(0)
n = {n}
df = pd.DataFrame({{f"f{{i}}": rng.random(n).astype("float32") for i in range({features} - 2)}})
df["plan"] = pd.Categorical(rng.choice(["a", "b", "c"], n))
df["region"] = pd.Categorical(rng.choice(["n", "s", "e", "w"], n))
df["customer_id"] = np.arange(n)
df["churn_score"] = rng.random(n)
df["churned"] = (rng.random(n) < 0.05).astype("int8")
d = prepare(df)
c = TargetingCurve.from_scores(d.frame["score"].to_numpy(), d.frame["churned"].to_numpy())
print({PEAK_MB})
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        row(f"peak memory, {n:,} x {features} features", "failed: " + out.stderr.strip().splitlines()[-1])
        return
    mb = float(out.stdout.strip().splitlines()[-1])
    row(f"peak memory, load + prepare + curve, {n:,} x {features}", f"{mb:,.0f} MB", "<= 1.5 GB", mb <= 1536)


WAREHOUSE_ROWS = """
import json, sys, time
t0 = time.perf_counter()
from storytelling.data import prepare
from storytelling.lift import analyse_lift, best_depth_finding, comparison_finding, lift_finding
from storytelling.targeting import Assumptions
from storytelling.warehouse import SqlSource, evaluate_warehouse, read_warehouse, warehouse_curves
t_import = time.perf_counter() - t0
t0 = time.perf_counter()
table = read_warehouse(SqlSource(sys.argv[1], table="scores"))
t_read = time.perf_counter() - t0
data = prepare(table.sample, table.roles)
ev = evaluate_warehouse(table, data)
curves = warehouse_curves(table, ev)
a = Assumptions(value_per_saved=600, cost_per_contact=8, save_rate=0.3, capacity=100_000, value_months=12)
result = analyse_lift(curves, a, 100_000)
findings = [lift_finding(result), comparison_finding(result), best_depth_finding(result)]
t_lift = time.perf_counter() - t0
t0 = time.perf_counter()
top = table.top(1000)
t_top = time.perf_counter() - t0
PEAK = @PEAK@
print(json.dumps({"import": t_import, "read": t_read, "lift": t_lift, "top": t_top, "rows": table.rows_fetched,
                  "sample": len(table.sample), "customers": curves.n, "title": findings[0].title,
                  "rss": PEAK}))
""".replace("@PEAK@", PEAK_MB)

GENERATE = """
CREATE TABLE scores AS
WITH base AS (SELECT range AS customer_id, hash(range) AS h, random() AS u, random() AS u2 FROM range({n}))
SELECT customer_id,
       CASE WHEN customer_id % 10 < 9 THEN DATE '2026-09-01' ELSE DATE '2026-10-01' END AS snapshot_date,
       round(power(u, 4) * 0.9, 6) AS churn_score,
       CASE WHEN customer_id % 10 < 9 THEN (u2 < power(u, 4) * 0.9)::INTEGER END AS churned,
       round(20 + (h % 10000) / 100.0, 2) AS monthly_charge,
       ((h >> 20) % 10 = 0)::INTEGER AS flagged,
       ['Basic', 'Plus', 'Pro'][(1 + (h >> 30) % 3)::BIGINT] AS plan,
       (1 + (h >> 40) % 80)::INTEGER AS tenure_months
FROM base
"""


def bench_sql(sizes: tuple[int, ...] = (1_000_000, 100_000_000)) -> None:
    """A scored table in DuckDB (generated here: 90% in the evaluated month, 10% today's), read the
    way the lift page reads it, in a fresh process per size: time to the lift page's numbers, rows
    that left the database, peak memory of the Python process (DuckDB's buffers included)."""
    import json
    import shutil
    import subprocess
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="bench-sql-"))
    try:
        for n in sizes:
            path = folder / f"scores-{n}.duckdb"
            t = time.perf_counter()
            # written by another process, as a warehouse is (the writer's memory stays out of the figures)
            make = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); con.execute('SET enable_progress_bar = false');"
                    "con.execute(sys.argv[2]); con.execute('CHECKPOINT'); con.close()")
            subprocess.run([sys.executable, "-c", make, str(path), GENERATE.format(n=n)], check=True)
            row(f"warehouse: generate {n:,} scored rows in DuckDB ({path.stat().st_size / 2**20:,.0f} MB)",
                f"{time.perf_counter() - t:.1f} s")
            out = subprocess.run([sys.executable, "-c", WAREHOUSE_ROWS, str(path)], capture_output=True, text=True,
                                 cwd=ROOT)
            if out.returncode:
                row(f"warehouse: {n:,} rows", "failed: " + out.stderr.strip().splitlines()[-1])
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            big = n >= 100_000_000
            row(f"warehouse {n:,}: lift page numbers (queries + sample + curve + what-if)", f"{r['lift']:.1f} s",
                *(("<= 10 s", r["lift"] <= 10) if big else ("", None)))
            row(f"warehouse {n:,}: of which the queries", f"{r['read']:.1f} s")
            row(f"warehouse {n:,}: rows sent for the figures (+ sample rows for drivers)",
                f"{r['rows']:,} (+{r['sample']:,})", *(("<= 5,000", r["rows"] <= 5000) if big else ("", None)))
            row(f"warehouse {n:,}: contact list, top 1,000 of today's customers", f"{r['top'] * 1000:.0f} ms")
            row(f"warehouse {n:,}: peak memory of the app process", f"{r['rss']:,.0f} MB")
            path.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_page(reruns: int = 10) -> None:
    """Slider rerun on the lift page (AppTest: the fragment's script time)."""
    import os
    import tempfile

    from streamlit.testing.v1 import AppTest

    os.environ["STORYTELLING_CACHE"] = tempfile.mkdtemp(prefix="bench-cache-")
    t = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("app_pages/retention_lift.py").run()
    cold = time.perf_counter() - t
    assert not at.exception, at.exception
    row("AppTest: first story, first start (trains the model)", f"{cold:.1f} s")
    slider_moves(at, reruns, 500, "page script rerun after a slider move")
    t = time.perf_counter()
    at2 = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at2.switch_page("app_pages/retention_lift.py").run()
    row("AppTest: new session, model cached in memory", f"{(time.perf_counter() - t) * 1000:.0f} ms")
    bench_kept_scenarios(reruns)


#: Five kept scenarios as a shared link writes them: plain, by risk, focused, off today's rule, per-group offers.
FIVE_KEPT = json.dumps([
    {"name": "A: 500 calls", "contacts": 500},
    {"name": "B: risk 20% or more", "threshold": 0.2, "cost_per_contact": 12},
    {"name": "C: month-to-month", "contacts": 1000, "focus": {"contract": ["Month-to-month"]}},
    {"name": "D: not on today's rule", "contacts": 1500, "skip_rule": True},
    {"name": "E: discount for month-to-month", "contacts": 2000,
     "offers": [{"column": "contract", "values": ["Month-to-month"], "cost_per_contact": 25, "save_rate": 0.45}]},
])


def bench_kept_scenarios(reruns: int) -> None:
    """A slider move on the lift page while five scenarios are kept (all compared on every rerun)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["options"] = FIVE_KEPT
    t = time.perf_counter()
    at.switch_page("app_pages/retention_lift.py").run()
    assert not at.exception and len(at.dataframe[-1].value) == 5, at.exception  # all five side by side
    row("AppTest: link with five kept scenarios, first run (new session)", f"{(time.perf_counter() - t) * 1000:.0f} ms")
    slider_moves(at, reruns, 600, "page rerun after a slider move, five kept scenarios")


def slider_moves(at, reruns: int, start: int, what: str) -> None:
    """Median time of ``reruns`` moves of the list-size slider (AppTest), against the 150 ms budget."""
    times = []
    for i in range(reruns):
        t = time.perf_counter()
        at.slider(key="contacts").set_value(start + 350 * i).run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    med = statistics.median(times)
    row(f"{what} (median of {reruns}, AppTest)", f"{med * 1000:.0f} ms", "<= 150 ms", med <= 0.15)


METRICS_JS = "() => Array.from(document.querySelectorAll(\"[data-testid='stMetricValue']\")).map(e => e.innerText).join('|')"


def bench_browser(moves: int = 10, starts: int = 5) -> None:
    """What a user sees, in Debian's chromium: server start to the first story on screen (the
    browser is already open, as a visitor's is; median of ``starts`` server starts) and slider key
    press -> new figures on screen."""
    import os
    import tempfile

    os.environ["STORYTELLING_CACHE"] = tempfile.mkdtemp(prefix="bench-cache-")
    _browser_run(0, "first start: trains model", budget=False, starts=1)
    _browser_run(moves, "streamlit run, scores cached", starts=starts)
    _browser_run(0, "storytelling serve, cached", serve=True,
                 starts=starts)
    # The framework's own floor: a one-slider, one-figure app on the same machine and browser.
    floor = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    (floor / "app.py").write_text(
        "import streamlit as st\n"
        "k = st.slider('Customers to contact', 0, 12000, 1000, step=10, key='contacts', bind='query-params')\n"
        "st.metric('Kept', k * 3)\n"
    )
    _browser_run(moves, "floor: one-slider app", root=floor, budget=False, starts=starts)


def _browser_run(moves: int, label: str, root: Path = ROOT, budget: bool = True, serve: bool = False,
                 starts: int = 1) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    import subprocess

    from conftest import CHROMIUM_ARGS, chromium_path, free_port

    exe = chromium_path()
    if exe is None:
        row("browser: slider move to new figures", "skipped (no chromium)")
        return
    from playwright.sync_api import sync_playwright

    colds, times = [], []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        for start in range(starts):
            page = b.new_page(viewport={"width": 1400, "height": 1000})  # fresh page, empty cache
            port = free_port()
            t0 = time.perf_counter()
            cmd = ([sys.executable, "-m", "storytelling.cli", "serve"] if serve else
                   [sys.executable, "-m", "streamlit", "run", str(root / "app.py")])
            proc = subprocess.Popen([*cmd, "--server.headless", "true", "--server.port", str(port)], cwd=root,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_for_health(url)
                page.goto(url + ("/retention_lift" if root == ROOT else "/"))
                page.locator("[data-testid='stMetricValue']").first.wait_for(timeout=60_000)
                colds.append(time.perf_counter() - t0)
                if start == starts - 1:
                    slider = page.locator("[data-testid='stMain'] input[type='range']").first
                    for _ in range(moves):
                        before = page.evaluate(METRICS_JS)
                        slider.focus()
                        t = time.perf_counter()
                        page.keyboard.press("PageUp")  # one move of a tenth of the range
                        page.wait_for_function(
                            f"([b]) => ({METRICS_JS})() !== b",
                            arg=[before], timeout=30_000, polling="raf")
                        times.append(time.perf_counter() - t)
                        page.wait_for_timeout(300)
            finally:
                page.close()
                proc.terminate()
                proc.wait(timeout=10)
        b.close()
    cold = statistics.median(colds)
    spread = f" ({min(colds):.1f}-{max(colds):.1f})" if len(colds) > 1 else ""
    row(f"browser: server start to first story, {label}{spread}", f"{cold:.1f} s",
        *(("<= 5 s", cold <= 5) if budget else ("", None)))
    if times:
        row(f"browser: slider move to new figures on screen, {label}", f"{statistics.median(times) * 1000:.0f} ms")


def _wait_for_health(url: str) -> None:
    import urllib.request

    for _ in range(400):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return
        except OSError:
            time.sleep(0.05)


def _drawn(page, timeout: int = 300_000) -> None:
    """The page has drawn its title and finished running."""
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]') || !document"
                           ".querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
                           timeout=timeout)


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(x.split()[1]) for x in f if x.startswith("VmRSS")) / 1024


def bench_sessions(sessions: int = 10, uploads: int = 3) -> None:
    """The server's memory with ten browser sessions at once (three of them upload a table of their
    own, the sample's size), then after they end: peak, and settled once Streamlit has dropped the
    ended sessions (2 minutes) and the sweep has cleared idle data sets (STORYTELLING_IDLE_MINUTES=1
    here, 15 by default). Also: a workbook "zip bomb" refused, from the upload to the message."""
    import os
    import subprocess
    import tempfile
    import threading

    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from conftest import CHROMIUM_ARGS, chromium_path, free_port

    exe = chromium_path()
    if exe is None:
        row("sessions: memory", "skipped (no chromium)")
        return
    from playwright.sync_api import sync_playwright

    from storytelling.sample import load_sample

    tmp = Path(tempfile.mkdtemp(prefix="bench-sessions-"))
    raw = load_sample()
    files = []
    for i in range(uploads):  # three tables the caches have never seen
        part = raw.copy()  # the whole sample under new ids: a table as large, never seen before
        part["customer_id"] = part["customer_id"].astype(str) + f"-{i}"
        files.append(tmp / f"customers_{i}.csv")
        part.to_csv(files[-1], index=False)
    files_mb = sum(f.stat().st_size for f in files) / 2**20 / uploads
    port = free_port()
    env = {**os.environ, "STORYTELLING_IDLE_MINUTES": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
                             "true", "--server.port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0.0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.2):
            peak[0] = max(peak[0], _rss_mb(proc.pid))

    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url)
        threading.Thread(target=watch, daemon=True).start()
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            first = b.new_page(viewport={"width": 1300, "height": 900})
            for page in ("retention_lift", "", "data", "backtest", "drivers", "ab_test", "export"):
                first.goto(f"{url}/{page}")  # every page once: its libraries loaded, the sample's caches warm
                _drawn(first)
            first.close()
            time.sleep(5)
            idle = _rss_mb(proc.pid)
            contexts = [b.new_context(viewport={"width": 1300, "height": 900}) for _ in range(sessions)]
            pages = [c.new_page() for c in contexts]
            where = ["retention_lift", "", "drivers", "backtest", "ab_test"]  # "": the Overview
            for i, pg in enumerate(pages):
                pg.goto(f"{url}/{where[i % len(where)]}?cost={4 + i}", wait_until="commit")
            for i, f in enumerate(files):
                _drawn(pages[i])
                pages[i].get_by_text("Upload a file").click(timeout=120_000)
                pages[i].locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(f))
            for pg in pages:
                _drawn(pg)
            busy = _rss_mb(proc.pid)
            for c in contexts:
                c.close()
            row("sessions: server after one visitor saw every page (sample cached)", f"{idle:,.0f} MB")
            row(f"sessions: peak with {sessions} at once ({uploads} upload {files_mb:.0f} MB each)",
                f"{peak[0]:,.0f} MB")
            row(f"sessions: with {sessions} open, all pages drawn", f"{busy:,.0f} MB")
            time.sleep(200)
            settled = _rss_mb(proc.pid)
            row("sessions: settled, 200 s after they ended", f"{settled:,.0f} MB", "idle+150MB", settled <= idle + 150)
            # a workbook that unpacks to 160 MB, uploaded: seconds from the upload to the message
            bomb = tmp / "bomb.xlsx"
            import zipfile

            rowxml = b"<row>" + b"<c t='inlineStr'><is><t>x</t></is></c>" * 200 + b"</row>"
            with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z, z.open("xl/worksheets/sheet1.xml", "w") as f:
                chunk = rowxml * (2**20 // len(rowxml))
                for _ in range(170):
                    f.write(chunk)
            pg = b.new_page(viewport={"width": 1300, "height": 900})
            pg.goto(url + "/data")
            pg.get_by_text("Upload a file").click(timeout=120_000)
            pg.locator("[data-testid='stFileUploaderDropzoneInput']").wait_for(state="attached", timeout=60_000)
            t = time.perf_counter()
            pg.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bomb))
            pg.get_by_text("more than the 150 MB").first.wait_for(timeout=300_000)
            bomb_s = time.perf_counter() - t
            b.close()
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=10)
    row(f"xlsx zip bomb ({bomb.stat().st_size / 2**20:.1f} MB, 170 MB unpacked): upload to message, browser",
        f"{bomb_s:.1f} s", "<= 2 s", bomb_s <= 2)


def whole_story_cold() -> None:
    """The nightly build's whole default story of the sample (evaluation, 12-month backtest, drivers,
    A/B plan and readout) with an empty scores cache, in a fresh process."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        code = ("import time; t = time.perf_counter(); from storytelling.cli import build_story_from_config; "
                "from storytelling.config import StoryConfig; s = build_story_from_config(StoryConfig(), "
                "log=lambda *_: None); print(len(s.findings), time.perf_counter() - t)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "STORYTELLING_CACHE": cache}).stdout.split()
    el = float(out[1])
    row(f"whole story of the sample, cold cache, CLI ({out[0]} findings)", f"{el:.1f} s", "<= 25 s", el <= 25)


def bench_fairness(n: int) -> None:
    """Who is on the list: each group's shares of the list and of the leavers with 200 resampled
    ranges, for one column of six groups over ``n`` customers (the page's work beyond the models)."""
    import pandas as pd

    from storytelling.fairness import group_mix

    rng = np.random.default_rng(0)
    f = pd.DataFrame({"g": rng.choice(list("abcdef"), n), "score": rng.random(n),
                      "churned": (rng.random(n) < 0.05).astype(float)})
    rows = np.argsort(-f["score"].to_numpy(), kind="stable")[: n // 10]
    t = time.perf_counter()
    group_mix(f, rows, "g", name="g", kind=None)
    el = time.perf_counter() - t
    row(f"who is on the list: one column's shares and ranges, {n:,} customers", f"{el:.2f} s", "<= 5 s", el <= 5)


def bench_uplift() -> None:
    """Whom the campaign keeps on the sample's campaign test (11,929 customers): the uplift model
    scored out of fold (5 folds x 2 models), the lists compared, the final fit scoring today's customers."""
    from storytelling.analyses.uplift import test_customers, today_customers
    from storytelling.config import StoryConfig
    from storytelling.glossary import Glossary
    from storytelling.lift import analyse_lift
    from storytelling.registry import Run
    from storytelling.source import open_source
    from storytelling.uplift import analyse_uplift

    cfg = StoryConfig()
    source = open_source()
    ev = source.evaluate()
    lift = analyse_lift(source.curves(ev, use_value=True), cfg.assumptions(), 1000)
    run = Run(source, ev, lift, cfg, Glossary.infer(source.data.frame, source.data.described))
    test = test_customers(run, source.campaign_table())
    today = today_customers(run)
    t = time.perf_counter()
    analyse_uplift(test, contacts=1000, customers=len(today), today=today)
    el = time.perf_counter() - t
    row(f"whom the campaign keeps: uplift fit on the sample's test ({test.n:,} customers)", f"{el:.2f} s",
        "<= 5 s", el <= 5)


def bench_backtest(cutoffs: int = 12) -> None:
    """12 monthly cutoffs on the sample: first run (trains 12 models) and the cached rerun."""
    from streamlit.testing.v1 import AppTest

    from storytelling.backtest import default_cutoffs, run_backtest
    from storytelling.data import prepare
    from storytelling.sample import load_sample
    from storytelling.targeting import Assumptions

    data = prepare(load_sample())
    chosen = default_cutoffs(data)[-cutoffs:]
    calls = []
    t = time.perf_counter()
    run_backtest(data, cutoffs=chosen, assumptions=Assumptions(600, 8, 0.3, capacity=1000, value_months=12),
                 progress=lambda i, n, m: calls.append(i))
    el = time.perf_counter() - t
    row(f"backtest, {len(chosen)} monthly cutoffs on the sample ({len(calls)} progress updates)", f"{el:.1f} s",
        "<= 15 s", el <= 15)
    whole_story_cold()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.switch_page("app_pages/backtest.py").run()
    assert not at.exception, at.exception
    t = time.perf_counter()
    at2 = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at2.switch_page("app_pages/backtest.py").run()
    el = time.perf_counter() - t
    row("backtest page, cached rerun (new session, AppTest)", f"{el * 1000:.0f} ms", "<= 1 s", el <= 1)


def bench_drivers(n: int) -> None:
    """Drivers page on the sample (AppTest, new session) and the drivers work on n customers,
    next to a plain SHAP run over every customer for scale."""
    import pandas as pd
    import shap
    from streamlit.testing.v1 import AppTest

    from storytelling.data import prepare
    from storytelling.drivers import CustomerExplainer, as_driver_model, explain_model
    from storytelling.model import baseline_model, evaluate_cached, feature_frame, make_pipeline, model_input
    from storytelling.sample import load_sample
    from storytelling.ui import caches

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()  # data and scores in memory, as after the first page
    caches.RESULTS.clear()  # the registry's stored steps: the driver model and its SHAP values
    caches.cached_customer_set.clear()
    t = time.perf_counter()
    at.switch_page("app_pages/drivers.py").run()
    el = time.perf_counter() - t
    assert not at.exception, at.exception
    row("drivers page ready on the sample (model read from disk, SHAP, customer)", f"{el:.1f} s", "<= 5 s", el <= 5)

    data = prepare(load_sample())
    ev = evaluate_cached(data)
    X0 = feature_frame(data, ev.frame)
    t = time.perf_counter()
    model = baseline_model(data, ev)
    tree = as_driver_model(model, data.features)
    shap.TreeExplainer(tree.tree).shap_values(tree.transform(X0))
    full_sample = time.perf_counter() - t
    row(f"  for scale: plain SHAP on all {len(X0):,} customers of the month", f"{full_sample:.1f} s")

    rng = np.random.default_rng(0)
    big = ev.frame.iloc[rng.integers(0, len(ev.frame), n)].reset_index(drop=True)
    for c in ("tenure_months", "usage_trend_pct", "monthly_charge"):
        big[c] = big[c] + rng.normal(0, 1, n).round()
    big["customer_id"] = [f"B{i}" for i in range(n)]
    fit = big.sample(200_000, random_state=0)
    Xf = model_input(fit, data.features)
    big_model = make_pipeline(Xf).fit(Xf, fit["churned"].astype(int))
    big["score"] = big_model.predict_proba(model_input(big, data.features))[:, 1]
    gc.collect()
    t = time.perf_counter()
    dm = as_driver_model(big_model, data.features)
    X = model_input(big, data.features)
    res = explain_model(dm, X, risk=big["score"].to_numpy())
    order = np.argsort(-big["score"].to_numpy(), kind="stable")
    ce = CustomerExplainer(dm, X, risk=big["score"].to_numpy())
    ce.explain(X.iloc[[int(order[0])]], customer="B")
    el = time.perf_counter() - t
    row(f"drivers page work on {n:,} customers ({res.sample_size:,} + {res.second_sample_size:,} explained)",
        f"{el:.1f} s", "<= 5 s", el <= 5)
    m = 50_000
    t = time.perf_counter()
    shap.TreeExplainer(dm.tree).shap_values(dm.transform(X.iloc[:m]))
    per_row = (time.perf_counter() - t) / m
    row(f"  for scale: plain SHAP on all {n:,} customers (timed on {m:,})", f"{per_row * n:.0f} s")
    del big, X, pd


def bench_export() -> None:
    """The full deck (every finding, backtest included), the report and the note, PNG cache cold."""
    from pptx import Presentation

    from storytelling.backtest import default_cutoffs, run_backtest
    from storytelling.data import prepare
    from storytelling.drivers import explain_model
    from storytelling.export import images, to_html, to_markdown, to_pptx
    from storytelling.export.pptx import outline
    from storytelling.lift import analyse_lift, build_curves
    from storytelling.model import baseline_model, evaluate_cached, feature_frame
    from storytelling.report import build_story
    from storytelling.sample import load_sample
    from storytelling.targeting import Assumptions

    data = prepare(load_sample())
    ev = evaluate_cached(data)
    a = Assumptions(600, 8, 0.3, capacity=1000, value_months=12)
    lift = analyse_lift(build_curves(ev), a, 1000)
    dr = explain_model(baseline_model(data, ev), feature_frame(data, ev.frame), risk=ev.frame["score"].to_numpy())
    bt = run_backtest(data, cutoffs=default_cutoffs(data)[-3:], assumptions=a)
    story = build_story(lift, drivers=dr, backtest=bt, full=True)
    images._CACHE.clear()
    t = time.perf_counter()
    deck = to_pptx(story)
    el = time.perf_counter() - t
    charts = sum(sh.has_chart for s in Presentation(io.BytesIO(deck)).slides for sh in s.shapes)
    row(f"full deck, {len(outline(story))} slides, {charts} native charts built from scratch ({len(deck) // 1024} kB)",
        f"{el:.1f} s", "<= 3 s", el <= 3)
    t = time.perf_counter()
    to_pptx(story)
    row("  same deck again (charts' data already built)", f"{(time.perf_counter() - t) * 1000:.0f} ms")
    t = time.perf_counter()
    to_html(story)
    row("printable report (HTML, pictures of the charts)", f"{time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    to_markdown(story)
    row("update note (Markdown)", f"{(time.perf_counter() - t) * 1000:.1f} ms")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", choices=["targeting", "page", "browser", "backtest", "fairness", "drivers", "export",
                                      "uplift", "memory", "sql", "sessions"], action="append", help="run only these parts (repeatable)")
    args = p.parse_args()
    n = 100_000 if args.quick else 1_000_000
    print(f"  {'what':<80} {'figure':>14} {'budget':>10} {'':>5}")
    print("  " + "-" * 113)
    parts = {
        "targeting": lambda: bench_targeting(n),
        "page": lambda: bench_page(reruns=5 if args.quick else 10),
        "browser": lambda: bench_browser(moves=5 if args.quick else 10),
        "backtest": lambda: bench_backtest(cutoffs=6 if args.quick else 12),
        "fairness": lambda: bench_fairness(n),
        "drivers": lambda: bench_drivers(n),
        "uplift": bench_uplift,
        "export": bench_export,
        "memory": lambda: bench_memory(n),
        "sessions": bench_sessions,
        "sql": lambda: bench_sql((1_000_000, 10_000_000) if args.quick else (1_000_000, 10_000_000, 100_000_000)),
    }
    for name, part in parts.items():
        if not args.only or name in args.only:
            part()
            gc.collect()
    print("  " + "-" * 113)
    over = [r for r in ROWS if r[3] == "OVER"]
    print(f"  {len(ROWS)} figures, {len(over)} over budget")


if __name__ == "__main__":
    main()
