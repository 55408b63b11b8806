"""Fixtures of the jobs app's tests: the demo inputs and an input root holding them."""

from .demo_jobs import demo_inputs, input_root  # noqa: F401  (pytest fixtures, registered by import)
