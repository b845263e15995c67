"""Performance measurements of the contract core, reported as ratios to baselines run alongside.

Run everything with ``python benchmarks/run.py``; see ``benchmarks/README.md``.
"""
