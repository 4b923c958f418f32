"""Open the app in a real browser, walk every page, move the slider."""

import os
import re
from pathlib import Path

from playwright.sync_api import expect

SHOTS = Path(os.environ.get("STORY_SCREENSHOTS", "")) if os.environ.get("STORY_SCREENSHOTS") else None
TIMEOUT = 90_000


def wait_ready(page):
    page.wait_for_selector("[data-testid='stApp']", timeout=TIMEOUT)
    # Streamlit shows a running indicator while the script runs.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=TIMEOUT,
    )
    page.wait_for_timeout(800)


def shot(page, name, height=2600):
    """Save a screenshot of the whole page (the viewport is made tall enough to hold it)."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(1500)
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        page.set_viewport_size(size)


def no_exception(page):
    assert page.locator("[data-testid='stException']").count() == 0


def test_walk_every_page(server, page):
    page.goto(server, timeout=TIMEOUT)
    wait_ready(page)
    expect(page.get_by_text("The churn story")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(re.compile(r"left within a month")).first).to_be_visible(timeout=TIMEOUT)
    no_exception(page)
    shot(page, "overview")

    page.get_by_role("link", name="Data").first.click()
    wait_ready(page)
    expect(page.get_by_text("Health report")).to_be_visible(timeout=TIMEOUT)
    no_exception(page)
    shot(page, "data")

    page.get_by_role("link", name="Retention lift").first.click()
    wait_ready(page)
    expect(page.get_by_text("Kept / month")).to_be_visible(timeout=TIMEOUT)
    no_exception(page)
    shot(page, "retention_lift")

    page.get_by_role("link", name="Who is on the list").first.click()
    expect(page.get_by_text(re.compile("Each group on the list of")).first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    no_exception(page)
    shot(page, "fairness", height=2600)

    page.get_by_role("link", name="Backtest").first.click()
    expect(page.get_by_text(re.compile("Had we used the model since")).first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    no_exception(page)
    shot(page, "backtest", height=3400)

    page.get_by_role("link", name="Drivers").first.click()
    expect(page.get_by_text(re.compile("say most about who leaves")).first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(re.compile(r"risk of leaving within a month at")).first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    no_exception(page)
    shot(page, "drivers", height=3400)

    page.get_by_role("link", name="A/B test").first.click()
    expect(page.get_by_text(re.compile("A fair test needs")).first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(re.compile("No clear effect yet|The campaign worked|The campaign backfired")).first
           ).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    no_exception(page)
    shot(page, "ab_test", height=2600)

    page.get_by_role("link", name="Whom the campaign keeps").first.click()
    expect(page.get_by_text(re.compile("With the same 1,000 calls")).first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Whom to call first")).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    no_exception(page)
    shot(page, "uplift", height=2600)

    page.get_by_role("link", name="Export").first.click()
    expect(page.get_by_text("Prepare the files")).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="Prepare the files").click()
    button = page.get_by_role("button", name="Deck (.pptx)")
    expect(button).to_be_visible(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as dl:
        button.click()
    path = dl.value.path()
    from pptx import Presentation

    deck = Presentation(str(path))
    assert len(deck.slides) >= 5 and deck.slides[0].shapes.title.text
    no_exception(page)
    shot(page, "export", height=1800)


def test_slider_moves_the_numbers_and_the_link(server, page):
    page.goto(server + "/retention_lift", timeout=TIMEOUT)
    wait_ready(page)
    metric = page.locator("[data-testid='stMetricValue']").first
    expect(metric).to_be_visible(timeout=TIMEOUT)
    before = metric.inner_text()
    slider = page.locator("[data-testid='stMain'] input[type='range']").first
    slider.focus()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    wait_ready(page)
    expect(metric).not_to_have_text(before, timeout=TIMEOUT)
    assert "contacts=" in page.url  # the scenario travels with the link
    no_exception(page)


def test_shared_link_opens_the_same_scenario(server, page):
    page.goto(server + "/retention_lift?contacts=3000&audience=Data+scientist", timeout=TIMEOUT)
    wait_ready(page)
    expect(page.get_by_text(re.compile(r"Calling the top 3,000 customers")).first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(re.compile(r"AUC")).first).to_be_visible(timeout=TIMEOUT)
    no_exception(page)
    shot(page, "retention_lift_data_scientist")


def test_a_shared_link_on_a_fresh_server_uses_the_app_navigation(fresh_server, page):
    """Opening a page's link first (no visit to the home page) still runs the app's navigation."""
    page.goto(fresh_server + "/data", timeout=TIMEOUT)
    wait_ready(page)
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_text("Retention lift")).to_be_visible(timeout=TIMEOUT)
    assert nav.get_by_text("app", exact=True).count() == 0


def _upload(page, path):
    page.get_by_text("Upload a file").click()
    wait_ready(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    wait_ready(page)


def test_upload_a_csv_with_renamed_columns(server, page, tmp_path):
    from storytelling.sample import load_sample

    df = load_sample()
    months = sorted(df["snapshot_date"].unique())[-3:]
    df = df[df["snapshot_date"].isin(months)].rename(
        columns={"customer_id": "Customer ID", "snapshot_date": "Snapshot Date", "churned_next_30d": "Churned"}
    )
    df["Churned"] = df["Churned"].map({1.0: "Yes", 0.0: "No"})
    path = tmp_path / "my customers.csv"
    df.to_csv(path, index=False, sep=";")
    page.goto(server + "/retention_lift", timeout=TIMEOUT)
    wait_ready(page)
    _upload(page, path)
    expect(page.get_by_text(re.compile("Calling the top")).first).to_be_visible(timeout=TIMEOUT)
    no_exception(page)
    shot(page, "upload_csv")


def test_upload_a_bad_file_shows_a_clear_message(server, page, tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x00\x01binary\x00junk" * 100)
    page.goto(server + "/data", timeout=TIMEOUT)
    wait_ready(page)
    _upload(page, path)
    expect(page.get_by_text(re.compile("does not look like a CSV")).first).to_be_visible(timeout=TIMEOUT)
    no_exception(page)
    shot(page, "upload_bad")


def test_storytelling_serve_runs_the_app(browser):
    from conftest import running_app

    with running_app(serve=True) as url:
        ctx = browser.new_context(viewport={"width": 1300, "height": 900})
        page = ctx.new_page()
        page.goto(url + "/retention_lift", timeout=TIMEOUT)
        wait_ready(page)
        expect(page.locator("[data-testid='stMetricValue']").first).to_be_visible(timeout=TIMEOUT)
        no_exception(page)
        ctx.close()


def test_a_warehouse_through_secrets_toml(browser, warehouse_db, tmp_path):
    """A DuckDB connection in a secrets file: pick it in the sidebar, read the lift and the Data page."""
    from conftest import running_app

    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[connections.warehouse]\nurl = "duckdb:///{warehouse_db}"\n')
    with running_app(extra=("--secrets.files", str(secrets))) as url:
        ctx = browser.new_context(viewport={"width": 1300, "height": 900})
        page = ctx.new_page()
        page.goto(url + "/retention_lift", timeout=TIMEOUT)
        wait_ready(page)
        page.locator("[data-testid='stSidebar']").get_by_text("Warehouse", exact=True).click()
        wait_ready(page)
        expect(page.get_by_text(re.compile("among the 20,000 customers")).first).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("[data-testid='stMetricValue']").first).to_be_visible(timeout=TIMEOUT)
        no_exception(page)
        shot(page, "warehouse_lift")
        page.locator("[data-testid='stSidebarNav']").get_by_text("Data", exact=True).click()
        wait_ready(page)
        expect(page.get_by_text("In the warehouse")).to_be_visible(timeout=TIMEOUT)
        no_exception(page)
        ctx.close()


def test_an_undated_table_in_the_browser(server, page, tmp_path):
    """A table unlike the sample (row numbers, no dates, Yes/No): the roles form shows its own guesses
    (not the previous table's), and no page speaks of months."""
    from storytelling.data import infer_roles
    from tests.odd_tables import telco_like

    df = telco_like(1500)
    path = tmp_path / "telco.csv"
    df.to_csv(path, index=False)
    page.goto(server + "/data", timeout=TIMEOUT)
    wait_ready(page)
    expect(page.get_by_text("Health report")).to_be_visible(timeout=TIMEOUT)
    _upload(page, path)
    expect(page.get_by_text(re.compile("'rownames' numbers the rows")).first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    chips = page.locator("[data-testid='stMultiSelect'] [data-tag]")
    guessed = infer_roles(df)
    expect(chips).to_have_count(len(guessed.features) + len(guessed.sensitive), timeout=TIMEOUT)  # two lists
    assert guessed.sensitive == ["gender"]
    no_exception(page)
    shot(page, "data_undated")
    page.get_by_role("link", name="Retention lift").first.click()
    wait_ready(page)
    expect(page.get_by_text(re.compile(f"of this file's {len(df):,} customers")).first).to_be_visible(timeout=TIMEOUT)
    assert page.get_by_text("Kept / month").count() == 0
    no_exception(page)
    shot(page, "lift_undated")


def test_nothing_is_fetched_from_the_network(server, page):
    """An offline install works quietly: every request the app makes goes to its own server."""
    from urllib.parse import urlparse

    outside = []
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname not in
            ("127.0.0.1", "localhost", None) and not r.url.startswith(("data:", "blob:")) else None)
    page.goto(server, timeout=TIMEOUT)
    wait_ready(page)
    expect(page.get_by_text(re.compile(r"left within a month")).first).to_be_visible(timeout=TIMEOUT)
    for name in ("Retention lift", "Export"):
        page.get_by_role("link", name=name).first.click()
        wait_ready(page)
    assert outside == []


def _keep(page):
    page.get_by_role("button", name=re.compile("Keep this scenario")).click(timeout=TIMEOUT)
    page.get_by_role("button", name="Keep", exact=True).click(timeout=TIMEOUT)
    wait_ready(page)


def test_kept_scenarios_travel_in_a_shared_link(server, page, browser):
    """Keep two scenarios, then open the page address in a fresh browser: both come back, compared."""
    page.goto(server + "/retention_lift?contacts=700", timeout=TIMEOUT)
    wait_ready(page)
    _keep(page)
    expect(page.get_by_text("A: 700 calls", exact=True).first).to_be_visible(timeout=TIMEOUT)
    slider = page.locator("[data-testid='stMain'] input[type='range']").first
    slider.focus()
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    wait_ready(page)
    _keep(page)
    expect(page.get_by_text(re.compile(r"Of the 2 options")).first).to_be_visible(timeout=TIMEOUT)
    link = page.url
    assert "options=" in link
    fresh = browser.new_context(viewport={"width": 1300, "height": 900})
    try:
        other = fresh.new_page()
        other.goto(link, timeout=TIMEOUT)
        wait_ready(other)
        expect(other.get_by_text("A: 700 calls", exact=True).first).to_be_visible(timeout=TIMEOUT)
        expect(other.get_by_text(re.compile(r"^B: [0-9,]+ calls$")).first).to_be_visible(timeout=TIMEOUT)
        expect(other.get_by_text(re.compile(r"Of the 2 options")).first).to_be_visible(timeout=TIMEOUT)
        no_exception(other)
        shot(other, "options_side_by_side", height=3600)
    finally:
        fresh.close()
