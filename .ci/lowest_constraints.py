"""Print a pip constraints file that pins every dependency of pyproject.toml to its lower bound.

Usage: ``python3 .ci/lowest_constraints.py [EXTRA ...] > lowest.txt``: the runtime dependencies and those of
the extras named, each ``name>=X`` as ``name==X``; a requirement without a lower bound stays free.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

#: "name[extras] >=1.2,<2": the name, then the first lower bound of the specifier.
REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(?P<specifier>[^;]*)")
LOWER_BOUND = re.compile(r">=\s*(?P<version>[^,\s]+)")


def lower_bounds(pyproject: Path, extras: list[str]) -> list[str]:
    """``name==lower_bound`` for each requirement of the project and ``extras`` that has a lower bound."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    unknown = sorted(set(extras) - set(optional))
    if unknown:
        msg = f"{pyproject}: no extra {', '.join(unknown)} (extras: {', '.join(sorted(optional))})"
        raise SystemExit(msg)
    requirements = list(project["dependencies"]) + [req for extra in extras for req in optional[extra]]
    pins = []
    for requirement in requirements:
        match = REQUIREMENT.match(requirement.strip())
        if match is None:
            raise SystemExit(f"{pyproject}: cannot read the requirement {requirement!r}")
        bound = LOWER_BOUND.search(match["specifier"])
        if bound is not None:
            pins.append(f"{match['name']}=={bound['version']}")
    return pins


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    print("\n".join(lower_bounds(root / "pyproject.toml", sys.argv[1:])))
