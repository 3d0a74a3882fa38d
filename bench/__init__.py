"""The benchmark: a deterministic data set at a chosen scale, the measurements, the report.

Run it with ``python -m bench.run`` (see docs/performance.md).
"""
