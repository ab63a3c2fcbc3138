"""The side-by-side benchmark of issue 6: `python -m bench.run` (see bench/run.py)."""
