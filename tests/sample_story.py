"""The sample's lift scenario and drivers, as the story tests need them (one recipe for all)."""

from storytelling.data import prepare
from storytelling.drivers import as_driver_model, explain_evaluation
from storytelling.lift import analyse_lift, build_curves
from storytelling.model import evaluate
from storytelling.sample import load_sample
from storytelling.targeting import Assumptions

ASSUMPTIONS = Assumptions(600, 8.0, 0.3, capacity=1000, value_months=12)


def lift_and_drivers(data=None, ev=None):
    """(LiftResult at 1,000 calls, DriverResult on 300 customers); built from scratch when not given."""
    data = data if data is not None else prepare(load_sample())
    ev = ev if ev is not None else evaluate(data)
    lift = analyse_lift(build_curves(ev), ASSUMPTIONS, 1000)
    drivers = explain_evaluation(as_driver_model(ev.model, data.features), ev, sample_size=300)
    return lift, drivers


_RUNS: dict = {}


def sample_run(cfg):
    """The registry's Run for the sample as the CLI builds it (the list at 1,000 calls), once per test session."""
    from storytelling.glossary import Glossary
    from storytelling.registry import Run
    from storytelling.source import open_source

    if "sample" not in _RUNS:
        source = open_source(roles=cfg.roles)
        ev = source.evaluate()
        lift = analyse_lift(source.curves(ev, use_value=cfg.value_months is not None), cfg.assumptions(), 1000)
        _RUNS["sample"] = (source, ev, lift, Glossary.infer(source.data.frame, source.data.described))
    source, ev, lift, glossary = _RUNS["sample"]
    return Run(source, ev, lift, cfg, glossary)
