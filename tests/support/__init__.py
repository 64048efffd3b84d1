"""Helpers the test modules share; test modules import from here, never from each other.

env.py      the repo, the test Redis, the environment an `opsqkv` subprocess needs
shared.py   data beside the repo in ../shared: skipped locally when missing, a failure in CI
clock.py    the fixed "now" the ticket and flow tests read times against
keys.py     the on-disk slot key cache every ticket test module reuses
vectors.py  clustered unit vectors and recall, for the ANN tests
passages.py six one-topic runbook passages for the KB index tests
sgd.py      a hand-written SGD service and dialogue, and where the real subsets live
flows.py    every mismatch of a replayed flow, for assertion messages
"""
