"""Benchmarks: each runs with `python -m bench.<name>` and writes a JSON result to bench/results/."""
