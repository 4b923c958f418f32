"""Ten browser sessions at once against one server, on different data and assumptions: each sees its
own story (no cross-talk through the shared caches) and none shows an error."""

from pathlib import Path

from storytelling.data import load_table, prepare
from storytelling.lift import analyse_lift, build_curves, default_contacts, lift_finding
from storytelling.model import evaluate
from storytelling.sample import load_sample
from storytelling.targeting import Assumptions
from tests.e2e.test_browser import TIMEOUT, _upload, wait_ready

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
SESSIONS = [  # (file or None for the sample, cost per contact, capacity)
    (None, 8.0, 1000), (None, 20.0, 500), (None, 3.5, 2000), ("latin1.csv", 8.0, 100), ("utf8_bom.csv", 12.0, 60),
    ("yes_no_labels.xlsx", 5.0, 80), ("tabs_named_csv.csv", 9.0, 120), ("renamed_reordered_columns.csv", 2.0, 40),
    (None, 30.0, 300), ("several_sheets.xlsx", 15.0, 90),
]


def expected(name, cost, capacity) -> list[str]:
    raw = load_sample() if name is None else load_table((BAD / name).read_bytes(), name)
    ev = evaluate(prepare(raw))
    a = Assumptions(600, cost, 0.3, capacity=capacity, value_months=12)
    curves = build_curves(ev, use_value=True)
    T = {k: f.text for k, f in lift_finding(analyse_lift(curves, a, default_contacts(curves, a))).facts.items()}
    return [T["saved"], T["net"], T["cost"], T["roi"], T["reached"]]


def metrics(page) -> list[str]:
    return [m.inner_text().strip() for m in page.locator("[data-testid='stMetricValue']").all()]


def test_ten_sessions_at_once(server, browser):
    want = [expected(*s) for s in SESSIONS]
    contexts = [browser.new_context(viewport={"width": 1300, "height": 900}) for _ in SESSIONS]
    pages = [c.new_page() for c in contexts]
    try:
        # open every session before waiting for any, so the server works on them together
        for pg, (_name, cost, cap) in zip(pages, SESSIONS):
            pg.goto(f"{server}/retention_lift?cost={cost}&capacity={cap}", wait_until="commit", timeout=TIMEOUT)
        for pg, (name, _, _) in zip(pages, SESSIONS):
            wait_ready(pg)
            if name is not None:
                _upload(pg, BAD / name)
        got = []
        for pg in pages:
            pg.wait_for_function(
                "n => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= n", arg=5,
                timeout=TIMEOUT)
            wait_ready(pg)
            assert pg.locator("[data-testid='stException']").count() == 0
            assert pg.locator("[data-testid='stAlertContentError']").count() == 0
            got.append(metrics(pg))
        for s, g, w in zip(SESSIONS, got, want):
            assert g == w, (s, g, w)
        assert len({tuple(g) for g in got}) == len(SESSIONS)
    finally:
        for c in contexts:
            c.close()


def test_downloads_on_a_crowded_server(server, browser, tmp_path):
    """Ten sessions; while five keep the server busy (each uploads a table of its own, so a model is
    trained for it), the other five click both contact-list downloads three times, then they swap:
    every click downloads. (Before, a click also asked for a rerun, which could withdraw the file
    the click was fetching: 'Deferred file not found' for one click in five on a busy server.)"""
    raw = load_sample()
    ids = raw["customer_id"].drop_duplicates().sample(frac=1.0, random_state=3).to_numpy()
    tables = []
    for i in range(30):  # a different table per busy upload: none is in the cache yet
        path = tmp_path / f"customers_{i}.csv"
        raw[raw["customer_id"].isin(ids[i * 400:(i + 1) * 400 + 1500])].to_csv(path, index=False)
        tables.append(path)
    contexts = [browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
                for _ in range(10)]
    pages = [c.new_page() for c in contexts]
    failed, done = [], 0
    try:
        for i, pg in enumerate(pages):
            pg.goto(f"{server}/retention_lift?cost={4 + i}", wait_until="commit", timeout=TIMEOUT)
        for pg in pages:
            wait_ready(pg)
        n = 0
        for clickers, busy in ((pages[:5], pages[5:]), (pages[5:], pages[:5])):
            for _rnd in range(3):
                for pg in busy:  # a new session in each busy tab, training a model on a new table...
                    pg.goto(f"{server}/retention_lift", wait_until="commit", timeout=TIMEOUT)
                for pg in busy:
                    pg.get_by_text("Upload a file").click(timeout=TIMEOUT)
                    pg.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(tables[n]),
                                                                                            timeout=TIMEOUT)
                    n += 1
                # ... while the other tabs click
                for pg in clickers:
                    for label in ("Contact list (Excel)", "Contact list (CSV)"):
                        try:
                            with pg.expect_download(timeout=60_000) as dl:
                                pg.get_by_role("button", name=label).click()
                            assert dl.value.failure() is None and dl.value.path().stat().st_size > 100
                            done += 1
                        except Exception as exc:  # noqa: BLE001 - every failed click is counted
                            failed.append((label, str(exc)[:200]))
                    if pg.locator("[data-testid='stDownloadButtonError']").count():
                        failed.append(("message", pg.locator("[data-testid='stDownloadButtonError']").first.inner_text()))
            for pg in busy:
                wait_ready(pg)
        assert not failed, failed
        assert done == 60
    finally:
        for c in contexts:
            c.close()
