"""The sidebar's business settings in one place: widget keys, and their values for a
:class:`~storytelling.config.StoryConfig` (the defaults are those of ``StoryConfig()``)."""

from __future__ import annotations

from storytelling.config import StoryConfig

VALUE_MONTHS, VALUE, COST, SAVE, FIXED, CAPACITY = "value_months", "value", "cost", "save", "fixed", "capacity"
USE_VALUE, AUDIENCE = "use_value", "audience"


def widget_values(cfg: StoryConfig) -> dict:
    """The sidebar's widget values (by key) that show ``cfg``'s setup."""
    out = {COST: float(cfg.cost_per_contact), SAVE: round(cfg.save_rate * 100), FIXED: round(cfg.fixed_cost),
           CAPACITY: cfg.capacity or 0, USE_VALUE: cfg.value_months is not None, VALUE: round(cfg.value_per_saved),
           AUDIENCE: cfg.audience}
    if cfg.value_months is not None:
        out[VALUE_MONTHS] = round(cfg.value_months)
    return out


DEFAULTS = widget_values(StoryConfig())
