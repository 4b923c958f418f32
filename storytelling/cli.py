"""Command line: ``storytelling build`` (the nightly job) and ``storytelling sample``.

``storytelling build [--data PATH] [--config story.toml] [--pptx F] [--html F] [--md F]``
rebuilds the deck, the report and the update note from fresh data with no server (the sample
when no data is named; a warehouse when the config's ``[data]`` names ``sql`` and a table or query). Without any output option it writes story.pptx, story.html and story.md
in the current folder. Bad input exits with status 2 and a message saying what to fix.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily: `storytelling serve` should not load pandas before the server
    from storytelling.config import StoryConfig
    from storytelling.story import Story


def build_story_from_config(cfg: StoryConfig, *, data_path: str | None = None, log=print) -> Story:
    """Everything the app would show for this config, as a Story (no Streamlit)."""
    from storytelling.abtest import read_test, results_from_table
    from storytelling.data import DataError, Roles, infer_roles, load_table, prepare
    from storytelling.glossary import Glossary
    from storytelling.lift import analyse_lift, build_curves, default_contacts
    from storytelling.model import evaluate_cached
    from storytelling.report import ab_readout_for, build_story
    from storytelling.sample import load_sample

    path = data_path or cfg.data_path
    use_value = cfg.value_months is not None
    table = None
    if cfg.data_sql and not data_path:  # a warehouse: counts from the database, details from a sample
        from storytelling.warehouse import SqlSource, evaluate_warehouse, read_warehouse, resolve_url, warehouse_curves

        source = SqlSource(resolve_url(cfg.data_sql), table=cfg.data_table, query=cfg.data_query,
                           query_seconds=cfg.query_seconds)
        table = read_warehouse(source, Roles.from_dict(cfg.roles) if cfg.roles else None)
        name = cfg.data_name or SqlSource(cfg.data_sql, cfg.data_table, cfg.data_query).name  # as the app names it
        data = prepare(table.sample, table.roles)
        ev = evaluate_warehouse(table, data)
        curves = warehouse_curves(table, ev, use_value=use_value)
        log(f"data: {name}, {curves.n:,} customers counted in the database ({table.rows_fetched:,} rows sent, "
            f"{len(table.sample):,} sampled) in {table.seconds:.1f} s")
    else:
        raw = load_table(path, sheet=cfg.data_sheet) if path else load_sample()
        name = cfg.data_name or (Path(path).name if path else "Sample: Northwind Broadband")
        data = prepare(raw, Roles.from_dict(cfg.roles) if cfg.roles else infer_roles(raw))
        log(f"data: {name}, {len(data.frame):,} rows")
        ev = evaluate_cached(data)
        curves = build_curves(ev, use_value=use_value and data.has_value)
    a = cfg.assumptions()
    if cfg.threshold is not None:
        k = curves.model.count_at_threshold(cfg.threshold)
        if k == 0:
            raise DataError(f"scenario.threshold = {cfg.threshold:g} picks nobody: no customer's risk is that high "
                            f"(the highest is {curves.model.top_score:.1%}). Lower it, or set contacts instead.")
    elif cfg.contacts is not None:
        k = min(cfg.contacts, curves.n)
        if cfg.contacts > curves.n:
            log(f"scenario: contacts = {cfg.contacts:,} is more than the {curves.n:,} customers; the list is all of them")
    else:
        k = default_contacts(curves, a)
    lift = analyse_lift(curves, a, k)
    glossary = Glossary.infer(data.frame, data.features).with_edits(cfg.glossary)
    drivers = backtest = ab = None
    if cfg.drivers and data.features:
        from storytelling.drivers import ExplanationError, driver_model_for, explain_evaluation

        try:
            drivers = explain_evaluation(driver_model_for(data, ev), ev, glossary=glossary)
            log("drivers: done")
        except ExplanationError as exc:  # nothing true to say about drivers: the story goes without them
            log(f"drivers: left out. {exc}")
    if cfg.backtest_months and data.has_dates:
        from storytelling.backtest import default_cutoffs, run_backtest, summarise_backtest

        if table is not None:  # the stored scores of each month, counted in the database
            from storytelling.warehouse import backtest_scores

            scores = backtest_scores(table).only(table.months_with_outcomes()[-cfg.backtest_months:])
            backtest = summarise_backtest(scores, a, use_value=curves.uses_value)
            log(f"backtest: {len(scores.periods)} months")
        elif cutoffs := default_cutoffs(data)[-cfg.backtest_months:]:
            backtest = run_backtest(data, cutoffs=cutoffs, assumptions=a)
            log(f"backtest: {len(cutoffs)} months")
    if cfg.ab_results:
        readout = read_test(*results_from_table(load_table(cfg.ab_results)), alpha=1 - cfg.ab_confidence,
                            expected_ratio=cfg.ab_ratio, planned_total=cfg.ab_planned_total)
        ab = ab_readout_for(lift, readout, cfg.ab_design)
    return build_story(lift, title=cfg.title, audience=cfg.audience, backtest=backtest, drivers=drivers, ab=ab,
                       keys=cfg.findings, full=cfg.findings is None and backtest is not None, glossary=glossary,
                       data_name=name)


def _build(args) -> int:
    from storytelling.config import StoryConfig, load_config
    from storytelling.data import DataError
    from storytelling.export import to_html, to_markdown, to_pptx

    cfg = load_config(args.config) if args.config else StoryConfig()
    outputs = {"pptx": args.pptx, "html": args.html, "md": args.md}
    if not any(outputs.values()):
        outputs = {"pptx": "story.pptx", "html": "story.html", "md": "story.md"}
    t = time.perf_counter()
    story = build_story_from_config(cfg, data_path=args.data, log=lambda m: print(m, file=sys.stderr))
    if not story.findings:
        raise DataError("None of the findings named in story.findings exist for this data. Check the names.")
    template = None
    if cfg.template:
        try:
            template = Path(cfg.template).read_bytes()
        except OSError:
            raise DataError(f"The deck template '{cfg.template}' could not be read.") from None
    render = {"pptx": lambda: to_pptx(story, template=template, brand_colour=cfg.brand_colour),
              "html": lambda: to_html(story, brand_colour=cfg.brand_colour or "#0072B2"),
              "md": lambda: to_markdown(story)}
    for kind, dest in outputs.items():
        if not dest:
            continue
        content = render[kind]()
        try:
            p = Path(dest)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content) if isinstance(content, bytes) else p.write_text(content, encoding="utf-8")
        except OSError as exc:
            print(f"storytelling: error: could not write {dest}: {exc.strerror}", file=sys.stderr)
            return 1
        print(f"wrote {dest}")
    print(f"{len(story.findings)} findings in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storytelling", description="Churn model numbers as business stories.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample", help="rewrite the embedded sample data (deterministic)")
    s.add_argument("--out", default=None, help="folder to write to (default: sample_data/)")
    s.add_argument("--duckdb", metavar="PATH", help="instead, write the sample's scored customers (evaluated "
                   "month and today's) as table 'scores' in a DuckDB file: a warehouse to try the app on")
    b = sub.add_parser("build", help="build the deck, report and update note (no server)")
    b.add_argument("--data", help="customer table (CSV, Excel or Parquet); default: the config's, else the sample")
    b.add_argument("--config", help="story.toml saved from the app (assumptions, roles, findings, ...)")
    b.add_argument("--pptx", help="write the deck here")
    b.add_argument("--html", help="write the one-page report here")
    b.add_argument("--md", help="write the Update / Next note here")
    sub.add_parser("serve", add_help=False,
                   help="run the app (streamlit run app.py) with the sample warmed up; other options go to streamlit")
    args, extra = parser.parse_known_args(argv)
    if args.command == "serve":
        from storytelling.ui.serve import serve

        return serve(extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from storytelling.data import DataError

    try:
        if args.command == "sample":
            from storytelling import sample

            if args.duckdb:
                from storytelling.warehouse import write_scored_sample

                n = write_scored_sample(args.duckdb)
                print(f"wrote {args.duckdb} (table scores, {n:,} rows)")
                return 0
            for p in sample.write(args.out or sample.SAMPLE_DIR):
                print(f"wrote {p}")
            return 0
        return _build(args)
    except DataError as exc:
        print(f"storytelling: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
