"""Whom the campaign keeps: the campaign test read customer by customer (when its results name
the customers, or carry their features)."""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from storytelling.abtest import test_rows
from storytelling.errors import DataError
from storytelling.registry import Analysis, LeftOut, Run, register
from storytelling.uplift import CampaignCustomers, analyse_uplift, match_rows
from storytelling.uplift_findings import effect_bands_finding, next_test_line, uplift_finding


def _options(run: Run) -> dict | None:
    """The results file named in story.toml's [ab], else the test that comes with the data."""
    if run.config.ab_results:
        return {"file": run.config.ab_results}
    return {"data": True} if run.source.campaign_table() is not None else None


def _results(run: Run, o: dict) -> pd.DataFrame:
    from storytelling.data import load_table

    if o.get("table") is not None:
        return o["table"]
    return load_table(o["file"]) if o.get("file") else run.source.campaign_table()


def _risk_at_start(run: Run, start) -> pd.DataFrame:
    """Each customer's score at the snapshot the test started from, by a model trained only on what
    was known then (the data's own scores when it has them)."""
    try:
        scores = run.memo(("uplift risk", start), lambda: run.source.backtest_scores([start]), slow=True)
    except DataError as exc:
        raise LeftOut(f"the model cannot be replayed for {start:%B %Y}, when the test started: {exc}") from exc
    return scores.periods[0].frame[["customer_id", "score"]]


def _by_features(run: Run, rows: pd.DataFrame) -> CampaignCustomers | None:
    """The test's customers from the features in its results file, scored by the story's model."""
    from storytelling.model import baseline_model, feature_frame

    data, ev = run.source.data, run.evaluation
    if not data.features or not set(data.features) <= set(rows.columns) or ev.source != "baseline":
        return None
    model = baseline_model(data, ev)  # scores read from the disk cache come without their model
    X = feature_frame(data, rows)
    return CampaignCustomers(X, rows["called"].to_numpy(bool), rows["left"].to_numpy(int),
                             model.predict_proba(X)[:, 1], None, len(rows), "the features in the results file")


def test_customers(run: Run, results: pd.DataFrame) -> CampaignCustomers:
    """The test's customers joined to the customer table (or read from their own features)."""
    from storytelling.model import feature_frame

    data = run.source.data
    rows = test_rows(results)
    matched, start, how = match_rows(rows, data.frame, id_name=data.roles.id, date_name=data.roles.date,
                                     dated=data.has_dates)
    if len(matched) < len(rows) / 2 and (own := _by_features(run, rows)) is not None:
        return own
    if matched.empty:  # the counts still make the readout; nothing here is true to say customer by customer
        raise LeftOut(f"none of the {len(rows):,} customers in the results file matches the customer table "
                      f"({'by ' + how if how != 'no customer id' else 'the file has no customer id'}), and the file "
                      f"does not carry the model's columns.")
    if start is not None:
        scored = _risk_at_start(run, start)
    else:
        scored = run.evaluation.frame[["customer_id", "score"]]
    scored = scored.assign(customer_id=scored["customer_id"].astype("string"))
    matched = matched.merge(scored, on="customer_id", how="inner")
    return CampaignCustomers(feature_frame(data, matched).reset_index(drop=True), matched["called"].to_numpy(bool),
                         matched["left"].to_numpy(int), matched["score"].to_numpy(float),
                         matched["customer_id"].to_numpy(), len(rows), how, start)


def today_customers(run: Run) -> pd.DataFrame:
    from storytelling.model import feature_frame

    ev, data = run.evaluation, run.source.data
    now = ev.current if ev.current is not None else ev.frame
    if ev.as_of is None and "churned" in now:  # undated: those the file marks as gone are not called (as the lift list)
        now = now[now["churned"] != 1]
    return feature_frame(data, now).assign(customer_id=now["customer_id"].to_numpy(), risk=now["score"].to_numpy())


def _fingerprint(df: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()[:16]


def _compute(run: Run, o: dict):
    if run.evaluation.population is not None:
        raise LeftOut("reading the test customer by customer needs the customer table itself; a warehouse gives the "
                      "app a sample of it.")
    if not run.source.data.features:
        raise LeftOut("the data has no customer features to tell whom the call keeps.")
    results = _results(run, o)
    lift = run.lift
    today = today_customers(run)
    names = {c: run.glossary.name(c) for c in run.source.data.features}
    key = ("uplift", _fingerprint(results), lift.contacts, len(today), json.dumps(names, sort_keys=True))
    return run.memo(key, lambda: _read(run, results, today, names), slow=True)


def _read(run: Run, results: pd.DataFrame, today: pd.DataFrame, names: dict[str, str]):
    test, k = test_customers(run, results), run.lift.contacts
    share = None
    if run.evaluation.as_of is None and len(today):  # undated: the test holds customers since gone, today's list
        floor = today["risk"].nlargest(max(k, 1)).min()  # does not: 'like the list's' is by its lowest risk
        share = float((test.risk >= floor).mean())
    return analyse_uplift(test, contacts=k, customers=len(today), today=today, names=names, share=share)


def _findings(result, lift) -> list:
    names = result.names
    dated = lift.curves.evaluation.period.dated
    nxt = next_test_line(result, customers_per_week=lift.curves.n * 7 / 30 if dated else None)
    found = [uplift_finding(result, names=names, value_per_kept=lift.value_per_kept,
                            cost=lift.assumptions.cost(lift.contacts), currency=lift.currency, next_test=nxt)]
    extra = effect_bands_finding(result)
    return found + ([extra] if extra is not None else [])


ANALYSIS = register(Analysis(
    key="uplift", name="Whom the campaign keeps", order=55, needs=("features",), page="app_pages/uplift.py",
    compute=_compute, findings=_findings, options=_options, supporting=("uplift_curve",),
    unasked="no per-customer campaign test results: upload them on the Whom the campaign keeps page (or name them "
            "in story.toml's [ab] results).",
    invite="See whom the campaign keeps on the Whom the campaign keeps page",
    summary=lambda r: "too small" if r.compare is None else r.compare.verdict,
))
