"""Two runs of ``solve`` and ``export`` on every shipped scenario: do they write the same files?

Usage: python -m bench.determinism OUT [SCENARIO ...]   (default: every scenario in scenarios/)

Each scenario is solved (``python -m planner solve``) and exported (``export --formats all``) twice, as
a user would run them, one run after the other, into OUT/run1 and OUT/run2. The files are then compared
byte for byte, plan.json with its run timings set to 0 (:data:`planner.outputs.RUN_TIMINGS`). The
scenarios' solves stop at gaps and time limits, so a loaded machine can in principle stop a stage at
another plan; the table says which files differ, if any.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from planner.outputs import OUTPUT_MARK, timeless_plan_json

REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> float:
    """Run the command line; its wall seconds."""
    begin = time.perf_counter()
    subprocess.run([sys.executable, "-m", "planner", *args], check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - begin


def files_of(folder: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != OUTPUT_MARK}
    if "plan.json" in files:
        files["plan.json"] = timeless_plan_json(files["plan.json"])
    return files


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("scenarios", nargs="*", type=Path)
    args = parser.parse_args()
    scenarios = args.scenarios or sorted((REPO / "scenarios").glob("*.yaml"))
    print("| scenario | files | differing | solve s (run 1, 2) | export s (run 1, 2) |")
    print("|---|---|---|---|---|")
    for scenario in scenarios:
        name = scenario.stem
        seconds: dict[str, list[float]] = {"solve": [], "export": []}
        for number in (1, 2):
            folder = args.out / f"run{number}" / name
            seconds["solve"].append(run("solve", str(scenario.resolve()), "--out", str(folder / "plan")))
            seconds["export"].append(
                run("export", str(scenario.resolve()), "--out", str(folder / "export"), "--formats", "all")
            )
        first, second = ({}, {})  # type: tuple[dict[str, bytes], dict[str, bytes]]
        for number, files in ((1, first), (2, second)):
            for part in ("plan", "export"):
                files |= {
                    f"{part}/{k}": v for k, v in files_of(args.out / f"run{number}" / name / part).items()
                }
        differing = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
        solve_s = ", ".join(f"{s:.0f}" for s in seconds["solve"])
        export_s = ", ".join(f"{s:.0f}" for s in seconds["export"])
        print(
            f"| {name} | {len(first)} | {', '.join(differing) or 'none'} | {solve_s} | {export_s} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
