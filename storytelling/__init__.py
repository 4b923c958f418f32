"""storytelling: turn a churn model's numbers into business stories."""

__version__ = "0.1.0"
