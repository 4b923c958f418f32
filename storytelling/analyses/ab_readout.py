"""A/B test readout: what the campaign test showed, priced under the scenario."""

from __future__ import annotations

from storytelling.abtest import read_test, results_from_table
from storytelling.registry import Analysis, Run, register
from storytelling.sample import CAMPAIGN_DESIGN


def _options(run: Run) -> dict | None:
    """From story.toml's [ab]: the results file or counts; else the test that comes with the data."""
    cfg = run.config
    found = {"file": cfg.ab_results} if cfg.ab_results else {"counts": cfg.ab_counts} if cfg.ab_counts else None
    design = cfg.ab_design
    if found is None and (counts := run.source.campaign_results()) is not None:
        found, design = {"counts": list(counts)}, CAMPAIGN_DESIGN  # the sample's test called customers of every risk
    if found is None:
        return None
    return {**found, "confidence": cfg.ab_confidence, "ratio": cfg.ab_ratio, "planned_total": cfg.ab_planned_total,
            "design": design}


def _compute(run: Run, o: dict):
    from storytelling.data import load_table

    counts = o.get("counts") or results_from_table(load_table(o["file"]))
    return read_test(*counts, alpha=1 - o["confidence"], expected_ratio=o["ratio"],
                     planned_total=o.get("planned_total")), o.get("design", "picks")


def _findings(result, lift) -> list:
    from storytelling.report import ab_readout_for

    readout, design = result
    return [ab_readout_for(lift, readout, design)]


ANALYSIS = register(Analysis(
    key="ab_readout", name="A/B test readout", order=50, page="app_pages/ab_test.py",
    compute=_compute, findings=_findings, options=_options,
    unasked="no campaign test results yet: read them on the A/B test page (or name them in story.toml's [ab]).",
    invite="Read the campaign test's result on the A/B test page",
))
