"""The built-in analyses, one module each; :mod:`storytelling.registry` finds every module here.

A module declares its analysis with :func:`storytelling.registry.register`: what it needs from the
data, what it is asked for (its page's choices, else ``story.toml``), how it computes and the
findings it yields. The computing itself lives in the core modules (:mod:`storytelling.lift`,
:mod:`storytelling.backtest`, ...); these modules only plug them in.
"""
