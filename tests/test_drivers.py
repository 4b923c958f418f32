"""Drivers: SHAP sums, plain sentences in the right direction, no jargon for executives."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from storytelling.drivers import (
    CAUSE_CAVEAT,
    CustomerExplainer,
    as_driver_model,
    bands,
    customer_finding,
    driver_detail_finding,
    drivers_finding,
    explain_customer,
    explain_model,
    fit_stand_in,
    fmt_points,
    likelihood_text,
    stratified_positions,
    waterfall_data,
)
from storytelling.glossary import Glossary
from storytelling.model import make_pipeline
from storytelling.story import DATA_SCIENTIST, EXECUTIVE, has_jargon


def planted(n: int = 20_000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers whose risk rises with month-to-month contracts and support tickets, and falls with
    tenure; ``noise_score`` has no effect."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "contract": rng.choice(["Month-to-month", "Two year"], n, p=[0.5, 0.5]).astype(object),
        "tenure_months": rng.integers(0, 72, n),
        "support_tickets_90d": rng.poisson(0.8, n),
        "noise_score": rng.normal(0, 1, n),
    })
    logit = (-3.2 + 1.6 * (X["contract"] == "Month-to-month") - 0.035 * X["tenure_months"]
             + 0.5 * X["support_tickets_90d"])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = planted()
    model = make_pipeline(X).fit(X, y)
    return model, X


@pytest.fixture(scope="module")
def result(fitted):
    model, X = fitted
    return explain_model(model, X, sample_size=1000)


def test_planted_drivers_rank_first_and_noise_last(result):
    names = [d.column for d in result.drivers]
    assert set(names[:3]) == {"contract", "tenure_months", "support_tickets_90d"}
    assert names[-1] == "noise_score"
    assert abs(sum(d.share for d in result.drivers) - 1) < 1e-9


def test_sentences_name_the_right_direction(result):
    by = {d.column: d for d in result.drivers}
    contract = by["contract"]
    assert contract.sentence.startswith("The model expects customers whose contract is Month-to-month to be about")
    assert "those whose contract is Two year" in contract.sentence
    tenure = by["tenure_months"]
    assert "tenure is under" in tenure.high and tenure.direction == "down"
    assert "or more" in tenure.bands.iloc[-1]["band"]
    assert tenure.bands["risk"].iloc[0] > tenure.bands["risk"].iloc[-1]
    tickets = by["support_tickets_90d"]
    assert tickets.direction == "up" and "or more" in tickets.high
    ratios = {c: d.high_risk / d.low_risk for c, d in by.items()}
    assert min(ratios, key=ratios.get) == "noise_score"
    assert ratios["noise_score"] < 1.3 < min(ratios[c] for c in ("contract", "tenure_months", "support_tickets_90d"))


def test_band_risk_matches_a_direct_group_average(fitted):
    model, X = fitted
    risk = model.predict_proba(X)[:, 1]
    term = Glossary.infer(X).term("contract")
    b = bands(term, X["contract"], risk).set_index("band")
    direct = pd.Series(risk).groupby(X["contract"].to_numpy()).mean()
    for cat in direct.index:
        assert b.loc[cat, "risk"] == pytest.approx(direct[cat])
        assert b.loc[cat, "customers"] == int((X["contract"] == cat).sum())


def test_numeric_bands_cover_every_customer_once():
    term = Glossary.infer(pd.DataFrame({"tickets": [0]})).term("tickets")
    x = pd.Series([0] * 600 + [1] * 250 + [2] * 100 + [3] * 30 + [4] * 15 + [7] * 5)
    b = bands(term, x, np.linspace(0, 1, len(x)))
    assert b["customers"].sum() == len(x)
    assert list(b["band"]) == ["0", "1", "2", "3 or more"]  # thin tail folded


def test_stability_is_reported(result):
    assert result.second_sample_size == result.sample_size == 1000
    assert 0.8 <= result.stability <= 1.0
    assert result.top_agree >= 4


def test_stratified_samples_cover_the_risk_range_and_do_not_overlap():
    risk = np.random.default_rng(0).random(10_000)
    a = stratified_positions(risk, 500, seed=3)
    b = stratified_positions(risk, 500, seed=3, draw=1)
    assert len(set(a)) == len(a) == 500 and not set(a) & set(b)
    strata = np.argsort(np.argsort(risk)) // 20
    assert sorted(strata[a]) == list(range(500)) == sorted(strata[b])
    assert np.array_equal(a, stratified_positions(risk, 500, seed=3))  # deterministic


@pytest.mark.parametrize("pos", [0, 17, 555])
def test_contributions_add_up_to_risk_minus_average(fitted, pos):
    model, X = fitted
    expl = explain_customer(model, X, pos, customer="Dana")
    risk = model.predict_proba(X.iloc[[pos]])[0, 1]  # independent: the model itself
    assert expl.risk == pytest.approx(risk)
    assert abs(expl.contributions["points"].sum() - (risk - expl.average_risk) * 100) < 0.1
    # the average is the background's mean risk
    ex = CustomerExplainer(model, X)
    assert expl.average_risk == pytest.approx(model.predict_proba(ex.background)[:, 1].mean())
    # ... which represents all customers closely
    assert abs(expl.average_risk - model.predict_proba(X)[:, 1].mean()) < 0.005


def test_customer_summary_reads_well(fitted):
    model, X = fitted
    risk = model.predict_proba(X)[:, 1]
    pos = int(np.argmax(risk))
    expl = explain_customer(model, X, pos, customer="Dana")
    assert expl.summary.startswith("The model puts Dana's risk of leaving at ")
    assert "Mainly because of their" in expl.summary
    top = expl.contributions.iloc[0]
    assert top["points"] > 0 and top["column"] in ("contract", "support_tickets_90d", "tenure_months")
    steps = waterfall_data(expl)
    assert steps["end"].iloc[-1] == pytest.approx(expl.risk * 100)
    assert steps["end"].iloc[-2] == pytest.approx(expl.risk * 100, abs=0.1)  # the steps land on the risk


def test_any_model_is_explained_through_the_generic_route():
    X, y = planted(4000)
    pre = ColumnTransformer([("cat", OneHotEncoder(), ["contract"]),
                             ("num", StandardScaler(), ["tenure_months", "support_tickets_90d", "noise_score"])])
    model = Pipeline([("prep", pre), ("lr", LogisticRegression())]).fit(X, y)
    dm = as_driver_model(model, list(X.columns), source="file")
    assert dm.tree is None and dm.global_unit == "probability points"
    res = explain_model(dm, X, sample_size=200)
    assert {d.column for d in res.drivers[:3]} == {"contract", "tenure_months", "support_tickets_90d"}
    expl = explain_customer(dm, X, 10)
    assert abs(expl.contributions["points"].sum() - (expl.risk - expl.average_risk) * 100) < 0.1


def test_stand_in_imitates_given_scores(fitted):
    model, X = fitted
    scores = model.predict_proba(X)[:, 1]
    dm = fit_stand_in(X, scores)
    assert dm.memo["fidelity"] > 0.9 and dm.source == "stand-in"
    res = explain_model(dm, X, risk=scores, sample_size=500)
    assert res.drivers[-1].column == "noise_score"
    f = drivers_finding(res)
    assert any("stand-in" in c for c in f.caveats)
    assert any("stand-in" in n for n in f.notes)
    expl = explain_customer(dm, X, 3)
    assert abs(expl.contributions["points"].sum() - (expl.risk - expl.average_risk) * 100) < 0.1


def test_findings_speak_plainly(fitted, result):
    model, X = fitted
    expl = explain_customer(model, X, 5, customer="Customer 5")
    for f in (drivers_finding(result), driver_detail_finding(result, "tenure_months"), customer_finding(expl)):
        assert not has_jargon(f.text_for(EXECUTIVE)), has_jargon(f.text_for(EXECUTIVE))
        assert CAUSE_CAVEAT in f.caveats
        assert f.get_chart().to_dict()  # valid Vega-Lite
    assert "SHAP" in drivers_finding(result).text_for(DATA_SCIENTIST)


def test_finding_facts_match_the_result(result):
    f = drivers_finding(result)
    assert f.fact("driver_1").value == result.drivers[0].name
    assert f.headline == result.drivers[0].sentence
    assert f.fact("top_share").value == pytest.approx(sum(d.share for d in result.drivers[:3]))


def test_glossary_feeds_the_sentences(fitted):
    model, X = fitted
    g = Glossary.infer(X).with_edits({"tenure_months": {"name": "time with us", "unit": "months"}})
    res = explain_model(model, X, sample_size=300, glossary=g)
    assert "whose time with us is under" in res.driver("tenure_months").sentence


def test_wording_helpers():
    assert likelihood_text(0.09, 0.03) == "about 3x as likely to leave as"
    assert likelihood_text(0.042, 0.03) == "about 40% more likely to leave than"
    assert fmt_points(8.64) == "+8.6 points" and fmt_points(-12.2) == "−12 points" and fmt_points(1) == "+1 point"
