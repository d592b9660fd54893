"""Benchmarks of the planner: each module is a script that prints its measurements.

Run them from the repository root: ``python bench/allocation.py`` once the project is installed
(``pip install -e .``), or ``python -m bench.allocation`` without installing. The browser benches
(``resolve``, ``map_redraw``) share the browser tests' harness (``tests/explorer_server.py``) and run
as ``python -m bench.resolve``. Results and commands are in docs/BENCHMARKS.md.
"""
