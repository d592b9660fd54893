"""Every file of a scenario's plan, solved so that the same code gives the same bytes: a refactor's check.

Usage: PYTHONHASHSEED=0 python -m bench.same_plan OUT [SCENARIO ...]

The shipped scenarios stop at gaps and time limits, and PuLP's row order follows Python's set order, so two
ordinary runs differ. Here the solve is made repeatable: one thread, both stages stopped by their gaps
(0.5% coverage, 5% cost, no time limit), and ``PYTHONHASHSEED=0`` (the script refuses to run without it).
It writes OUT/<scenario>/plan (plan.json and the CSV tables) and OUT/<scenario>/export_<lang> (every export
format, English and French). Run it on two versions of the code and compare with ``diff -r``: XLSX (its
creation time), GPKG (container bytes) and plan.json (solver seconds) differ between runs of the same code.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import planner
from planner.exports import FORMATS, export_files, places_from_inputs
from planner.i18n import LANGUAGES
from planner.loading import load_scenario
from planner.outputs import plan_files

REPO = Path(__file__).resolve().parent.parent
REPEATABLE = {
    "threads": 1,
    "mip_gap": 0.005,
    "cost_mip_gap": 0.05,
    "time_limit_s": 900,
    "cost_time_limit_s": None,
}


def write(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "scenarios", nargs="*", type=Path, default=sorted((REPO / "scenarios").glob("*.yaml"))
    )
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":
        sys.exit("set PYTHONHASHSEED=0: PuLP's row order follows Python's set order")
    for path in args.scenarios:
        settings = load_scenario(path).solver.model_copy(update=REPEATABLE)
        result = planner.plan(path, settings=settings)
        plan = result.plan
        print(f"{path.stem}: {plan.status}, {plan.kpis.people_vaccinated:,} people", flush=True)
        write(args.out / path.stem / "plan", plan_files(plan))
        places = places_from_inputs(result.data.inputs)
        for lang in LANGUAGES:
            for fmt in FORMATS:
                write(args.out / path.stem / f"export_{lang}", export_files(plan, places, fmt, lang))


if __name__ == "__main__":
    main()
