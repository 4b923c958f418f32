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


def build_story_from_config(cfg: StoryConfig, *, data_path: str | None = None, log=print, full: bool = False,
                            keep_history: bool = False) -> Story:
    """Everything the app would show for this config, as a Story (no Streamlit): the source the
    config names, the scenario, and every analysis of the registry the data and config allow; what
    cannot be built is logged and named in the story (``full``: with the supporting findings)."""
    from storytelling.data import DataError
    from storytelling.fairness_findings import sensitive_lines
    from storytelling.glossary import Glossary
    from storytelling.lift import analyse_lift
    from storytelling.registry import Run, analyses, get, run_all
    from storytelling.report import build_story, left_out_names
    from storytelling.source import open_source

    source = open_source(path=data_path or cfg.data_path, sheet=cfg.data_sheet,
                         sql=None if data_path else cfg.data_sql, table=cfg.data_table, query=cfg.data_query,
                         query_seconds=cfg.query_seconds, roles=cfg.roles, name=cfg.data_name or None,
                         contacted=cfg.contacted, contacted_file=cfg.contacted_file)
    ev = source.evaluate()
    curves = source.curves(ev, use_value=cfg.value_months is not None)
    if (whole := source.describe()) is not None:
        log(f"data: {source.name}, {curves.n:,} customers counted in the database ({whole['rows_sent']:,} rows sent, "
            f"{whole['sample_rows']:,} sampled) in {whole['seconds']:.1f} s")
    else:
        log(f"data: {source.name}, {len(source.data.frame):,} rows")
    lift = analyse_lift(curves, cfg.assumptions(), scenario_contacts(cfg, curves, log))
    glossary = Glossary.infer(source.data.frame, source.data.described).with_edits(cfg.glossary)
    run = Run(source, ev, lift, cfg, glossary)
    outcome = run_all(run)
    if outcome.failed:  # the config asked for something that cannot be done: say what, build nothing
        raise DataError(" ".join(f"{get(k).name}: {why}" for k, why in outcome.failed.items()))
    for a in analyses():
        if a.key in outcome.results:
            log(f"{a.key}: {a.summary(outcome.results[a.key])}")
    for key, why in outcome.missing().items():
        log(f"{key}: left out. {why}")
    if keep_history and "changes" in outcome.results:
        from storytelling.analyses.changes import keep

        if (folder := keep(run, outcome.results["changes"])) is not None:
            log(f"history: recorded {outcome.results['changes'].record.period} in {folder}")
    return build_story(lift, findings=outcome.findings, title=cfg.title, audience=cfg.audience, keys=cfg.findings,
                       full=full, glossary=glossary, data_name=source.name, left_out=left_out_names(outcome),
                       sensitive=sensitive_lines(source.data, ev.source, glossary))


def scenario_contacts(cfg: StoryConfig, curves, log=print) -> int:
    """The list size the config asks for: a risk threshold, a count, else the default for the assumptions."""
    from storytelling.data import DataError
    from storytelling.lift import default_contacts

    if cfg.threshold is not None:
        k = curves.model.count_at_threshold(cfg.threshold)
        if k == 0:
            raise DataError(f"scenario.threshold = {cfg.threshold:g} picks nobody: no customer's risk is that high "
                            f"(the highest is {curves.model.top_score:.1%}). Lower it, or set contacts instead.")
        return k
    if cfg.contacts is not None:
        if cfg.contacts > curves.n:
            log(f"scenario: contacts = {cfg.contacts:,} is more than the {curves.n:,} customers; the list is all of them")
        return min(cfg.contacts, curves.n)
    return default_contacts(curves, cfg.assumptions())


def command_line_options(text: str, cfg: StoryConfig) -> list:
    """--options: scenarios as a shared link writes them (its ``options=`` text: JSON), replacing the config's."""
    from storytelling.data import DataError
    from storytelling.scenarios import decode

    scenarios, problem = decode(text if text.lstrip().startswith("[") else f"[{text}]", cfg.assumptions())
    if problem:
        raise DataError(f"--options: {problem}")
    return scenarios


def _build(args) -> int:
    from storytelling.config import StoryConfig, load_config
    from storytelling.data import DataError
    from storytelling.export import to_html, to_markdown, to_pptx

    cfg = load_config(args.config) if args.config else StoryConfig()
    if args.options:
        cfg.options = command_line_options(args.options, cfg)
    outputs = {"pptx": args.pptx, "html": args.html, "md": args.md}
    if not any(outputs.values()):
        outputs = {"pptx": "story.pptx", "html": "story.html", "md": "story.md"}
    t = time.perf_counter()
    story = build_story_from_config(cfg, data_path=args.data, log=lambda m: print(m, file=sys.stderr),
                                    keep_history=not args.no_history)
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
    b.add_argument("--html", help="write the printable report here")
    b.add_argument("--md", help="write the Update / Next note here")
    b.add_argument("--options", metavar="JSON", help="scenarios to compare side by side, as a shared link's "
                   "options= text (a JSON list); replaces story.toml's [[options]]")
    b.add_argument("--no-history", action="store_true",
                   help="do not record this build in the history (story.toml's [history] folder, default "
                        "story_history/), which the next build compares with")
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
