"""Benchmarks of braininit against the libraries users would pick instead.

Run ``python -m benchmarks.run`` from the repository root (``--quick`` for
tiny sizes). Every case times all implementations in one process and run,
and reports each median as a ratio to a named reference row, because
absolute times on a shared machine move by tens of percent between runs.
"""
